"""The terminal face a newcomer meets first: ``gpubroker init``'s sync report, ``gpubroker search`` with
every filter of ``GET /providers``, and the block ``gpubroker serve`` prints before it listens. On a
database of its own (the commands commit), at a narrow terminal's width."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from api import cli
from catalog.schemas import OfferFilters
from core.settings import Settings


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    folder = tmp_path_factory.mktemp("cli")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'cli.db'}", redis_url=None, mail_dir=folder / "mail"
    )
    cli.migrate(settings)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "80")
        out = io.StringIO()
        with redirect_stdout(out):
            cli.run_sync_with_progress(settings, None)
    return settings, out.getvalue()


def search(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    args = cli.build_parser().parse_args(["search", *argv])
    code = cli.cmd_search(args, settings)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_sync_report_names_providers_whole_and_explains_skipped_rows(
    synced: tuple[Settings, str],
) -> None:
    _, report = synced
    for provider in ("digitalocean", "primeintellect", "paperspace", "hyperbolic", "shadeform"):
        assert f" {provider} " in report, report
    assert "…" not in report
    # The bundled files hold rows the providers published without a price: a note, not an alarm.
    assert "rejected" not in report.lower()
    assert "rows of the providers' files were skipped; every other row loaded:" in report
    assert "aws: 3 rows, missing price (rows 125, 127, 128)" in report


def test_search_takes_every_filter_of_the_api() -> None:
    parser = cli.build_parser()
    search_parser = parser._subparsers._group_actions[0].choices["search"]  # type: ignore[union-attr]
    options = {o for action in search_parser._actions for o in action.option_strings}
    for name in OfferFilters.model_fields:
        assert f"--{name.replace('_', '-')}" in options
    assert {"--gpu", "--count", "--limit", "--json"} <= options


def test_filters_combine_and_names_are_never_cut(
    synced: tuple[Settings, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = synced
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = search(
        settings,
        capsys,
        "--provider",
        "aws,gcp",
        "--gpu-memory-gb",
        "40",
        "--spot",
        "--limit",
        "50",
        "--json",
    )
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    assert result["total"] > 0
    assert {o["provider"] for o in result["items"]} <= {"aws", "gcp"}
    assert all(o["spot"] and o["gpu_memory_gb"] >= 40 for o in result["items"])

    code, table, _ = search(
        settings, capsys, "--region", "ap-southeast-2", "--provider", "aws", "--limit", "5"
    )
    assert code == 0 and "…" not in table
    assert "offers, 1-5 shown" in table and "price age" in table
    # Folded, not cut: names and regions are whole once the borders and line breaks are taken out.
    columns: dict[int, str] = {}
    for line in table.splitlines():
        if line.startswith("│"):
            for i, cell in enumerate(line.strip("│").split("│")):
                columns[i] = columns.get(i, "") + cell.strip()
    assert columns[3].count("ap-southeast-2") == 5, columns
    assert columns[0] == "aws" * 5


def test_the_next_page_is_one_cursor_away(
    synced: tuple[Settings, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = synced
    monkeypatch.setenv("COLUMNS", "80")
    code, first, err = search(settings, capsys, "--gpu", "a100", "--limit", "3")
    assert code == 0, err
    hint = first.splitlines()[-1]
    assert hint.startswith("next page: the same command with --cursor ")
    code, second, err = search(
        settings, capsys, "--gpu", "a100", "--limit", "3", "--cursor", hint.split()[-1]
    )
    assert code == 0, err
    assert "offers, 3 shown after the cursor" in second
    code, _, err = search(
        settings, capsys, "--gpu", "a100", "--cursor", hint.split()[-1], "--sort", "price_desc"
    )
    assert code == 2 and "sort=price_asc" in err


def test_bad_options_are_named_and_no_match_says_so(
    synced: tuple[Settings, str], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, _ = synced
    code, _, err = search(settings, capsys, "--country", "USA")
    assert code == 2 and err.startswith("error: --country:")
    code, _, err = search(settings, capsys, "--gpu-count", "0", "--max-price", "abc")
    assert code == 2 and "--gpu-count:" in err and "--max-price:" in err
    code, _, err = search(settings, capsys, "--gpu", "b900")
    assert code == 2 and "unknown gpu_type 'b900'" in err
    code, out, _ = search(settings, capsys, "--gpu", "h100", "--max-price", "0.01")
    assert code == 0 and out.startswith("no offers match these filters")


def test_serve_says_where_everything_is_and_how_to_get_an_account(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", mail_dir=tmp_path / "mail")
    text = "\n".join(cli.welcome_lines(settings, "0.0.0.0", 8000))
    for expected in (
        "http://127.0.0.1:8000/chat",
        "http://127.0.0.1:8000/docs",
        "http://127.0.0.1:8000/signup: creates your team and makes you its admin",
        "gpubroker operator grant <your email>",
        f"written as .eml files to {tmp_path / 'mail'}",
    ):
        assert expected in text, text
    public = settings.model_copy(
        update={"public_url": "https://gpus.example.com/", "smtp_host": "smtp.example.com"}
    )
    text = "\n".join(cli.welcome_lines(public, "0.0.0.0", 8000))
    assert "https://gpus.example.com/signup" in text and "sent through smtp.example.com" in text
