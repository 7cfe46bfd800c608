"""Write a resource as a short message in the person's language.

Names stay as each service writes them; everything around them (what kind of
service it is, "Call", "Text", the languages it speaks) comes from the catalogue and
CLDR, so one function serves every language.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

from bot.directory import Directory, Resource, emergency_summary
from bot.language_config import normalize_language
from bot.locales import text


def language_names(codes: tuple[str, ...], language: str) -> str:
    """Language codes as names in ``language`` ("inglés, español")."""
    names: Mapping[str, str]
    try:
        names = Locale.parse(normalize_language(language)).languages
    except Exception:  # noqa: BLE001 - codes are better than nothing
        names = {}
    return ", ".join(str(names.get(code, code)) for code in codes)


def format_resource(resource: Resource, language: str) -> str:
    """One resource in a few short lines (SMS-sized)."""
    lines = [f"{resource.name} — {text('kind_' + resource.kind, language)}"]
    contact: list[str] = []
    if resource.phone:
        contact.append(text("label_call", language, number=resource.phone))
    if resource.sms:
        sms = text("label_text", language, number=resource.sms)
        contact.append(f"{sms} ({resource.sms_note})" if resource.sms_note else sms)
    if resource.web:
        contact.append(text("label_web", language, url=resource.web))
    if contact:
        lines.append(" · ".join(contact))
    details: list[str] = []
    if resource.hours and resource.hours.replace(" ", "") == "24/7":
        details.append(text("label_hours_always", language))
    if resource.languages:
        details.append(
            text("label_languages", language, languages=language_names(resource.languages, language))
        )
    if details:
        lines.append(" · ".join(details))
    return "\n".join(lines)


def hotline_text(directory: Directory, country: str | None, language: str | None) -> str:
    """The best helpline as "Name: number", or the emergency numbers when none is known.

    A reply that says "Helpline: ." would leave a person with nothing to call.
    """
    resource = directory.national_hotline(country, language)
    if resource is None:
        return emergency_summary(directory, country)
    return f"{resource.name}: {resource.phone}"
