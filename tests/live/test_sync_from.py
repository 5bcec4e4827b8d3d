"""``gpubroker sync --provider NAME --from PATH``: a mirrored catalog file in the provider's bundled
snapshot format, with its prices' date; files it cannot take are refused with the reason, changing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Offer, ProviderHealth
from core.settings import Settings
from tests.live.conftest import lambda_file, sync_from


def test_a_mirrored_file_is_synced_with_its_own_date(
    live_settings: Settings, live_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = lambda_file(live_settings, tmp_path, {})
    assert sync_from(live_settings, path, "--as-of", "2026-12-01") == 0
    with live_factory() as session:
        health = session.get(ProviderHealth, "lambda")
        assert health is not None and health.mode == "snapshot" and health.status == "up"
        assert str(health.data_as_of)[:10] == "2026-12-01"
        dates = session.execute(
            select(func.min(Offer.price_as_of), func.max(Offer.price_as_of)).where(
                Offer.provider == "lambda", Offer.availability == "up"
            )
        ).one()
        assert {str(d)[:10] for d in dates} == {"2026-12-01"}
        assert session.execute(
            select(Offer.source).where(Offer.provider == "lambda").limit(1)
        ).scalar_one() == ("file:lambda-mirror.csv")


@pytest.mark.parametrize(
    ("content", "args", "reason"),
    [
        ("InstanceType,Price\nx,1\n", (), "missing columns AcceleratorCount, AcceleratorName"),
        (
            "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n",
            (),
            "holds no offers",
        ),
        (None, ("--as-of", "last tuesday"), "--as-of must be an ISO date"),
    ],
)
def test_files_it_cannot_take_are_refused_with_the_reason(
    live_settings: Settings,
    live_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    args: tuple[str, ...],
    reason: str,
) -> None:
    with live_factory() as session:
        before = session.execute(
            select(func.count()).where(Offer.provider == "lambda", Offer.availability == "up")
        ).scalar_one()
    path = tmp_path / "mirror.csv"
    if content is None:
        path = lambda_file(live_settings, tmp_path, {})
    else:
        path.write_text(content, encoding="utf-8")
    assert sync_from(live_settings, path, *args) == 2
    assert reason in capsys.readouterr().err
    with live_factory() as session:
        after = session.execute(
            select(func.count()).where(Offer.provider == "lambda", Offer.availability == "up")
        ).scalar_one()
    assert after == before


def test_from_needs_exactly_one_provider_and_a_readable_file(
    live_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import build_parser

    args = build_parser().parse_args(["sync", "--from", str(tmp_path / "x.csv")])
    assert args.func(args, live_settings) == 2
    assert "--from needs exactly one --provider" in capsys.readouterr().err
    assert sync_from(live_settings, tmp_path / "missing.csv") == 2
    assert "cannot read" in capsys.readouterr().err
