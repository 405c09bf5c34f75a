"""Shared by the frozen-output tests: load a freeze script as a module, and list the
fields of the rows that differ from the frozen ones."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def freeze_script(name: str) -> Any:
    """scripts/<name>.py as a module (the scripts are no package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def field_differences(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[str]:
    """ "row i field: want != have" for every field of every row that differs."""
    out = []
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        for field in sorted(set(want) | set(have)):
            if want.get(field) != have.get(field):
                out.append(f"row {i} {field}: {want.get(field)!r} != {have.get(field)!r}")
    return out
