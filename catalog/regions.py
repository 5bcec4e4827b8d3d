"""Region to geography: :func:`locate` turns a provider's region string into a :class:`Location` (a
coarse geo and, where the string tells it, an ISO 3166-1 alpha-2 country), and :func:`resolve_place`
does the same for what a user types ("europe", "usa", "apac", "germany"). Every provider names its
regions in its own scheme (AWS ``eu-west-2``, Vast ``"Czechia, CZ, EU"``, Shadeform
``helsinki-finland-1``, RunPod bare country codes, ...), so each scheme is a small parser over shared
tables (countries, cities, states) plus per-provider region tables; a string no scheme recognises
falls back to the generic readers (country, state or city names, cloud-style prefixes such as ``us-``
or ``europe-``). Nothing is guessed: a region that tells nothing (Prime Intellect ``UNSPECIFIED``,
an empty IBM region) is ``Location(None, None)``, and a geo without a country is returned when only
the continent is certain (Lambda ``europe-south-1``). Documented assumptions: Hyperbolic's single
``default`` region is the US (its data centres are American); Seeweb's empty region is Europe with no
country (Seeweb runs data centres in Italy, Switzerland and Bulgaria); callers pass a row's
AvailabilityZone as the region when Region is empty (IBM ``au-syd-2``), and zone suffixes are
stripped. A country's geo comes from the country table, so Russia and Turkey are "eu", Israel and the
Gulf states "me", and Vast's continent code is used only when its country code is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

Geo = Literal["na", "sa", "eu", "asia", "oceania", "me", "af"]
GEOS: tuple[str, ...] = get_args(Geo)


@dataclass(frozen=True)
class Location:
    geo: Geo | None
    country: str | None


UNKNOWN = Location(None, None)

# ISO code -> names people and providers write for the country (lower case).
_COUNTRY_NAMES: dict[Geo, dict[str, tuple[str, ...]]] = {
    "na": {
        "US": ("united states", "united states of america", "usa", "us", "america"),
        "CA": ("canada",),
        "MX": ("mexico",),
        "PR": ("puerto rico",),
        "CR": ("costa rica",),
        "PA": ("panama",),
        "GT": ("guatemala",),
    },
    "sa": {
        "BR": ("brazil", "brasil"),
        "AR": ("argentina",),
        "CL": ("chile",),
        "CO": ("colombia",),
        "PE": ("peru",),
        "UY": ("uruguay",),
        "EC": ("ecuador",),
        "VE": ("venezuela",),
        "BO": ("bolivia",),
        "PY": ("paraguay",),
    },
    "eu": {
        "GB": ("united kingdom", "uk", "great britain", "britain", "england", "scotland", "wales"),
        "IE": ("ireland",),
        "FR": ("france",),
        "DE": ("germany", "deutschland"),
        "NL": ("netherlands", "the netherlands", "holland"),
        "BE": ("belgium",),
        "LU": ("luxembourg",),
        "CH": ("switzerland",),
        "AT": ("austria",),
        "IT": ("italy",),
        "ES": ("spain",),
        "PT": ("portugal",),
        "DK": ("denmark",),
        "SE": ("sweden",),
        "NO": ("norway",),
        "FI": ("finland",),
        "IS": ("iceland",),
        "PL": ("poland",),
        "CZ": ("czechia", "czech republic"),
        "SK": ("slovakia",),
        "HU": ("hungary",),
        "RO": ("romania",),
        "BG": ("bulgaria",),
        "GR": ("greece",),
        "HR": ("croatia",),
        "SI": ("slovenia",),
        "RS": ("serbia",),
        "MK": ("north macedonia", "macedonia"),
        "BA": ("bosnia and herzegovina", "bosnia"),
        "AL": ("albania",),
        "EE": ("estonia",),
        "LV": ("latvia",),
        "LT": ("lithuania",),
        "UA": ("ukraine",),
        "MD": ("moldova",),
        "BY": ("belarus",),
        "RU": ("russia", "russian federation"),
        "MT": ("malta",),
        "CY": ("cyprus",),
        "AD": ("andorra",),
        "MC": ("monaco",),
        "LI": ("liechtenstein",),
        "TR": ("turkey", "turkiye"),
    },
    "asia": {
        "JP": ("japan",),
        "KR": ("south korea", "korea", "republic of korea"),
        "CN": ("china",),
        "HK": ("hong kong",),
        "TW": ("taiwan",),
        "SG": ("singapore",),
        "IN": ("india",),
        "ID": ("indonesia",),
        "MY": ("malaysia",),
        "TH": ("thailand",),
        "VN": ("vietnam", "viet nam"),
        "PH": ("philippines",),
        "PK": ("pakistan",),
        "BD": ("bangladesh",),
        "LK": ("sri lanka",),
        "KZ": ("kazakhstan",),
        "UZ": ("uzbekistan",),
        "AM": ("armenia",),
        "GE": ("georgia",),
        "AZ": ("azerbaijan",),
        "MN": ("mongolia",),
        "KH": ("cambodia",),
        "NP": ("nepal",),
        "MO": ("macau", "macao"),
    },
    "oceania": {
        "AU": ("australia",),
        "NZ": ("new zealand",),
    },
    "me": {
        "AE": ("united arab emirates", "uae", "emirates"),
        "SA": ("saudi arabia", "ksa"),
        "IL": ("israel",),
        "QA": ("qatar",),
        "BH": ("bahrain",),
        "KW": ("kuwait",),
        "OM": ("oman",),
        "JO": ("jordan",),
        "LB": ("lebanon",),
        "IQ": ("iraq",),
        "IR": ("iran",),
    },
    "af": {
        "ZA": ("south africa",),
        "NG": ("nigeria",),
        "KE": ("kenya",),
        "EG": ("egypt",),
        "MA": ("morocco",),
        "TN": ("tunisia",),
        "GH": ("ghana",),
        "ET": ("ethiopia",),
        "DZ": ("algeria",),
    },
}

# Codes written in place of the ISO one.
_CODE_ALIASES = {"UK": "GB", "EL": "GR"}

# Cities (written without spaces) that appear in region names: OCI "eu-amsterdam-1", Shadeform
# "kansascity-usa-2", Cudo "no-kristiansand-1".
_CITIES: dict[str, str] = {
    "US": "ashburn newyork nyc newark raleigh culpeper dulles chicago dallas houston austin kansascity "
    "wichita desmoines saltlakecity losangeles sanjose santaclara sanfrancisco seattle portland phoenix "
    "atlanta miami denver lasvegas carlsbad casper dowagiac columbus boston hillsboro councilbluffs "
    "thedalles monckscorner",
    "CA": "toronto montreal calgary vancouver quebeccity beauharnois",
    "MX": "queretaro monterrey mexicocity",
    "BR": "saopaulo vinhedo riodejaneiro",
    "CL": "santiago valparaiso",
    "CO": "bogota",
    "GB": "london manchester cardiff erith newport",
    "IE": "dublin",
    "FR": "paris marseille roubaix gravelines strasbourg",
    "DE": "frankfurt berlin munich limburg nuremberg",
    "NL": "amsterdam rotterdam eemshaven",
    "BE": "brussels",
    "CH": "zurich geneva lugano",
    "AT": "vienna",
    "IT": "milan rome frosinone turin",
    "ES": "madrid barcelona",
    "PT": "lisbon",
    "DK": "copenhagen",
    "SE": "stockholm falun",
    "NO": "oslo kristiansand",
    "FI": "helsinki hamina mantsala",
    "IS": "reykjavik reykjanesbaer keflavik",
    "PL": "warsaw",
    "CZ": "prague",
    "HU": "budapest",
    "RO": "bucharest",
    "BG": "sofia",
    "GR": "athens",
    "EE": "tallinn",
    "LV": "riga",
    "LT": "vilnius",
    "UA": "kyiv kiev",
    "JP": "tokyo osaka",
    "KR": "seoul chuncheon",
    "CN": "beijing shanghai shenzhen",
    "TW": "taipei",
    "IN": "mumbai hyderabad chennai bangalore bengaluru delhi",
    "ID": "jakarta",
    "TH": "bangkok",
    "MY": "kualalumpur johor",
    "AU": "sydney melbourne",
    "NZ": "auckland",
    "AE": "dubai abudhabi",
    "SA": "riyadh jeddah dammam",
    "QA": "doha",
    "IL": "telaviv jerusalem",
    "ZA": "johannesburg capetown centurion",
    "NG": "lagos",
    "KE": "nairobi",
}

# States and provinces (Fluidstack "NORTH_DAKOTA_USA", Vast "Texas, US, NA"). Georgia is left to the
# country of that name.
_SUBDIVISIONS: dict[str, str] = {
    "US": "alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii "
    "idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan "
    "minnesota mississippi missouri montana nebraska nevada newhampshire newjersey newmexico "
    "northcarolina northdakota ohio oklahoma oregon pennsylvania rhodeisland southcarolina "
    "southdakota tennessee texas utah vermont virginia washington westvirginia wisconsin wyoming "
    "eastcoast westcoast",
    "CA": "ontario quebec britishcolumbia alberta manitoba saskatchewan novascotia newbrunswick",
    "AU": "newsouthwales victoria queensland westernaustralia tasmania",
    "CN": "jiangsu guangdong zhejiang",
    "NO": "viken",
}

# Words for a whole geo, written without spaces.
_GEO_ALIASES: dict[str, Geo] = {
    "na": "na",
    "northamerica": "na",
    "namerica": "na",
    "sa": "sa",
    "southamerica": "sa",
    "latinamerica": "sa",
    "latam": "sa",
    "samerica": "sa",
    "eu": "eu",
    "europe": "eu",
    "european": "eu",
    "europeanunion": "eu",
    "nordics": "eu",
    "nordic": "eu",
    "scandinavia": "eu",
    "benelux": "eu",
    "dach": "eu",
    "asia": "asia",
    "apac": "asia",
    "asiapacific": "asia",
    "fareast": "asia",
    "oceania": "oceania",
    "australasia": "oceania",
    "anz": "oceania",
    "me": "me",
    "middleeast": "me",
    "mideast": "me",
    "mena": "me",
    "af": "af",
    "africa": "af",
}

# Vast's continent codes.
_CONTINENT_CODES: dict[str, Geo] = {
    "NA": "na",
    "SA": "sa",
    "EU": "eu",
    "AS": "asia",
    "OC": "oceania",
    "AF": "af",
}

# Leading segments of cloud-style region names ("us-east-1", "europe-west4", "eu-de"). "ap" is not
# here: Asia Pacific regions include Sydney and Auckland.
_CLOUD_PREFIXES: dict[str, Location] = {
    "us": Location("na", "US"),
    "ca": Location("na", "CA"),
    "mx": Location("na", "MX"),
    "northamerica": Location("na", None),
    "sa": Location("sa", None),
    "southamerica": Location("sa", None),
    "br": Location("sa", "BR"),
    "eu": Location("eu", None),
    "europe": Location("eu", None),
    "uk": Location("eu", "GB"),
    "asia": Location("asia", None),
    "jp": Location("asia", "JP"),
    "kr": Location("asia", "KR"),
    "cn": Location("asia", "CN"),
    "in": Location("asia", "IN"),
    "au": Location("oceania", "AU"),
    "australia": Location("oceania", "AU"),
    "me": Location("me", None),
    "il": Location("me", "IL"),
    "af": Location("af", None),
    "africa": Location("af", None),
}

# Per-provider region tables: region -> ISO country. Regions missing here fall back to the prefixes.
_AWS: dict[str, str] = {
    "us-east-1": "US",
    "us-east-2": "US",
    "us-west-1": "US",
    "us-west-2": "US",
    "us-gov-east-1": "US",
    "us-gov-west-1": "US",
    "ca-central-1": "CA",
    "ca-west-1": "CA",
    "mx-central-1": "MX",
    "sa-east-1": "BR",
    "eu-central-1": "DE",
    "eu-central-2": "CH",
    "eu-west-1": "IE",
    "eu-west-2": "GB",
    "eu-west-3": "FR",
    "eu-south-1": "IT",
    "eu-south-2": "ES",
    "eu-north-1": "SE",
    "il-central-1": "IL",
    "me-south-1": "BH",
    "me-central-1": "AE",
    "af-south-1": "ZA",
    "ap-east-1": "HK",
    "ap-east-2": "TW",
    "ap-south-1": "IN",
    "ap-south-2": "IN",
    "ap-northeast-1": "JP",
    "ap-northeast-2": "KR",
    "ap-northeast-3": "JP",
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",
    "ap-southeast-3": "ID",
    "ap-southeast-4": "AU",
    "ap-southeast-5": "MY",
    "ap-southeast-6": "NZ",
    "ap-southeast-7": "TH",
    "cn-north-1": "CN",
    "cn-northwest-1": "CN",
}
# Azure's armRegionName values (Retail Prices API) for the regions that sell GPU VMs.
_AZURE: dict[str, str] = {
    "eastus": "US",
    "eastus2": "US",
    "westus": "US",
    "westus2": "US",
    "westus3": "US",
    "centralus": "US",
    "northcentralus": "US",
    "southcentralus": "US",
    "westcentralus": "US",
    "canadacentral": "CA",
    "canadaeast": "CA",
    "brazilsouth": "BR",
    "northeurope": "IE",
    "westeurope": "NL",
    "uksouth": "GB",
    "ukwest": "GB",
    "francecentral": "FR",
    "germanywestcentral": "DE",
    "swedencentral": "SE",
    "switzerlandnorth": "CH",
    "norwayeast": "NO",
    "polandcentral": "PL",
    "italynorth": "IT",
    "spaincentral": "ES",
    "uaenorth": "AE",
    "qatarcentral": "QA",
    "israelcentral": "IL",
    "southafricanorth": "ZA",
    "japaneast": "JP",
    "japanwest": "JP",
    "koreacentral": "KR",
    "koreasouth": "KR",
    "southeastasia": "SG",
    "eastasia": "HK",
    "centralindia": "IN",
    "southindia": "IN",
    "westindia": "IN",
    "australiaeast": "AU",
    "australiasoutheast": "AU",
    "australiacentral": "AU",
}
_GCP: dict[str, str] = {
    "northamerica-northeast1": "CA",
    "northamerica-northeast2": "CA",
    "northamerica-south1": "MX",
    "southamerica-east1": "BR",
    "southamerica-west1": "CL",
    "europe-central2": "PL",
    "europe-north1": "FI",
    "europe-north2": "SE",
    "europe-southwest1": "ES",
    "europe-west1": "BE",
    "europe-west2": "GB",
    "europe-west3": "DE",
    "europe-west4": "NL",
    "europe-west6": "CH",
    "europe-west8": "IT",
    "europe-west9": "FR",
    "europe-west10": "DE",
    "europe-west12": "IT",
    "me-central1": "QA",
    "me-central2": "SA",
    "me-west1": "IL",
    "africa-south1": "ZA",
    "asia-east1": "TW",
    "asia-east2": "HK",
    "asia-northeast1": "JP",
    "asia-northeast2": "JP",
    "asia-northeast3": "KR",
    "asia-south1": "IN",
    "asia-south2": "IN",
    "asia-southeast1": "SG",
    "asia-southeast2": "ID",
    "australia-southeast1": "AU",
    "australia-southeast2": "AU",
}
# Lambda's europe-south-1 is left to the prefix (Europe, country not published with the name).
_LAMBDA: dict[str, str] = {
    "europe-central-1": "DE",
    "asia-south-1": "IN",
    "asia-northeast-1": "JP",
    "asia-northeast-2": "KR",
    "me-west-1": "IL",
    "australia-east-1": "AU",
    "australia-southeast-1": "AU",
}
_NEBIUS: dict[str, str] = {
    "eu-north1": "FI",
    "eu-north2": "IS",
    "eu-west1": "FR",
    "us-central1": "US",
    "me-west1": "IL",
    "uk-south1": "GB",
}
_IBM: dict[str, str] = {
    "us-south": "US",
    "us-east": "US",
    "ca-tor": "CA",
    "ca-mon": "CA",
    "br-sao": "BR",
    "eu-de": "DE",
    "eu-gb": "GB",
    "eu-es": "ES",
    "eu-fr2": "FR",
    "jp-tok": "JP",
    "jp-osa": "JP",
    "au-syd": "AU",
    "in-che": "IN",
}
_SEEWEB: dict[str, str] = {"it-fr2": "IT", "it-mi2": "IT", "ch-lug1": "CH", "bg-sof1": "BG"}
# Data-centre codes, digits stripped: DigitalOcean "tor1", OVHcloud "GRA"/"GRA11", Paperspace "(NY2)".
_DIGITALOCEAN: dict[str, str] = {
    "nyc": "US",
    "sfo": "US",
    "atl": "US",
    "ric": "US",
    "tor": "CA",
    "ams": "NL",
    "lon": "GB",
    "fra": "DE",
    "sgp": "SG",
    "blr": "IN",
    "syd": "AU",
}
_OVHCLOUD: dict[str, str] = {
    "bhs": "CA",
    "gra": "FR",
    "sbg": "FR",
    "rbx": "FR",
    "par": "FR",
    "lon": "GB",
    "uk": "GB",
    "eri": "GB",
    "waw": "PL",
    "fra": "DE",
    "de": "DE",
    "lim": "DE",
    "mil": "IT",
    "sgp": "SG",
    "syd": "AU",
    "ynm": "IN",
    "vin": "US",
    "hil": "US",
}
# Paperspace's "CA1" is California.
_PAPERSPACE: dict[str, str] = {"ny": "US", "ca": "US", "ams": "NL"}


def _flatten() -> tuple[dict[str, Geo], dict[str, str]]:
    geo_of: dict[str, Geo] = {}
    by_name: dict[str, str] = {}
    for geo, countries in _COUNTRY_NAMES.items():
        for code, names in countries.items():
            geo_of[code] = geo
            for name in names:
                by_name[_squash(name)] = code
    return geo_of, by_name


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _index(table: Mapping[str, str]) -> dict[str, str]:
    return {name: code for code, names in table.items() for name in names.split()}


_GEO_OF_COUNTRY, _COUNTRY_BY_NAME = _flatten()
_PLACE_BY_NAME: dict[str, str] = {**_index(_CITIES), **_index(_SUBDIVISIONS), **_COUNTRY_BY_NAME}


def _country(code: str | None) -> Location | None:
    if not code:
        return None
    iso = _CODE_ALIASES.get(code.upper(), code.upper())
    geo = _GEO_OF_COUNTRY.get(iso)
    return Location(geo, iso) if geo is not None else None


def _scan_names(words: list[str]) -> Location | None:
    """A country from country, state or city names among the words, joined up to three at a time."""
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            found = _country(_PLACE_BY_NAME.get("".join(words[start : start + size])))
            if found is not None:
                return found
    return None


_ZONE_SUFFIX = re.compile(r"(?:-ad-\d+|-[a-z]|(?<=\d)[a-z]|-\d+)$")


def _cloud_table(table: Mapping[str, str]) -> Callable[[str], Location | None]:
    """Cloud-style names: the table, then the same with a zone suffix removed ("us-east-1a", "au-syd-2")."""

    def parse(region: str) -> Location | None:
        key = region.lower()
        return _country(table.get(key)) or _country(table.get(_ZONE_SUFFIX.sub("", key)))

    return parse


def _code_table(table: Mapping[str, str]) -> Callable[[str], Location | None]:
    """Data-centre codes: "tor1", "GRA11", "East Coast (NY2)" (the code in brackets wins)."""

    def parse(region: str) -> Location | None:
        bracketed = re.search(r"\(([^)]*)\)", region)
        code = re.sub(r"\d+$", "", (bracketed.group(1) if bracketed else region).strip().lower())
        return _country(table.get(code))

    return parse


def _first_segment_country(region: str) -> Location | None:
    """ISO country first: Cudo "no-kristiansand-1", Scaleway "fr-par-2"."""
    return _country(region.split("-", 1)[0].strip()) if "-" in region else None


def _vast(region: str) -> Location | None:
    parts = [p.strip() for p in region.split(",")]
    if len(parts) != 3:
        return None
    _state, code, continent = parts
    found = _country(code)
    if found is not None:
        return found
    geo = _CONTINENT_CODES.get(continent.upper())
    return Location(geo, None) if geo is not None else None


def _country_dash_site(region: str) -> Location | None:
    """Prime Intellect "DE - FRA", "US - us-east1-a"."""
    match = re.match(r"^([A-Za-z]{2})\s+-\s+", region)
    return _country(match.group(1)) if match else None


def _primeintellect(region: str) -> Location | None:
    if region.strip().upper() == "UNSPECIFIED":
        return UNKNOWN
    return _country_dash_site(region)


_RUNPOD_AREA_PREFIXES = frozenset({"EU", "EUR", "AP", "OC", "SA", "AF", "ME", "NA"})


def _runpod(region: str) -> Location | None:
    """ISO codes ("CA"), or data-centre ids: "EU-RO-1", "EUR-IS-2", "US-CA-1", "CA-MTL-1"."""
    parts = region.strip().upper().split("-")
    if len(parts) >= 2 and parts[0] in _RUNPOD_AREA_PREFIXES:
        return _country(parts[1])
    return _country(parts[0])


def _simplepod(region: str) -> Location | None:
    """A continent name and an ISO code: "Europe-NO", "North America-CA"."""
    if "-" not in region:
        return None
    area, code = region.rsplit("-", 1)
    found = _country(code.strip())
    if found is not None:
        return found
    geo = _GEO_ALIASES.get(_squash(area))
    return Location(geo, None) if geo is not None else None


def _hyperbolic(region: str) -> Location | None:
    # Hyperbolic publishes one "default" region; its data centres are in the US.
    return Location("na", "US") if region.strip().lower() == "default" else None


def _seeweb(region: str) -> Location | None:
    if not region.strip():
        # Seeweb's data centres are all European (Italy, Switzerland, Bulgaria); the country is unknown.
        return Location("eu", None)
    return _country(_SEEWEB.get(region.strip().lower())) or _first_segment_country(region)


def _generic(region: str) -> Location:
    """Readers that need no provider knowledge; used for unknown providers and as every scheme's fallback."""
    text = region.strip()
    if not text:
        return UNKNOWN
    if len(text) == 2:
        if text.lower() == "eu":
            return Location("eu", None)
        return _country(text) or UNKNOWN
    found = _vast(text) or _country_dash_site(text) or _scan_names(_words(text))
    if found is not None:
        return found
    first = re.split(r"[-_\s]", text.lower(), maxsplit=1)[0]
    return _CLOUD_PREFIXES.get(first, UNKNOWN)


