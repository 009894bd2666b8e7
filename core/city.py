"""A city's areas, neighbourhoods, themes, support options and incubators, and pitch routing.

Each city ships one TOML data file (`core/cities/<city>.toml`) with every name in all supported
locales. This module reads and validates that file and routes a pitch to an incubator. It is
pure: no database, no Telegram, no I/O besides reading the file in `load_city`.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

from core.config import SUPPORTED_LOCALES

DEFAULT_CITY_FILE: Path = Path(__file__).parent / "cities" / "malmo.toml"

_CODE = re.compile(r"[a-z0-9-]{1,24}")
_FALLBACK_LOCALE = "sv"
_EARTH_RADIUS_KM = 6371.0088
# As long as the consent records' column for it (storage.models.ConsentRecord).
_NOTICE_VERSION_MAX = 32


class CityDataError(ValueError):
    """A city file is malformed; the message names the file and the offending entry."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """A latitude/longitude box around the whole city (WGS 84 degrees)."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the point lies inside the box, edges included."""
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def _pick_name(names: Mapping[str, str], locale: str, default: str) -> str:
    """The name in `locale`, else in Swedish, else in any locale, else `default`."""
    return (
        names.get(locale)
        or names.get(_FALLBACK_LOCALE)
        or next((name for name in names.values() if name), None)
        or default
    )


@dataclass(frozen=True, slots=True)
class _Named:
    """Something with a code and a name per locale."""

    code: str
    names: Mapping[str, str] = field(hash=False)

    def name(self, locale: str) -> str:
        """The name in `locale`, else in Swedish, else in any locale, else the code."""
        return _pick_name(self.names, locale, self.code)


@dataclass(frozen=True, slots=True)
class Area(_Named):
    """A city area (in Malmö a stadsområde)."""


@dataclass(frozen=True, slots=True)
class Neighbourhood(_Named):
    """A neighbourhood inside one area, with the approximate coordinates of its centre."""

    area: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Theme(_Named):
    """What a pitch is about."""

    emoji: str


@dataclass(frozen=True, slots=True)
class SupportOption(_Named):
    """A kind of help a resident can ask for with a pitch."""


@dataclass(frozen=True, slots=True)
class Incubator(_Named):
    """Where pitches go: serving some areas (none = city-wide) and claiming some themes."""

    areas: tuple[str, ...]
    themes: tuple[str, ...]
    fallback: bool


_N = TypeVar("_N", bound=_Named)


def _find(items: Iterable[_N], code: str) -> _N | None:
    return next((item for item in items if item.code == code), None)


@dataclass(frozen=True, slots=True)
class Privacy:
    """Who answers for residents' data in this city: the controller, its contact, the data
    protection officer, and the privacy notice's version (a pitch's consent records it)."""

    notice_version: str
    controller: Mapping[str, str] = field(hash=False)
    controller_contact: str
    dpo_contact: str

    def controller_name(self, locale: str) -> str:
        """The controller's name in `locale`, else in Swedish, else in any locale."""
        return _pick_name(self.controller, locale, self.controller_contact)


@dataclass(frozen=True, slots=True)
class CityData:
    """Everything read from one city file; `checksum` is the sha256 of the file's bytes."""

    code: str
    names: Mapping[str, str] = field(hash=False)
    bounds: Bounds
    privacy: Privacy
    areas: tuple[Area, ...]
    neighbourhoods: tuple[Neighbourhood, ...]
    themes: tuple[Theme, ...]
    support_options: tuple[SupportOption, ...]
    incubators: tuple[Incubator, ...]
    checksum: str

    def name(self, locale: str) -> str:
        """The city's name in `locale`, else in Swedish, else in any locale, else the code."""
        return _pick_name(self.names, locale, self.code)

    def area(self, code: str) -> Area | None:
        """The area with this code, if any."""
        return _find(self.areas, code)

    def neighbourhood(self, code: str) -> Neighbourhood | None:
        """The neighbourhood with this code, if any."""
        return _find(self.neighbourhoods, code)

    def neighbourhoods_in(self, area_code: str) -> tuple[Neighbourhood, ...]:
        """The neighbourhoods of one area, in file order."""
        return tuple(n for n in self.neighbourhoods if n.area == area_code)

    def theme(self, code: str) -> Theme | None:
        """The theme with this code, if any."""
        return _find(self.themes, code)

    def support_option(self, code: str) -> SupportOption | None:
        """The support option with this code, if any."""
        return _find(self.support_options, code)

    def incubator(self, code: str) -> Incubator | None:
        """The incubator with this code, if any."""
        return _find(self.incubators, code)

    @property
    def fallback_incubator(self) -> Incubator:
        """The incubator that takes every pitch no other incubator takes."""
        for incubator in self.incubators:
            if incubator.fallback:
                return incubator
        raise CityDataError(f"city {self.code!r} has no fallback incubator")


