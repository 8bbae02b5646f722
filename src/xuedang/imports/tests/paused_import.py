"""`import_file` that stops inside its load transaction, for the crash test (test_crash.py).

`python -m xuedang.imports.tests.paused_import FILE --institution CODE`: the last step of every
load (`services._loaded`, inside the load's transaction, rows inserted) is wrapped to leave a
`job-N.paused` marker and sleep, so the test can kill the process with the transaction open.
The fault lives here, on the test's side; production code reads no test switch.
"""

from __future__ import annotations

import sys
import time

import django


def main(argv: list[str]) -> None:
    django.setup()
    from django.core.management import call_command

    from xuedang.imports import services
    from xuedang.imports.files import job_file

    loaded = services._loaded

    def loaded_then_pause(job, kind, inserted, now) -> None:
        loaded(job, kind, inserted, now)
        job_file(job, "paused").touch()  # tells the crash test the transaction is open
        time.sleep(60)

    services._loaded = loaded_then_pause
    call_command("import_file", *argv)


if __name__ == "__main__":
    main(sys.argv[1:])
