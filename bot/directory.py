"""The resource directory: vetted hotlines, shelters and services, and who gets which.

The seed lives in ``data/resources/directory.yml`` (every fact with its source).
Once an admin imports a directory (``marigold directory import``), the current one
lives in Redis under ``mg:dir:current`` and is read from there at run time: texts that
admins edit must never be baked into the model. Reading falls back to the seed file
if Redis is unreachable, so a person still gets numbers when Redis is down.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import redis
import yaml

from bot import redis_keys
from bot.settings import REPO_ROOT

logger = logging.getLogger(__name__)

SEED_FILE = REPO_ROOT / "data" / "resources" / "directory.yml"
REGIONS_FILE = REPO_ROOT / "data" / "geo" / "regions.yml"
CURRENT_KEY = redis_keys.DIRECTORY + "current"

#: Kinds never listed as "people who can help": the emergency number is given on its own.
_NOT_LISTED_KINDS = {"emergency"}
#: Placeholder country codes for services that are not tied to one country.
INTERNATIONAL = "INT"


@dataclass(frozen=True)
class Resource:
    """One service a person can contact."""

    id: str
    name: str
    country: str
    kind: str
    needs: tuple[str, ...] = ()
    phone: str | None = None
    sms: str | None = None
    sms_note: str | None = None
    web: str | None = None
    hours: str | None = None
    languages: tuple[str, ...] = ()
    interpreters: bool = False
    free: bool | None = None
    confidential: bool | None = None
    law_enforcement: bool = False
    regions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    for_nationals_of: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Resource:
        """Build from one directory entry (unknown fields are ignored)."""
        return cls(
            id=str(raw["id"]),
            name=str(raw["name"]),
            country=str(raw.get("country") or INTERNATIONAL),
            kind=str(raw.get("kind") or "victim_support"),
            needs=tuple(raw.get("needs") or ()),
            phone=_optional_str(raw.get("phone")),
            sms=_optional_str(raw.get("sms")),
            sms_note=_optional_str(raw.get("sms_note")),
            web=_optional_str(raw.get("web")),
            hours=_optional_str(raw.get("hours")),
            languages=tuple(raw.get("languages") or ()),
            interpreters=bool(raw.get("interpreters")),
            free=raw.get("free"),
            confidential=raw.get("confidential"),
            law_enforcement=bool(raw.get("law_enforcement")),
            regions=tuple(raw.get("regions") or ()),
            sources=tuple(raw.get("sources") or ()),
            for_nationals_of=tuple(raw.get("for_nationals_of") or ()),
        )


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


@dataclass(frozen=True)
class EmergencyNumber:
    """A general emergency number and where it works."""

    number: str
    where: str = ""


@dataclass
class Directory:
    """Everything the bot knows about where to send people."""

    resources: list[Resource] = field(default_factory=list)
    emergency_by_country: dict[str, str] = field(default_factory=dict)
    emergency_fallback: list[EmergencyNumber] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Directory:
        """Build from the YAML/JSON document format of ``directory.yml``."""
        countries = raw.get("countries") or {}
        return cls(
            resources=[Resource.from_dict(entry) for entry in raw.get("resources") or []],
            emergency_by_country={
                str(code): str(info["emergency"])
                for code, info in countries.items()
                if isinstance(info, Mapping) and info.get("emergency")
            },
            emergency_fallback=[
                EmergencyNumber(str(item["number"]), str(item.get("where", "")))
                for item in raw.get("emergency_fallback") or []
            ],
        )

    def emergency_number(self, country: str | None) -> str | None:
        """The general emergency number of ``country``, if the directory has one."""
        return self.emergency_by_country.get(country or "")

    def find(
        self,
        country: str | None,
        need: str | None,
        language: str | None,
    ) -> list[Resource]:
        """Services for a person, most relevant first.

        Relevance, in order: serves this country (then its region such as the EU, then
        international lines), serves this need, speaks this language (or interprets),
        is not itself a police line (many people fear the police), is open 24/7.
        """
        regions = _regions_of(country)
        scored: list[tuple[float, int, Resource]] = []
        for position, resource in enumerate(self.resources):
            if resource.kind in _NOT_LISTED_KINDS:
                continue
            # A line for one nationality abroad (e.g. Thais abroad) only helps people
            # who write in a language it answers in.
            if resource.for_nationals_of and language not in resource.languages:
                continue
            if resource.country == country:
                place = 3.0
            elif resource.country in regions:
                place = 2.0
            elif resource.country == INTERNATIONAL:
                place = 1.0
            else:
                continue
            score = place * 10
            if need and need in resource.needs:
                score += 4
            if language and language in resource.languages:
                score += 2
            elif resource.interpreters:
                score += 1
            if not resource.law_enforcement:
                score += 1
            if (resource.hours or "").replace(" ", "") == "24/7":
                score += 0.5
            scored.append((-score, position, resource))
        return [resource for _, _, resource in sorted(scored)]

    def national_hotline(self, country: str | None, language: str | None = None) -> Resource | None:
        """The best anti-trafficking line for a country (or the best line at all)."""
        lines = [r for r in self.find(country, None, language) if r.phone]
        preferred = [r for r in lines if r.kind == "trafficking_hotline"]
        candidates = preferred or lines
        return candidates[0] if candidates else None


@lru_cache(maxsize=1)
def _region_members() -> dict[str, frozenset[str]]:
    raw = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8")) or {}
    return {region: frozenset(members) for region, members in raw.items()}


def _regions_of(country: str | None) -> set[str]:
    return {region for region, members in _region_members().items() if country in members}


@lru_cache(maxsize=1)
def seed_directory() -> Directory:
    """The directory shipped with the code (cached: it changes only on deploy)."""
    return Directory.from_dict(read_directory_file(SEED_FILE))


def read_directory_file(path: Path) -> dict[str, Any]:
    """Parse a directory YAML file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or "resources" not in raw:
        raise ValueError(f"{path} is not a Marigold directory (no 'resources')")
    return raw


def load_directory(client: redis.Redis | None = None) -> Directory:
    """The current directory: Redis if an admin imported one, else the seed.

    Never raises for Redis trouble: a person in danger must still get numbers.
    """
    if client is not None:
        try:
            stored = client.get(CURRENT_KEY)
        except redis.RedisError:
            logger.warning("directory: Redis unavailable, using the seed directory")
            stored = None
        if stored:
            return Directory.from_dict(json.loads(stored))
    return seed_directory()


def store_directory(client: redis.Redis, document: Mapping[str, Any]) -> None:
    """Make ``document`` the current directory (validated by building it first)."""
    Directory.from_dict(document)
    # YAML dates (``checked: 2026-11-25``) are kept as ISO text.
    client.set(CURRENT_KEY, json.dumps(document, ensure_ascii=False, default=str))


def emergency_summary(directory: Directory, country: str | None) -> str:
    """The emergency number for ``country``, or a short list of common ones."""
    number = directory.emergency_number(country)
    if number:
        return number
    # Numbers only: the "where" notes are English, and every reply must be in the
    # person's language.
    return " / ".join(item.number for item in directory.emergency_fallback)


def pick(resources: Sequence[Resource], offset: int, count: int = 3) -> list[Resource]:
    """A page of resources: at most three at a time keeps an SMS readable."""
    return list(resources[offset : offset + count])
