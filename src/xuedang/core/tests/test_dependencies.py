"""The layering contracts of decision 0011 bite: a copy of the tree passes `lint-imports`, and the
same copy with one back-import — inside a function, the way cycles used to be hidden — fails
and names it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import xuedang

PACKAGE = Path(xuedang.__file__).parent
PYPROJECT = PACKAGE.parent.parent / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The package's Python files and the project's import-linter contracts, in a scratch folder."""
    shutil.copytree(
        PACKAGE, tmp_path / "src" / "xuedang", ignore=shutil.ignore_patterns("__pycache__", "data", "static", "*.csv")
    )
    contracts = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (tmp_path / ".importlinter").write_text(_ini(contracts))
    return tmp_path


def _ini(config: dict) -> str:
    """import-linter's INI form of the pyproject table (no TOML writer in the standard library)."""

    def value(v: object) -> str:
        if isinstance(v, list):
            return "".join(f"\n    {item}" for item in v)
        return str(v).lower() if isinstance(v, bool) else str(v)

    lines = ["[importlinter]"]
    lines += [f"{k} = {value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines.append(f"\n[importlinter:contract:{contract['id']}]")
        lines += [f"{k} = {value(v)}" for k, v in contract.items() if k != "id"]
    return "\n".join(lines) + "\n"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / ".importlinter"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_both_contracts(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_back_import_inside_a_function_breaks_the_layers(tree: Path) -> None:
    common = tree / "src" / "xuedang" / "registry" / "services" / "common.py"
    common.write_text(
        common.read_text()
        + "\n\ndef _sneaky() -> None:\n    from xuedang.archive.services import bindings_refresh  # noqa: F401\n"
    )
    result = _lint(tree)
    assert result.returncode != 0
    assert "xuedang.registry is not allowed to import xuedang.archive" in result.stdout
    assert "xuedang.registry.services.common -> xuedang.archive.services" in result.stdout


def test_two_modules_of_an_app_importing_each_other_break_the_acyclic_contract(tree: Path) -> None:
    selectors = tree / "src" / "xuedang" / "reports" / "selectors.py"
    selectors.write_text(
        selectors.read_text() + "\n\ndef _sneaky() -> None:\n    from xuedang.reports import services  # noqa: F401\n"
    )
    result = _lint(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in xuedang.reports" in result.stdout
