"""What the service and its commands import is installed by `pip install .` (the Docker image's
install): every third-party module the source imports belongs to a distribution listed in
[project] dependencies, not only in the dev extra (demo-call once imported httpx, a dev-only
package, and failed in the image)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
SOURCE = [p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
# Imported only where an optional extra is installed (postgres) or inside Asterisk's root.
OPTIONAL = {"psycopg"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_modules() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in SOURCE:
        for path in (PROJECT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module]
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(PROJECT)))
    return found


def test_every_third_party_import_is_a_runtime_dependency() -> None:
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    owners = packages_distributions()
    missing = []
    for module, where in sorted(_imported_modules().items()):
        if module in sys.stdlib_module_names or module in SOURCE or module in OPTIONAL:
            continue
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [])}
        if not dists & declared:
            missing.append(f"{module} (imported by {where}; from {sorted(dists) or '?'})")
    assert missing == []
