"""Every process maps all tables before its first session (core.db.load_models): a worker whose job
imported a model module lazily, while another thread queried, once failed every later query with
"expression 'InvoiceLine.position' failed to locate a name" and never finished a booking."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from core.db import MODEL_MODULES

ROOT = Path(__file__).resolve().parents[2]


def mapping_modules() -> set[str]:
    """The product's modules that declare a class on ``Base``, found by reading the source."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "migrations", "bench", "node_modules"} or "node_modules" in parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            isinstance(node, ast.ClassDef)
            and any(isinstance(b, ast.Name) and b.id == "Base" for b in node.bases)
            for node in ast.walk(tree)
        ):
            found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_the_registry_names_every_module_that_maps_a_table() -> None:
    # Read in a process of its own: CPython 3.11's AST builder keeps its recursion depth per interpreter,
    # not per thread, so ast.parse beside another thread that parses (the test process has servers and a
    # model-loading thread) can fail with "AST constructor recursion depth mismatch" (python/cpython#106905).
    listed = subprocess.run(
        [sys.executable, __file__], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    assert set(listed) == set(MODEL_MODULES)


def test_a_fresh_process_maps_and_configures_every_table_with_its_first_session_factory() -> None:
    # Only core.db is imported: the factory brings in every model and configures every mapper before
    # any thread of that process can query.
    code = (
        "from core.db import make_engine, make_session_factory, Base\n"
        "factory = make_session_factory(make_engine('sqlite://'))\n"
        "print(all(m.configured for m in Base.registry.mappers))\n"
        "print(' '.join(sorted(Base.metadata.tables)))\n"
    )
    configured, tables = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    ).stdout.splitlines()
    assert configured == "True"
    from core.db import Base, load_models

    load_models()
    assert set(tables.split()) == set(Base.metadata.tables)
    assert {"invoices", "invoice_lines", "bookings", "offers", "outbox_events"} <= set(tables.split())


if __name__ == "__main__":
    print("\n".join(sorted(mapping_modules())))