_Scheme = Callable[[str], Location | None]

_SCHEMES: dict[str, _Scheme] = {
    "aws": _cloud_table(_AWS),
    "azure": _code_table(_AZURE),
    "gcp": _cloud_table(_GCP),
    "lambda": _cloud_table(_LAMBDA),
    "nebius": _cloud_table(_NEBIUS),
    "ibm": _cloud_table(_IBM),
    "mithril": _cloud_table({}),
    "oci": _cloud_table({}),  # "eu-amsterdam-1": the city, read by the generic name scan
    "cudo": _first_segment_country,
    "scaleway": _first_segment_country,
    "digitalocean": _code_table(_DIGITALOCEAN),
    "ovhcloud": _code_table(_OVHCLOUD),
    "paperspace": _code_table(_PAPERSPACE),
    "vast": _vast,
    "primeintellect": _primeintellect,
    "runpod": _runpod,
    "simplepod": _simplepod,
    "hyperbolic": _hyperbolic,
    "seeweb": _seeweb,
    # shadeform ("helsinki-finland-1"), fluidstack ("UTAH_USA") and scp ("KOREA-WEST-1-SCP-B001")
    # name the place in words, which the generic reader handles.
}

_PROVIDER_ALIASES = {
    "lambdalabs": "lambda",
    "lambda-labs": "lambda",
    "do": "digitalocean",
    "ovh": "ovhcloud",
    "vastai": "vast",
    "vast.ai": "vast",
    "prime": "primeintellect",
    "prime-intellect": "primeintellect",
    "google": "gcp",
    "oracle": "oci",
    "amazon": "aws",
}


