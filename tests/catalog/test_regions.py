"""Region geography: every region in the bundled catalog maps to a geo (and a country where the name
tells one), each provider's naming scheme is read correctly, and user place names resolve."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import catalog
from catalog.regions import GEOS, Location, locate, resolve_place

CATALOG_DIR = Path(catalog.__file__).parent / "snapshots" / "catalog"

# Regions that say nothing about where they are (documented in catalog.regions).
UNKNOWN_REGIONS = {("primeintellect", "UNSPECIFIED")}
# Regions whose geo is certain but whose country is not.
GEO_ONLY_REGIONS = {("lambda", "europe-south-1"), ("seeweb", "")}


def _catalog_regions() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(CATALOG_DIR.glob("*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                region = (row.get("Region") or "").strip()
                if not region and path.stem == "ibm":
                    # IBM rows with no Region name their zone; callers pass it instead (documented).
                    region = (row.get("AvailabilityZone") or "").strip()
                found.add((path.stem, region))
    return sorted(found)


CATALOG_REGIONS = _catalog_regions()


REGION_IDS = [f"{p}:{r}" for p, r in CATALOG_REGIONS]


@pytest.mark.parametrize(("provider", "region"), CATALOG_REGIONS, ids=REGION_IDS)
def test_every_catalog_region_maps(provider: str, region: str) -> None:
    location = locate(provider, region)
    if (provider, region) in UNKNOWN_REGIONS:
        assert location == Location(None, None)
        return
    assert location.geo in GEOS
    if (provider, region) in GEO_ONLY_REGIONS:
        assert location.country is None
    else:
        assert location.country is not None
        assert len(location.country) == 2
        assert location.country.isupper()


def test_catalog_covers_every_provider() -> None:
    providers = {provider for provider, _ in CATALOG_REGIONS}
    assert providers == {
        "aws",
        "cudo",
        "digitalocean",
        "fluidstack",
        "gcp",
        "hyperbolic",
        "ibm",
        "lambda",
        "mithril",
        "nebius",
        "oci",
        "ovhcloud",
        "paperspace",
        "primeintellect",
        "runpod",
        "scaleway",
        "scp",
        "seeweb",
        "shadeform",
        "simplepod",
        "vast",
    }


@pytest.mark.parametrize(
    ("provider", "region", "geo", "country"),
    [
        # Vast: state, ISO country, continent code.
        ("vast", "Czechia, CZ, EU", "eu", "CZ"),
        ("vast", ", US, NA", "na", "US"),
        ("vast", "Thailand, TH, AS", "asia", "TH"),
        ("vast", "St.-Petersburg, RU, EU", "eu", "RU"),
        ("vast", "British Columbia, CA, NA", "na", "CA"),
        ("vast", "Somewhere, , OC", "oceania", None),
        ("vast", "Somewhere, , SA", "sa", None),
        ("vast", "Somewhere, , AF", "af", None),
        # Prime Intellect: "CC - site".
        ("primeintellect", "DE - FRA", "eu", "DE"),
        ("primeintellect", "US - DAL", "na", "US"),
        ("primeintellect", "UNSPECIFIED", None, None),
        # RunPod: ISO codes or data-centre ids.
        ("runpod", "CZ", "eu", "CZ"),
        ("runpod", "IS", "eu", "IS"),
        ("runpod", "US", "na", "US"),
        ("runpod", "EU-RO-1", "eu", "RO"),
        ("runpod", "EUR-IS-2", "eu", "IS"),
        ("runpod", "US-CA-1", "na", "US"),
        ("runpod", "CA-MTL-1", "na", "CA"),
        # Fluidstack: words.
        ("fluidstack", "UTAH_USA", "na", "US"),
        ("fluidstack", "NORTH_DAKOTA_USA", "na", "US"),
        ("fluidstack", "CANADA", "na", "CA"),
        ("fluidstack", "FINLAND", "eu", "FI"),
        # OVHcloud: site codes and zones.
        ("ovhcloud", "BHS", "na", "CA"),
        ("ovhcloud", "GRA", "eu", "FR"),
        ("ovhcloud", "SBG", "eu", "FR"),
        ("ovhcloud", "LON", "eu", "GB"),
        ("ovhcloud", "WAW", "eu", "PL"),
        ("ovhcloud", "FRA", "eu", "DE"),
        ("ovhcloud", "GRA11", "eu", "FR"),
        # Paperspace: the code in brackets; CA1 is California.
        ("paperspace", "East Coast (NY2)", "na", "US"),
        ("paperspace", "West Coast (CA1)", "na", "US"),
        ("paperspace", "Europe (AMS1)", "eu", "NL"),
        # Hyperbolic's only region is in the US (documented assumption).
        ("hyperbolic", "default", "na", "US"),
        # Seeweb: Italian sites; an empty region is Europe without a country.
        ("seeweb", "it-fr2", "eu", "IT"),
        ("seeweb", "", "eu", None),
        # IBM: regions, zones passed for an empty region, and an empty region alone.
        ("ibm", "us-south", "na", "US"),
        ("ibm", "eu-de", "eu", "DE"),
        ("ibm", "au-syd-2", "oceania", "AU"),
        ("ibm", "br-sao-1", "sa", "BR"),
        ("ibm", "", None, None),
        # Shadeform: city-country-n.
        ("shadeform", "helsinki-finland-1", "eu", "FI"),
        ("shadeform", "kansascity-usa-2", "na", "US"),
        ("shadeform", "london-uk-1", "eu", "GB"),
        ("shadeform", "us-east-1", "na", "US"),
        # SimplePod: continent-ISO.
        ("simplepod", "Europe-EE", "eu", "EE"),
        ("simplepod", "North America-CA", "na", "CA"),
        # Samsung Cloud Platform.
        ("scp", "KOREA-WEST-1-SCP-B001", "asia", "KR"),
        ("scp", "KOREA_WEST-1-SWN-FIN-B001", "asia", "KR"),
        # Cloud-style names.
        ("aws", "us-east-1", "na", "US"),
        ("aws", "ap-southeast-2", "oceania", "AU"),
        ("aws", "ap-southeast-3", "asia", "ID"),
        ("aws", "eu-west-1", "eu", "IE"),
        ("aws", "me-central-1", "me", "AE"),
        ("aws", "us-east-1a", "na", "US"),
        ("gcp", "europe-west4", "eu", "NL"),
        ("gcp", "me-west1", "me", "IL"),
        ("gcp", "me-central2", "me", "SA"),
        ("gcp", "northamerica-northeast2", "na", "CA"),
        ("gcp", "asia-east1", "asia", "TW"),
        ("gcp", "us-central1-a", "na", "US"),
        ("gcp", "australia-southeast1", "oceania", "AU"),
        ("oci", "eu-amsterdam-1", "eu", "NL"),
        ("oci", "me-abudhabi-1", "me", "AE"),
        ("oci", "ap-mumbai-1", "asia", "IN"),
        ("oci", "EU-STOCKHOLM-1-AD-1", "eu", "SE"),
        ("lambda", "europe-central-1", "eu", "DE"),
        ("lambda", "europe-south-1", "eu", None),
        ("lambda", "us-midwest-1", "na", "US"),
        ("lambda", "australia-east-1", "oceania", "AU"),
        ("nebius", "eu-north1", "eu", "FI"),
        ("nebius", "eu-west1", "eu", "FR"),
        ("nebius", "us-central1", "na", "US"),
        ("mithril", "us-central2-a", "na", "US"),
        ("digitalocean", "tor1", "na", "CA"),
        ("digitalocean", "nyc3", "na", "US"),
        ("cudo", "no-kristiansand-1", "eu", "NO"),
        ("cudo", "za-centurion-1", "af", "ZA"),
        ("cudo", "au-melbourne-1", "oceania", "AU"),
        ("scaleway", "fr-par", "eu", "FR"),
        ("scaleway", "pl-waw-1", "eu", "PL"),
    ],
)
def test_provider_schemes(provider: str, region: str, geo: str | None, country: str | None) -> None:
    assert locate(provider, region) == Location(geo, country)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("provider", "region"),
    [
        ("primeintellect", "UNSPECIFIED"),
        ("hyperbolic", "somewhere"),
        ("unknown-cloud", ""),
        ("unknown-cloud", "default"),
        ("unknown-cloud", "global"),
        ("aws", "ap-nowhere-9"),
    ],
)
def test_uninformative_regions_are_not_guessed(provider: str, region: str) -> None:
    assert locate(provider, region) == Location(None, None)


@pytest.mark.parametrize(
    ("provider", "region", "expected"),
    [
        ("LambdaLabs", "us-east-1", Location("na", "US")),
        ("unknown-cloud", "Texas, US, NA", Location("na", "US")),
        ("unknown-cloud", "frankfurt-germany-1", Location("eu", "DE")),
        ("unknown-cloud", "DE", Location("eu", "DE")),
        ("unknown-cloud", "eu", Location("eu", None)),
        ("unknown-cloud", "europe-west9", Location("eu", None)),
    ],
)
def test_provider_aliases_and_generic_fallback(provider: str, region: str, expected: Location) -> None:
    assert locate(provider, region) == expected


@pytest.mark.parametrize(
    ("text", "geo", "country"),
    [
        ("europe", "eu", None),
        ("EU", "eu", None),
        ("us", "na", "US"),
        ("usa", "na", "US"),
        ("USA", "na", "US"),
        ("United States", "na", "US"),
        ("asia", "asia", None),
        ("apac", "asia", None),
        ("Asia Pacific", "asia", None),
        ("germany", "eu", "DE"),
        ("japan", "asia", "JP"),
        ("canada", "na", "CA"),
        ("north america", "na", None),
        ("middle east", "me", None),
        ("australia", "oceania", "AU"),
        ("oceania", "oceania", None),
        ("south america", "sa", None),
        ("latam", "sa", None),
        ("africa", "af", None),
        ("south africa", "af", "ZA"),
        ("uk", "eu", "GB"),
        ("United Kingdom", "eu", "GB"),
        ("the netherlands", "eu", "NL"),
        ("South Korea", "asia", "KR"),
        ("UAE", "me", "AE"),
        ("DE", "eu", "DE"),
        ("de", "eu", "DE"),
        ("IT", "eu", "IT"),
        ("IN", "asia", "IN"),
        ("me", "me", None),
        ("sa", "sa", None),
        ("na", "na", None),
        ("texas", "na", "US"),
        ("frankfurt", "eu", "DE"),
        ("in germany", "eu", "DE"),
        ("us east", "na", "US"),
        ("western europe", "eu", None),
        ("eu-west-1", "eu", None),
    ],
)
def test_resolve_place(text: str, geo: str, country: str | None) -> None:
    assert resolve_place(text) == Location(geo, country)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "hello", "global", "anywhere", "in", "it", "no", "cheap", "H100"])
def test_resolve_place_rejects_non_places(text: str) -> None:
    assert resolve_place(text) is None


def test_geos() -> None:
    assert GEOS == ("na", "sa", "eu", "asia", "oceania", "me", "af")
