"""City data: the Malmö file is complete and valid, routing follows its rules, bad files fail."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType

import pytest

from core.city import (
    DEFAULT_CITY_FILE,
    Area,
    CityData,
    CityDataError,
    Neighbourhood,
    load_city,
    nearest_neighbourhood,
    route_pitch,
)
from core.config import SUPPORTED_LOCALES

MALMO = load_city()
AREA_CODES = ("innerstaden", "norr", "oster", "soder", "vaster")
THEME_CODES = ("environment", "inclusion", "culture", "youth", "health", "work", "urban", "other")


# --- The Malmö file -------------------------------------------------------------------------


def test_malmo_loads_with_the_expected_shape() -> None:
    assert MALMO.code == "malmo"
    assert MALMO.name("ar") == "مالمو"
    assert tuple(area.code for area in MALMO.areas) == AREA_CODES
    assert len(MALMO.neighbourhoods) >= 35
    assert tuple(theme.code for theme in MALMO.themes) == THEME_CODES
    assert tuple(option.code for option in MALMO.support_options) == (
        "contacts",
        "venue",
        "funding",
        "mentoring",
        "city",
        "other",
    )
    assert {incubator.code for incubator in MALMO.incubators} == {
        *AREA_CODES,
        "enterprise",
        "citywide",
    }
    assert MALMO.fallback_incubator.code == "citywide"


def test_every_area_has_neighbourhoods() -> None:
    for area in MALMO.areas:
        count = len(MALMO.neighbourhoods_in(area.code))
        assert 6 <= count <= 10, f"{area.code} has {count} neighbourhoods"


def test_every_neighbourhood_is_in_a_known_area_and_inside_the_bounds() -> None:
    for neighbourhood in MALMO.neighbourhoods:
        assert MALMO.area(neighbourhood.area) is not None, neighbourhood.code
        assert MALMO.bounds.contains(neighbourhood.lat, neighbourhood.lon), neighbourhood.code
    centres = [(n.lat, n.lon) for n in MALMO.neighbourhoods]
    assert len(set(centres)) == len(centres), "two neighbourhoods share a centre"


def test_every_name_has_all_locales() -> None:
    entities = [
        MALMO,
        *MALMO.areas,
        *MALMO.neighbourhoods,
        *MALMO.themes,
        *MALMO.support_options,
        *MALMO.incubators,
    ]
    for entity in entities:
        for locale in SUPPORTED_LOCALES:
            name = entity.names.get(locale, "")
            assert name.strip(), f"{type(entity).__name__} {entity.code!r} lacks a {locale} name"
            assert entity.name(locale) == name


def test_button_labels_are_short() -> None:
    for entity in [*MALMO.themes, *MALMO.support_options]:
        for locale in SUPPORTED_LOCALES:
            assert len(entity.name(locale)) <= 31, f"{entity.code} {locale}: {entity.name(locale)}"


def test_checksum_is_a_stable_sha256() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", MALMO.checksum)
    assert load_city(DEFAULT_CITY_FILE).checksum == MALMO.checksum


def test_lookups() -> None:
    mollevangen = MALMO.neighbourhood("mollevangen")
    assert mollevangen is not None
    assert mollevangen.area == "innerstaden"
    assert mollevangen in MALMO.neighbourhoods_in("innerstaden")
    assert MALMO.neighbourhoods_in("nowhere") == ()
    work = MALMO.theme("work")
    assert work is not None
    assert work.emoji
    support = MALMO.support_option("venue")
    assert support is not None
    assert support.name("en") == "A place to meet"
    assert MALMO.incubator("enterprise") is not None
    for lookup in (MALMO.area, MALMO.neighbourhood, MALMO.theme, MALMO.incubator):
        assert lookup("nowhere") is None
    assert MALMO.support_option("nowhere") is None


def test_name_falls_back_to_swedish_then_any() -> None:
    assert Area("a", MappingProxyType({"sv": "Sv", "en": "En"})).name("ar") == "Sv"
    assert Area("a", MappingProxyType({"sv": "Sv", "en": "En"})).name("en") == "En"
    assert Area("a", MappingProxyType({"es": "Es"})).name("ar") == "Es"
    assert Area("a", MappingProxyType({})).name("ar") == "a"


# --- Routing over the Malmö data ------------------------------------------------------------


@pytest.mark.parametrize("neighbourhood", MALMO.neighbourhoods, ids=lambda n: n.code)
@pytest.mark.parametrize("theme_code", [None, "work", "culture"])
def test_every_neighbourhood_routes_to_its_area_incubator(
    neighbourhood: Neighbourhood, theme_code: str | None
) -> None:
    code, area = neighbourhood.code, neighbourhood.area
    incubator = route_pitch(MALMO, area_code=None, neighbourhood_code=code, theme_code=theme_code)
    assert incubator.code == area, f"{code} (in {area}) went to {incubator.code}"


@pytest.mark.parametrize("area_code", AREA_CODES)
@pytest.mark.parametrize("theme_code", [None, *THEME_CODES, "unknown-theme"])
def test_every_area_routes_to_its_area_incubator(area_code: str, theme_code: str | None) -> None:
    incubator = route_pitch(
        MALMO, area_code=area_code, neighbourhood_code=None, theme_code=theme_code
    )
    assert incubator.code == area_code


def test_area_pitch_about_work_stays_in_the_area() -> None:
    incubator = route_pitch(MALMO, area_code="oster", neighbourhood_code=None, theme_code="work")
    assert incubator.code == "oster"


def test_whole_city_work_pitch_goes_to_enterprise() -> None:
    incubator = route_pitch(MALMO, area_code=None, neighbourhood_code=None, theme_code="work")
    assert incubator.code == "enterprise"


@pytest.mark.parametrize("theme_code", [None, *(t for t in THEME_CODES if t != "work")])
def test_whole_city_other_pitches_go_to_citywide(theme_code: str | None) -> None:
    incubator = route_pitch(MALMO, area_code=None, neighbourhood_code=None, theme_code=theme_code)
    assert incubator.code == "citywide"


@pytest.mark.parametrize(
    ("area_code", "neighbourhood_code", "theme_code", "expected"),
    [
        ("atlantis", None, None, "citywide"),
        ("atlantis", None, "work", "enterprise"),
        (None, "atlantis", None, "citywide"),
        (None, None, "unknown-theme", "citywide"),
        ("atlantis", "atlantis", "unknown-theme", "citywide"),
        ("", "", "", "citywide"),
        ("soder", "atlantis", None, "soder"),
    ],
)
def test_unknown_codes_count_as_not_given(
    area_code: str | None, neighbourhood_code: str | None, theme_code: str | None, expected: str
) -> None:
    incubator = route_pitch(
        MALMO, area_code=area_code, neighbourhood_code=neighbourhood_code, theme_code=theme_code
    )
    assert incubator.code == expected


def test_neighbourhood_wins_over_a_contradicting_area() -> None:
    incubator = route_pitch(
        MALMO, area_code="vaster", neighbourhood_code="rosengard", theme_code=None
    )
    assert incubator.code == "oster"


# --- Routing rules over a small synthetic city ----------------------------------------------


def _names(label: str) -> str:
    return f'names = {{ sv = "{label}", en = "{label}", es = "{label}", ar = "{label}" }}'


def _area(code: str) -> str:
    return f'[[areas]]\ncode = "{code}"\n{_names(code)}\n'


def _neighbourhood(code: str, area: str, lat: float = 55.5, lon: float = 13.5) -> str:
    return (
        f'[[neighbourhoods]]\ncode = "{code}"\narea = "{area}"\nlat = {lat}\nlon = {lon}\n'
        f"{_names(code)}\n"
    )


def _theme(code: str) -> str:
    return f'[[themes]]\ncode = "{code}"\nemoji = "*"\n{_names(code)}\n'


def _incubator(code: str, areas: list[str], themes: list[str], *, fallback: bool = False) -> str:
    return (
        f'[[incubators]]\ncode = "{code}"\n{_names(code)}\n'
        f"areas = {areas!r}\nthemes = {themes!r}\nfallback = {str(fallback).lower()}\n"
    ).replace("'", '"')


SYNTHETIC = "\n".join(
    [
        "[city]",
        'code = "testby"',
        _names("Testby"),
        "bounds = { min_lat = 55.0, max_lat = 56.0, min_lon = 13.0, max_lon = 14.0 }",
        "[privacy]",
        'notice_version = "1"',
        _names("Testby kommun").replace("names", "controller", 1),
        'controller_contact = "kommun@testby.example"',
        'dpo_contact = "dpo@testby.example"',
        _area("north"),
        _area("south"),
        _area("east"),
        _neighbourhood("hill", "north", 55.8, 13.5),
        _neighbourhood("dale", "south", 55.2, 13.5),
        _neighbourhood("moor", "east", 55.5, 13.9),
        _theme("green"),
        _theme("arts"),
        _theme("jobs"),
        f'[[support]]\ncode = "help"\n{_names("help")}\n',
        _incubator("north-general", ["north"], []),
        _incubator("north-green", ["north"], ["green"]),
        _incubator("south", ["south"], ["green"]),
        _incubator("jobs", [], ["jobs"]),
        _incubator("all", [], [], fallback=True),
    ]
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def testby(tmp_path: Path) -> CityData:
    return load_city(_write(tmp_path, SYNTHETIC))


def test_synthetic_city_loads(testby: CityData) -> None:
    assert testby.code == "testby"
    assert [n.code for n in testby.neighbourhoods_in("north")] == ["hill"]
    assert testby.fallback_incubator.code == "all"


@pytest.mark.parametrize(
    ("area_code", "neighbourhood_code", "theme_code", "expected"),
    [
        # Several incubators serve north: the first claiming the theme, else the first.
        ("north", None, "green", "north-green"),
        ("north", None, None, "north-general"),
        ("north", None, "arts", "north-general"),
        ("north", None, "jobs", "north-general"),
        (None, "hill", "green", "north-green"),
        ("south", None, "arts", "south"),
        # Nobody serves east: a city-wide incubator claiming the theme, else the fallback.
        ("east", None, "jobs", "jobs"),
        ("east", None, "green", "all"),
        ("east", None, None, "all"),
        (None, "moor", "jobs", "jobs"),
        ("north", "moor", "green", "all"),
        # The whole city.
        (None, None, "jobs", "jobs"),
        (None, None, "green", "all"),
        (None, None, None, "all"),
    ],
)
def test_synthetic_routing(
    testby: CityData,
    area_code: str | None,
    neighbourhood_code: str | None,
    theme_code: str | None,
    expected: str,
) -> None:
    incubator = route_pitch(
        testby, area_code=area_code, neighbourhood_code=neighbourhood_code, theme_code=theme_code
    )
    assert incubator.code == expected


def test_checksum_follows_the_file(tmp_path: Path, testby: CityData) -> None:
    assert load_city(_write(tmp_path, SYNTHETIC)).checksum == testby.checksum
    changed = load_city(_write(tmp_path, SYNTHETIC + "\n# a comment\n"))
    assert changed.checksum != testby.checksum


# --- nearest_neighbourhood ------------------------------------------------------------------


@pytest.mark.parametrize("neighbourhood", MALMO.neighbourhoods, ids=lambda n: n.code)
def test_a_centre_is_its_own_nearest_neighbourhood(neighbourhood: Neighbourhood) -> None:
    assert nearest_neighbourhood(MALMO, neighbourhood.lat, neighbourhood.lon) == neighbourhood


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (55.5908, 13.0078, "mollevangen"),  # Möllevångstorget
        (55.5833, 12.9264, "limhamn"),  # Limhamn harbour
        (55.6761, 12.5683, None),  # Copenhagen
        (55.7047, 13.1910, None),  # Lund
        (float("nan"), 13.0, None),
    ],
)
def test_nearest_neighbourhood(lat: float, lon: float, expected: str | None) -> None:
    found = nearest_neighbourhood(MALMO, lat, lon)
    assert (found.code if found else None) == expected


# --- Bad files ------------------------------------------------------------------------------

NO_ARABIC = 'names = { sv = "Kultur", en = "Culture", es = "Cultura" }'


@pytest.mark.parametrize(
    ("text", "offender"),
    [
        pytest.param(
            SYNTHETIC + f'\n[[themes]]\ncode = "culture"\nemoji = "*"\n{NO_ARABIC}\n',
            "culture",
            id="missing-arabic-name",
        ),
        pytest.param(
            SYNTHETIC.replace(_names("arts"), _names("arts").replace('ar = "arts"', 'ar = " "')),
            "arts",
            id="empty-name",
        ),
        pytest.param(SYNTHETIC + _theme("green"), "green", id="duplicate-theme"),
        pytest.param(SYNTHETIC + _area("south"), "south", id="duplicate-area"),
        pytest.param(
            SYNTHETIC + _neighbourhood("far", "north", 40.0, 13.5), "far", id="outside-bounds"
        ),
        pytest.param(SYNTHETIC + _neighbourhood("lost", "atlantis"), "lost", id="unknown-area"),
        pytest.param(
            SYNTHETIC + _incubator("also-all", [], [], fallback=True),
            "also-all",
            id="two-fallbacks",
        ),
        pytest.param(
            SYNTHETIC + _incubator("sports", [], ["sports"]), "sports", id="unknown-theme"
        ),
        pytest.param(
            SYNTHETIC + _incubator("nowhere", ["atlantis"], []),
            "nowhere",
            id="incubator-unknown-area",
        ),
        pytest.param(
            SYNTHETIC.replace(
                _incubator("all", [], [], fallback=True),
                _incubator("all", ["east"], [], fallback=True),
            ),
            "all",
            id="fallback-with-areas",
        ),
        pytest.param(
            SYNTHETIC.replace(_incubator("all", [], [], fallback=True), _incubator("all", [], [])),
            "fallback",
            id="no-fallback",
        ),
        pytest.param(SYNTHETIC + _area("Bad_Code"), "Bad_Code", id="bad-code"),
        pytest.param(SYNTHETIC + _area("a" * 25), "a" * 25, id="long-code"),
        pytest.param(
            SYNTHETIC.replace(
                'emoji = "*"\nnames = { sv = "jobs"', 'emoji = ""\nnames = { sv = "jobs"'
            ),
            "jobs",
            id="empty-emoji",
        ),
        pytest.param(
            SYNTHETIC + _area("extra").replace("[[areas]]\n", '[[areas]]\ncolour = "red"\n'),
            "colour",
            id="unknown-key",
        ),
        pytest.param(
            SYNTHETIC + f'[[themes]]\ncode = "plain"\n{_names("plain")}\n',
            "emoji",
            id="missing-key",
        ),
        pytest.param(
            SYNTHETIC + _neighbourhood("text", "north").replace("lat = 55.5", 'lat = "55.5"'),
            "text",
            id="text-latitude",
        ),
        pytest.param(SYNTHETIC.replace("[[support]]", "[[support"), "TOML", id="not-toml"),
    ],
)
def test_bad_files_are_rejected(tmp_path: Path, text: str, offender: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CityDataError) as caught:
        load_city(path)
    message = str(caught.value)
    assert str(path) in message
    assert offender in message