def locate(provider: str, region: str) -> Location:
    """Where a provider's region is. Pass the AvailabilityZone when a row's Region is empty.

    Returns ``Location(None, None)`` when the region says nothing about where it is.
    """
    key = provider.strip().lower()
    scheme = _SCHEMES.get(_PROVIDER_ALIASES.get(key, key))
    if scheme is not None:
        found = scheme(region)
        if found is not None:
            return found
    return _generic(region)


# Two-letter codes that are everyday English words count as codes only in upper case ("IT", not "it").
_WORDLIKE_CODES = frozenset(
    {
        "AD",
        "AL",
        "AM",
        "AT",
        "BE",
        "BY",
        "ID",
        "IN",
        "IS",
        "IT",
        "MA",
        "MO",
        "MY",
        "NO",
    }
)
_FILLER_WORDS = frozenset({"in", "the", "near", "around", "from", "within", "region", "regions"})
_DIRECTION_WORDS = frozenset(
    {
        "east",
        "west",
        "north",
        "south",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "eastern",
        "western",
        "northern",
        "southern",
        "mainland",
    }
)


def _lookup_place(words: Iterable[str]) -> Location | None:
    squashed = "".join(words)
    geo = _GEO_ALIASES.get(squashed)
    if geo is not None:
        return Location(geo, None)
    return _country(_PLACE_BY_NAME.get(squashed))


