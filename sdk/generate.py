"""The SDKs, regenerated from the app's OpenAPI document: ``make sdk`` runs this file.

Three generated things are committed, and nothing else under ``sdk/`` is generated:

- ``sdk/openapi.json``: the document the SDKs are made from. It is the app's ``/openapi.json``
  (``api/openapi.py``) with two changes for the generators, made by :func:`for_sdks`:
  each ``operationId`` is the route's function name (``search_offers``, not FastAPI's
  ``search_offers_providers_get``), and a schema FastAPI had to name after its module because two
  models share a name (``billing__schemas__DeliveryOut``) is renamed ``BillingDeliveryOut``, with its
  title, so that openapi-python-client does not drop one of the two as a duplicate.
- ``sdk/python/pyproject.toml`` and ``sdk/python/gpubroker_client/``: openapi-python-client's output with
  ``sdk/python/openapi-python-client.yaml``, its README left out (``sdk/python/README.md`` is ours) and
  its ``[tool.ruff]`` tables too (the generated package is excluded from the repository's ruff).
- ``sdk/typescript/src/schema.ts``: openapi-typescript's types, read by the hand-written client
  ``sdk/typescript/src/index.ts``. openapi-typescript comes from ``sdk/typescript/node_modules``
  (``make sdk-deps``).

``python -m sdk.generate --check`` regenerates into a temporary folder and names the files that differ
from the committed ones; tests/sdk/test_sdk_fresh.py does the same.
"""

from __future__ import annotations

import argparse
import copy
import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SDK = Path(__file__).resolve().parent
PYTHON_CONFIG = SDK / "python" / "openapi-python-client.yaml"
PACKAGE = "gpubroker_client"
TS_NODE_MODULES = SDK / "typescript" / "node_modules"
# What this script writes, relative to sdk/: a file, or a folder replaced as a whole.
GENERATED = ("openapi.json", "python/pyproject.toml", f"python/{PACKAGE}", "typescript/src/schema.ts")


def app_document() -> dict[str, Any]:
    """The app's OpenAPI document, as ``/openapi.json`` serves it (it depends on no setting or data)."""
    from api.app import create_app
    from core.settings import Settings

    settings = Settings(_env_file=None, database_url="sqlite://", redis_url=None, embedded_worker=False)
    return copy.deepcopy(create_app(settings).openapi())


def for_sdks(document: dict[str, Any]) -> dict[str, Any]:
    """The document with operation ids and schema names a generator can turn into good names."""
    doc = copy.deepcopy(document)
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            # FastAPI's default id is the function's name, then the path and method with \W as "_".
            suffix = re.sub(r"\W", "_", path) + "_" + method
            if operation.get("operationId", "").endswith(suffix):
                operation["operationId"] = operation["operationId"][: -len(suffix)]
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise SystemExit(f"two routes share a function name, the SDKs cannot name them: {sorted(duplicates)}")

    schemas = doc["components"]["schemas"]
    renames = {
        key: "".join(part[:1].upper() + part[1:] for part in key.split("__schemas__")[0].split("_"))
        + key.split("__")[-1]
        for key in schemas
        if "__" in key
    }
    for old, new in renames.items():
        if new in schemas:
            raise SystemExit(f"cannot rename schema {old} to {new}: the name is taken")
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    refs = {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renames.items()}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: refs.get(v, v) if k == "$ref" else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(doc)
    return result


def run(command: list[str], cwd: Path) -> None:
    # The generators' own tools (ruff for openapi-python-client's post hooks) from this interpreter's venv.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    # openapi-python-client leaves out what it cannot express and only warns: a left-out operation or
    # schema must be fixed (in the app or in for_sdks), not shipped.
    if done.returncode != 0 or "Warning" in done.stdout:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def generate(root: Path, document: dict[str, Any] | None = None) -> None:
    """Writes the generated files (:data:`GENERATED`) under ``root``, a folder shaped like ``sdk/``."""
    doc = for_sdks(app_document() if document is None else document)
    root.mkdir(parents=True, exist_ok=True)
    spec = root / "openapi.json"
    spec.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "gpubroker-client"
        run(
            [
                sys.executable,
                "-m",
                "openapi_python_client",
                "generate",
                "--path",
                str(spec),
                "--config",
                str(PYTHON_CONFIG),
                "--meta",
                "pdm",
                "--output-path",
                str(out),
            ],
            cwd=Path(tmp),
        )
        python = root / "python"
        python.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(python / PACKAGE, ignore_errors=True)
        shutil.copytree(out / PACKAGE, python / PACKAGE)
        # Its [tool.ruff] tables go: under them ruff would check the generated package (which the
        # repository's ruff configuration excludes) with rules of the generator's choosing.
        kept, dropping = [], False
        for line in (out / "pyproject.toml").read_text(encoding="utf-8").splitlines():
            if line.startswith("["):
                dropping = line.startswith("[tool.ruff")
            if not dropping:
                kept.append(line)
        (python / "pyproject.toml").write_text("\n".join(kept).rstrip() + "\n", encoding="utf-8")

    schema = root / "typescript" / "src" / "schema.ts"
    schema.parent.mkdir(parents=True, exist_ok=True)
    openapi_typescript = TS_NODE_MODULES / ".bin" / "openapi-typescript"
    if not openapi_typescript.exists():
        raise SystemExit(f"{openapi_typescript} is missing: run `make sdk-deps` first")
    run([str(openapi_typescript), str(spec), "--output", str(schema)], cwd=root)


def files(root: Path) -> dict[str, Path]:
    """The generated files under ``root``, by their path relative to it."""
    found: dict[str, Path] = {}
    for name in GENERATED:
        path = root / name
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts:
                    found[f.relative_to(root).as_posix()] = f
        elif path.exists():
            found[name] = path
    return found


def differences(committed: Path, fresh: Path) -> list[str]:
    """The generated files that differ between two folders shaped like ``sdk/``, each with why."""
    old, new = files(committed), files(fresh)
    differ = [f"{name} (missing)" for name in sorted(new.keys() - old.keys())]
    differ += [f"{name} (no longer generated)" for name in sorted(old.keys() - new.keys())]
    differ += [
        f"{name} (differs)"
        for name in sorted(old.keys() & new.keys())
        if not filecmp.cmp(old[name], new[name], shallow=False)
    ]
    return differ


def stale(committed: Path = SDK) -> list[str]:
    """What a fresh generation changes in ``committed``: empty when the SDKs are up to date."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "sdk"
        generate(fresh)
        return differences(committed, fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="regenerate aside and list what is stale")
    args = parser.parse_args()
    if args.check:
        differ = stale()
        if differ:
            raise SystemExit("the SDKs are stale (run `make sdk`):\n  " + "\n  ".join(differ))
        print("the SDKs match the app's OpenAPI document")
        return
    generate(SDK)
    print(f"regenerated {len(files(SDK))} files under {SDK}")


if __name__ == "__main__":
    main()
