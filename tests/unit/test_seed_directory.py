"""Checks on the seed resource directory (data/resources/directory.yml).

A wrong number can hurt someone, so these tests hold the data to its own rules:
every number has a source, every field has a known shape, and a country without a
sourced emergency number says so instead of leaving a silent gap.

Usage:
    .venv/bin/python -m pytest tests/unit/test_seed_directory.py -q
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel import Locale

DIRECTORY = Path(__file__).resolve().parents[2] / "data" / "resources" / "directory.yml"

KINDS = {
    "trafficking_hotline",
    "emergency",
    "violence_helpline",
    "child_helpline",
    "victim_support",
    "labour_rights",
    "legal_aid",
    "shelter",
    "migrant_support",
    "crisis_line",
    "medical",
    "reporting_line",
}
NEEDS = {
    "shelter",
    "talk",
    "leave",
    "documents",
    "unpaid_work",
    "forced_sex",
    "child",
    "medical",
    "legal",
    "someone_else",
    "information",
}
PSEUDO_COUNTRIES = {"EU", "INT"}
VERIFICATION = {"read", "reference"}
EMERGENCY_SERVICES = {"general", "police"}

RESOURCE_REQUIRED = {
    "id",
    "name",
    "country",
    "kind",
    "needs",
    "phone",
    "sms",
    "hours",
    "languages",
    "interpreters",
    "free",
    "confidential",
    "law_enforcement",
    "sources",
    "source_notes",
    "verification",
}
RESOURCE_OPTIONAL = {
    "operator",
    "regions",
    "sms_note",
    "web",
    "chat",
    "whatsapp",
    "email",
    "other_phones",
    "notes",
    "not_available_in",
    "available_in",
    "for_nationals_of",
}
COUNTRY_KEYS = {
    "emergency",
    "emergency_service",
    "emergency_source",
    "emergency_more_sources",
    "emergency_source_note",
    "emergency_verification",
    "emergency_gap",
    "other_numbers",
    "notes",
}

# Digits, spaces, +, -, ( and ) only: anything else (TTY, USSD codes, words) goes in notes.
NUMBER = re.compile(r"^[0-9+()\- ]*[0-9][0-9+()\- ]*$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
URL = re.compile(r"^https?://\S+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


@cache
def load() -> dict[str, Any]:
    with DIRECTORY.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@cache
def territories() -> frozenset[str]:
    codes = (c for c in Locale("en").territories if isinstance(c, str))
    return frozenset(c for c in codes if re.fullmatch(r"[A-Z]{2}", c))


@cache
def language_codes() -> frozenset[str]:
    codes = (c for c in Locale("en").languages if isinstance(c, str))
    return frozenset(c for c in codes if re.fullmatch(r"[a-z]{2}", c))


def resources() -> list[dict[str, Any]]:
    return list(load()["resources"])


def countries() -> dict[str, dict[str, Any]]:
    return dict(load()["countries"])


def is_country(code: object) -> bool:
    return isinstance(code, str) and code in territories()


def assert_number(value: object, where: str) -> None:
    assert isinstance(value, str), f"{where}: number must be a quoted string, got {value!r}"
    assert NUMBER.match(value), f"{where}: {value!r} has characters other than digits, spaces, + - ( )"


def assert_sources(value: object, where: str) -> None:
    assert isinstance(value, list) and value, f"{where}: needs at least one source URL"
    for url in value:
        assert isinstance(url, str) and URL.match(url), f"{where}: {url!r} is not an http(s) URL"


def test_header() -> None:
    data = load()
    assert data["version"] == 1
    assert isinstance(data["checked"], datetime.date)
    assert set(data) == {
        "version",
        "checked",
        "emergency_fallback",
        "countries",
        "resources",
    }


def test_fallback_numbers_are_sourced() -> None:
    fallback = load()["emergency_fallback"]
    assert fallback, "the fallback list is what a person with an unknown country sees"
    for entry in fallback:
        where = f"fallback {entry.get('number')}"
        assert set(entry) <= {"number", "where", "source", "note"}, where
        assert_number(entry["number"], where)
        assert isinstance(entry["where"], str) and entry["where"].strip(), where
        assert_sources([entry["source"]], where)


@pytest.mark.parametrize("code", sorted(countries()))
def test_country(code: str) -> None:
    entry = countries()[code]
    assert is_country(code), f"{code} is not an ISO 3166-1 alpha-2 code known to babel"
    assert set(entry) <= COUNTRY_KEYS, f"{code}: unknown keys {set(entry) - COUNTRY_KEYS}"
    if entry.get("emergency") is None:
        # No sourced number: the entry must say why, never stay silent.
        gap = entry.get("emergency_gap")
        assert isinstance(gap, str) and gap.strip(), f"{code}: no emergency number and no emergency_gap"
        assert "emergency_source" not in entry, f"{code}: a source without a number"
    else:
        assert_number(entry["emergency"], f"{code} emergency")
        assert entry["emergency_service"] in EMERGENCY_SERVICES, code
        assert_sources([entry["emergency_source"]] + entry.get("emergency_more_sources", []), code)
        assert isinstance(entry["emergency_source_note"], str) and entry["emergency_source_note"].strip(), (
            code
        )
        assert entry["emergency_verification"] in VERIFICATION, code
        assert "emergency_gap" not in entry, f"{code}: both a number and a gap"
    for other in entry.get("other_numbers", []):
        where = f"{code} other number {other.get('number')}"
        assert set(other) == {"number", "what", "source"}, where
        assert_number(other["number"], where)
        assert isinstance(other["what"], str) and other["what"].strip(), where
        assert_sources([other["source"]], where)


def test_ids_unique() -> None:
    counts = Counter(r["id"] for r in resources())
    assert not [i for i, n in counts.items() if n > 1], "duplicate resource ids"


@pytest.mark.parametrize("res", resources(), ids=lambda r: str(r.get("id")))
def test_resource_shape(res: dict[str, Any]) -> None:
    rid = res["id"]
    assert RESOURCE_REQUIRED <= set(res), f"{rid}: missing {RESOURCE_REQUIRED - set(res)}"
    unknown = set(res) - RESOURCE_REQUIRED - RESOURCE_OPTIONAL
    assert not unknown, f"{rid}: unknown fields {unknown}"
    assert SLUG.match(rid), f"{rid}: id must be a lowercase slug"
    assert isinstance(res["name"], str) and res["name"].strip(), rid
    assert res["kind"] in KINDS, f"{rid}: unknown kind {res['kind']!r}"
    needs = res["needs"]
    assert isinstance(needs, list) and needs, f"{rid}: needs must be a non-empty list"
    assert set(needs) <= NEEDS, f"{rid}: unknown needs {set(needs) - NEEDS}"
    assert len(needs) == len(set(needs)), f"{rid}: repeated needs"
    assert isinstance(res["hours"], str) and res["hours"].strip(), f"{rid}: hours, or 'not stated'"
    assert res["verification"] in VERIFICATION, rid
    for flag in ("interpreters", "free", "confidential", "law_enforcement"):
        assert res[flag] is None or isinstance(res[flag], bool), f"{rid}: {flag} must be true/false/null"
    if res["law_enforcement"] is None:
        # A person who fears the police must be told when we do not know.
        assert res.get("notes"), f"{rid}: law_enforcement unknown without a note saying so"


@pytest.mark.parametrize("res", resources(), ids=lambda r: str(r.get("id")))
def test_resource_country_and_languages(res: dict[str, Any]) -> None:
    rid = res["id"]
    country = res["country"]
    assert country in PSEUDO_COUNTRIES or is_country(country), f"{rid}: bad country {country!r}"
    if country not in PSEUDO_COUNTRIES:
        assert country in countries(), f"{rid}: {country} has no entry in countries"
    for key in ("not_available_in", "available_in"):
        if key in res:
            assert country == "EU", f"{rid}: {key} is for EU-wide resources"
            assert all(is_country(c) for c in res[key]), f"{rid}: bad code in {key}"
    if "not_available_in" in res and "available_in" in res:
        assert not set(res["not_available_in"]) & set(res["available_in"]), rid
    if "for_nationals_of" in res:
        assert all(is_country(c) for c in res["for_nationals_of"]), rid
    if "regions" in res:
        assert isinstance(res["regions"], list), rid
    langs = res["languages"]
    assert isinstance(langs, list), f"{rid}: languages must be a list ([] = not stated)"
    bad = [code for code in langs if code not in language_codes()]
    assert not bad, f"{rid}: not ISO 639-1 codes: {bad}"
    assert len(langs) == len(set(langs)), f"{rid}: repeated languages"


@pytest.mark.parametrize("res", resources(), ids=lambda r: str(r.get("id")))
def test_resource_contacts_and_sources(res: dict[str, Any]) -> None:
    rid = res["id"]
    for key in ("phone", "sms", "whatsapp"):
        if res.get(key) is not None:
            assert_number(res[key], f"{rid} {key}")
    for other in res.get("other_phones", []):
        assert set(other) == {"number", "note"}, rid
        assert_number(other["number"], f"{rid} other_phones")
        assert isinstance(other["note"], str) and other["note"].strip(), rid
    if res.get("sms_note") is not None:
        assert res.get("sms") is not None, f"{rid}: sms_note without sms"
    for key in ("web", "chat"):
        if key in res:
            assert isinstance(res[key], str) and not res[key].startswith(("http://", "https://")), (
                f"{rid}: {key} is written without the scheme"
            )
    if "email" in res:
        assert EMAIL.match(res["email"]), rid
    reachable = any(res.get(k) for k in ("phone", "sms", "whatsapp", "web", "chat"))
    assert reachable, f"{rid}: no way to reach it"
    assert_sources(res["sources"], rid)
    assert isinstance(res["source_notes"], str) and res["source_notes"].strip(), rid


def test_every_resource_country_has_an_emergency_number_or_a_gap() -> None:
    # The bot shows the local emergency number beside any resource; a country used by a
    # resource must be listed, with a number or an explicit gap (checked in test_country).
    used = {r["country"] for r in resources()} - PSEUDO_COUNTRIES
    assert used <= set(countries())


def test_police_lines_are_marked() -> None:
    # Reporting lines and emergency numbers run by the police must say so.
    for res in resources():
        text = f"{res['name']} {res.get('operator', '')}".lower()
        if "police" in text or "policía" in text:
            assert res["law_enforcement"] is True, res["id"]