def resolve_place(text: str) -> Location | None:
    """A place a user typed: a geo ("europe", "apac", "middle east"), a country ("usa", "germany", "DE")
    or a state or city ("texas", "frankfurt", giving its country). None when it is not a place.

    The canonical geo codes (:data:`GEOS`) win over ISO codes ("sa" is South America, not Saudi
    Arabia; "me" the Middle East). ISO codes that are English words (in, it, is, no, ...) count only
    when written in upper case.
    """
    stripped = text.strip()
    words = _words(stripped)
    if not words:
        return None
    if len(stripped) == 2 and stripped.isalpha():
        if stripped.lower() in GEOS:
            return _lookup_place(words)
        if stripped.upper() in _WORDLIKE_CODES and not stripped.isupper():
            return None
        return _country(stripped)
    while len(words) > 1 and words[0] in _FILLER_WORDS:
        words = words[1:]
    found = _lookup_place(words)
    if found is None:
        trimmed = [w for w in words if w not in _DIRECTION_WORDS and w not in _FILLER_WORDS]
        if trimmed and trimmed != words:
            found = _lookup_place(trimmed)
    if found is None and re.search(r"[a-z]-\d|\d[a-z]?$|,", stripped.lower()):
        # A provider-style region name ("eu-west-1", "Texas, US, NA").
        located = _generic(stripped)
        found = located if located.geo is not None else None
    return found