def load_city(path: Path = DEFAULT_CITY_FILE) -> CityData:
    """Read and validate a city file; CityDataError says what is wrong and where.

    An OSError from reading the file is passed on unchanged.
    """
    raw = path.read_bytes()
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CityDataError(f"{path}: not a valid UTF-8 TOML file: {exc}") from exc
    return _Parser(path).city(document, hashlib.sha256(raw).hexdigest())


class _Parser:
    """Turns a parsed TOML document into CityData, failing on the first problem found."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def city(self, document: dict[str, Any], checksum: str) -> CityData:
        self._keys(
            document,
            "top level",
            required={
                "city",
                "privacy",
                "areas",
                "neighbourhoods",
                "themes",
                "support",
                "incubators",
            },
        )
        city = self._table(document["city"], "[city]")
        self._keys(city, "[city]", required={"code", "names", "bounds"})
        city_code = self._code(city, "[city]")
        city_names = self._names(city, f"city {city_code!r}")
        bounds = self._bounds(city["bounds"], f"city {city_code!r}")
        privacy = self._privacy(document["privacy"])

        areas = tuple(
            Area(code, self._names(entry, where))
            for code, where, entry in self._entries(document, "areas", "area", set())
        )
        area_codes = {area.code for area in areas}

        neighbourhoods = self._neighbourhoods(document, area_codes, bounds)

        themes = tuple(
            Theme(code, self._names(entry, where), self._string(entry, "emoji", where))
            for code, where, entry in self._entries(document, "themes", "theme", {"emoji"})
        )
        theme_codes = {theme.code for theme in themes}

        support_options = tuple(
            SupportOption(code, self._names(entry, where))
            for code, where, entry in self._entries(document, "support", "support option", set())
        )

        incubators = self._incubators(document, area_codes, theme_codes)

        return CityData(
            code=city_code,
            names=city_names,
            bounds=bounds,
            privacy=privacy,
            areas=areas,
            neighbourhoods=neighbourhoods,
            themes=themes,
            support_options=support_options,
            incubators=incubators,
            checksum=checksum,
        )

    def _privacy(self, value: object) -> Privacy:
        table = self._table(value, "[privacy]")
        required = {"notice_version", "controller", "controller_contact", "dpo_contact"}
        self._keys(table, "[privacy]", required=required)
        version = self._string(table, "notice_version", "[privacy]")
        if len(version) > _NOTICE_VERSION_MAX:
            self._fail("[privacy]", f"notice_version is longer than {_NOTICE_VERSION_MAX}")
        return Privacy(
            notice_version=version,
            controller=self._names({"names": table["controller"]}, "[privacy] controller"),
            controller_contact=self._string(table, "controller_contact", "[privacy]"),
            dpo_contact=self._string(table, "dpo_contact", "[privacy]"),
        )

    def _neighbourhoods(
        self, document: dict[str, Any], area_codes: set[str], bounds: Bounds
    ) -> tuple[Neighbourhood, ...]:
        neighbourhoods: list[Neighbourhood] = []
        for code, where, entry in self._entries(
            document, "neighbourhoods", "neighbourhood", {"area", "lat", "lon"}
        ):
            area = self._string(entry, "area", where)
            if area not in area_codes:
                self._fail(where, f"area {area!r} is not one of the areas")
            lat = self._number(entry, "lat", where, -90.0, 90.0)
            lon = self._number(entry, "lon", where, -180.0, 180.0)
            if not bounds.contains(lat, lon):
                self._fail(where, f"centre ({lat}, {lon}) is outside the city bounds")
            neighbourhoods.append(Neighbourhood(code, self._names(entry, where), area, lat, lon))
        return tuple(neighbourhoods)

    def _incubators(
        self, document: dict[str, Any], area_codes: set[str], theme_codes: set[str]
    ) -> tuple[Incubator, ...]:
        incubators: list[Incubator] = []
        fallback: str | None = None
        for code, where, entry in self._entries(
            document, "incubators", "incubator", {"areas", "themes", "fallback"}
        ):
            served = self._codes(entry, "areas", where, area_codes, "area")
            claimed = self._codes(entry, "themes", where, theme_codes, "theme")
            is_fallback = entry["fallback"]
            if not isinstance(is_fallback, bool):
                self._fail(where, "fallback must be true or false")
            if is_fallback:
                if fallback is not None:
                    self._fail(where, f"a second fallback incubator (the first is {fallback!r})")
                if served:
                    self._fail(
                        where, "a fallback incubator must serve the whole city (areas = [])"
                    )
                fallback = code
            incubators.append(
                Incubator(code, self._names(entry, where), served, claimed, is_fallback)
            )
        if fallback is None:
            self._fail("incubators", "no fallback incubator (exactly one needs fallback = true)")
        return tuple(incubators)

    def _entries(
        self, document: dict[str, Any], key: str, kind: str, fields: set[str]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Each entry of an array of tables as (code, where, table), codes unique and valid."""
        entries = document[key]
        if not isinstance(entries, list):
            self._fail(key, f"must be an array of tables ([[{key}]])")
        seen: set[str] = set()
        result: list[tuple[str, str, dict[str, Any]]] = []
        for number, raw in enumerate(entries, start=1):
            entry = self._table(raw, f"[[{key}]] entry {number}")
            code = self._code(entry, f"[[{key}]] entry {number}")
            where = f"{kind} {code!r}"
            if code in seen:
                self._fail(where, f"duplicate {kind} code {code!r}")
            seen.add(code)
            self._keys(entry, where, required={"code", "names", *fields})
            result.append((code, where, entry))
        return result

    def _fail(self, where: str, problem: str) -> NoReturn:
        raise CityDataError(f"{self._path}: {where}: {problem}")

    def _table(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self._fail(where, "must be a table")
        return value

    def _keys(self, table: dict[str, Any], where: str, *, required: set[str]) -> None:
        if missing := sorted(required - table.keys()):
            self._fail(where, f"missing key(s): {', '.join(missing)}")
        if unknown := sorted(table.keys() - required):
            self._fail(where, f"unknown key(s): {', '.join(unknown)}")

    def _code(self, table: dict[str, Any], where: str) -> str:
        if "code" not in table:
            self._fail(where, "missing key(s): code")
        code = table["code"]
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            self._fail(where, f"code {code!r} must be 1-24 characters of a-z, 0-9 and -")
        return code

    def _string(self, table: dict[str, Any], key: str, where: str) -> str:
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self._fail(where, f"{key} must be a non-empty string")
        return value

    def _number(
        self, table: dict[str, Any], key: str, where: str, lowest: float, highest: float
    ) -> float:
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._fail(where, f"{key} must be a number")
        if not lowest <= value <= highest:
            self._fail(where, f"{key} = {value} is not between {lowest} and {highest}")
        return float(value)

    def _names(self, table: dict[str, Any], where: str) -> Mapping[str, str]:
        names = self._table(table["names"], f"{where} names")
        if missing := [locale for locale in SUPPORTED_LOCALES if locale not in names]:
            self._fail(where, f"names lack locale(s): {', '.join(missing)}")
        for locale, name in names.items():
            if not isinstance(name, str) or not name.strip():
                self._fail(where, f"the {locale!r} name must be a non-empty string")
        return MappingProxyType(dict(names))

    def _codes(
        self, table: dict[str, Any], key: str, where: str, known: set[str], kind: str
    ) -> tuple[str, ...]:
        values = table[key]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self._fail(where, f"{key} must be a list of {kind} codes")
        for value in values:
            if value not in known:
                self._fail(where, f"{kind} {value!r} is not one of the {kind}s")
        if len(set(values)) != len(values):
            self._fail(where, f"{key} lists a {kind} twice")
        return tuple(values)

    def _bounds(self, value: object, where: str) -> Bounds:
        table = self._table(value, f"{where} bounds")
        self._keys(table, f"{where} bounds", required={"min_lat", "max_lat", "min_lon", "max_lon"})
        bounds = Bounds(
            min_lat=self._number(table, "min_lat", f"{where} bounds", -90.0, 90.0),
            max_lat=self._number(table, "max_lat", f"{where} bounds", -90.0, 90.0),
            min_lon=self._number(table, "min_lon", f"{where} bounds", -180.0, 180.0),
            max_lon=self._number(table, "max_lon", f"{where} bounds", -180.0, 180.0),
        )
        if bounds.min_lat >= bounds.max_lat or bounds.min_lon >= bounds.max_lon:
            self._fail(f"{where} bounds", "each minimum must be below its maximum")
        return bounds


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def nearest_neighbourhood(city: CityData, lat: float, lon: float) -> Neighbourhood | None:
    """The neighbourhood whose centre is nearest; None outside the city's bounds."""
    if not city.bounds.contains(lat, lon) or not city.neighbourhoods:
        return None
    return min(city.neighbourhoods, key=lambda n: _haversine_km(lat, lon, n.lat, n.lon))


def route_pitch(
    city: CityData,
    *,
    area_code: str | None,
    neighbourhood_code: str | None,
    theme_code: str | None,
) -> Incubator:
    """The incubator a pitch goes to.

    A known neighbourhood decides the area (over `area_code`); unknown codes count as not
    given. Among the incubators serving the area, the first claiming the theme, else the
    first; with no area or nobody serving it, the first city-wide incubator claiming the
    theme; else the fallback incubator.
    """
    neighbourhood = city.neighbourhood(neighbourhood_code) if neighbourhood_code else None
    if neighbourhood is not None:
        area = city.area(neighbourhood.area)
    else:
        area = city.area(area_code) if area_code else None
    theme = city.theme(theme_code) if theme_code else None

    if area is not None:
        serving = [incubator for incubator in city.incubators if area.code in incubator.areas]
        if serving:
            if theme is not None:
                for incubator in serving:
                    if theme.code in incubator.themes:
                        return incubator
            return serving[0]

    if theme is not None:
        for incubator in city.incubators:
            if not incubator.areas and theme.code in incubator.themes:
                return incubator
    return city.fallback_incubator
