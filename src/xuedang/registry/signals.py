"""Events the registry announces to the apps above it, which it may not import (decision 0011).

Sent inside the step's transaction, so a receiver's writes commit or roll back with the step.
Receivers call one service of their own app; the rules stay in the services.
"""

from django.dispatch import Signal

# A step was taken on a student's record that its holder should hear about (a transfer request
# filed, answered, decided, lapsed …). Keyword arguments: `record` (the registry row) and `text`
# ("中文 / English"). The archive tells the account the record is bound to, if any.
record_step = Signal()

# A published record was revoked (撤销学历) or its 学籍 cancelled after publication. Keyword
# arguments: `record` (the Credential or Enrollment) and `actor`. Reports stop its open reports.
record_revoked = Signal()

# A 第十一条 notice was kept for a record (`registry.services.record_notice`). Keyword argument:
# `notice` (RecordNotice). The archive tells the account bound to the record, once.
record_noticed = Signal()
