"""The committed SDKs are what `make sdk` makes from the app's OpenAPI document today."""

from __future__ import annotations

import shutil
from pathlib import Path

from sdk.generate import SDK, differences, generate


def test_the_committed_sdks_match_the_openapi_document(ts_project: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "sdk"
    generate(fresh)
    stale = differences(SDK, fresh)
    assert not stale, "the SDKs are stale against the app's OpenAPI; run `make sdk`:\n  " + "\n  ".join(stale)

    # A stale copy is told apart file by file: changed, missing and left-over files are named.
    old = tmp_path / "old"
    shutil.copytree(fresh, old)
    (old / "typescript" / "src" / "schema.ts").write_text("// edited by hand\n")
    (old / "python" / "gpubroker_client" / "models" / "offer_out.py").unlink()
    (old / "python" / "gpubroker_client" / "api" / "marketplace" / "gone.py").write_text("")
    assert differences(old, fresh) == [
        "python/gpubroker_client/models/offer_out.py (missing)",
        "python/gpubroker_client/api/marketplace/gone.py (no longer generated)",
        "typescript/src/schema.ts (differs)",
    ]
