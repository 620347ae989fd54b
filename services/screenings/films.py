"""The film catalog: the Not In Our Town films leaders screen, with their screening kits.

Synopses stay with what the program's own material says about each film. A runtime is
recorded only where a published figure exists; `None` means "not yet recorded", to be
filled in by a program manager rather than guessed.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping
from urllib.parse import urljoin

from services.runtime.errors import ValidationFailed

DEFAULT_KIT_BASE_URL = "https://www.niot.org"


class Audience(StrEnum):
    GENERAL_PUBLIC = "general_public"
    LAW_ENFORCEMENT = "law_enforcement"
    STUDENTS = "students"
    EDUCATORS = "educators"
    PARENTS = "parents"
    FAITH_COMMUNITIES = "faith_communities"
    COMMUNITY_ORGANIZATIONS = "community_organizations"
    CIVIC_LEADERS = "civic_leaders"


class KitItemKind(StrEnum):
    DISCUSSION_GUIDE = "discussion_guide"
    LAW_ENFORCEMENT_GUIDE = "law_enforcement_guide"
    PRESS_RELEASE = "press_release"
    FLYER = "flyer"


@dataclass(frozen=True)
class KitItem:
    kind: KitItemKind
    title: str
    path: str

    def url(self, base_url: str = DEFAULT_KIT_BASE_URL) -> str:
        return urljoin(base_url.rstrip("/") + "/", self.path.lstrip("/"))


@dataclass(frozen=True)
class Film:
    slug: str
    title: str
    synopsis: str
    audiences: tuple[Audience, ...]
    kit: tuple[KitItem, ...]
    runtime_minutes: int | None = None
    # What the film is about, in the network's topics (services.contracts.topics): the
    # resource library suggests the entries on these next to the film and its screenings.
    topics: tuple[str, ...] = ()

    def kit_links(self, base_url: str = DEFAULT_KIT_BASE_URL) -> list[dict[str, str]]:
        return [
            {"kind": item.kind.value, "title": item.title, "url": item.url(base_url)}
            for item in self.kit
        ]


def standard_kit(slug: str, title: str, *extra: KitItem) -> tuple[KitItem, ...]:
    """The screening kit every film ships with: guide, sample press release, flyer."""
    base = f"/cops/{slug}"
    return (
        KitItem(KitItemKind.DISCUSSION_GUIDE, f"{title}: Discussion Guide", f"{base}/discussion-guide"),
        *extra,
        KitItem(KitItemKind.PRESS_RELEASE, f"{title}: Sample Press Release", f"{base}/sample-press-release"),
        KitItem(KitItemKind.FLYER, f"{title}: Screening Flyer", f"{base}/flyer"),
    )


FILMS: tuple[Film, ...] = (
    Film(
        slug="a-prosecutors-stand",
        title="A Prosecutor's Stand",
        synopsis=(
            "A Not In Our Town film from the COPS Office hate crime resources, told from a "
            "prosecutor's point of view: what it means for a prosecutor to take a stand "
            "against hate and why that matters to victims, to law enforcement and to the "
            "wider community."
        ),
        audiences=(Audience.LAW_ENFORCEMENT, Audience.CIVIC_LEADERS, Audience.GENERAL_PUBLIC),
        kit=standard_kit("a-prosecutors-stand", "A Prosecutor's Stand"),
        topics=("prosecution", "hate-crime-investigation", "victim-services"),
    ),
    Film(
        slug="waking-in-oak-creek",
        title="Waking in Oak Creek",
        synopsis=(
            "Profiles Oak Creek, Wisconsin, after a white supremacist killed six worshippers "
            "at the Sikh Temple of Wisconsin in 2012. In the year after the attack, the film "
            "follows community members and law enforcement as they work together to recover, "
            "stand up to hate and build a safe town for everyone."
        ),
        audiences=(
            Audience.GENERAL_PUBLIC, Audience.LAW_ENFORCEMENT, Audience.FAITH_COMMUNITIES,
            Audience.EDUCATORS, Audience.STUDENTS,
        ),
        kit=standard_kit("waking-in-oak-creek", "Waking in Oak Creek"),
        runtime_minutes=33,
        topics=("faith-communities", "community-policing", "victim-services"),
    ),
    Film(
        slug="on-the-ground-with-law-enforcement",
        title="Not In Our Town: On the Ground with Law Enforcement",
        synopsis=(
            "A series of short films presented by Not In Our Town and the U.S. Department of "
            "Justice COPS Office, showing law enforcement agencies working with local "
            "community groups to build relationships, deter hate violence and take a stand "
            "against it together."
        ),
        audiences=(Audience.LAW_ENFORCEMENT, Audience.COMMUNITY_ORGANIZATIONS, Audience.CIVIC_LEADERS),
        kit=standard_kit(
            "on-the-ground-with-law-enforcement", "Not In Our Town: On the Ground with Law Enforcement"
        ),
        topics=("community-policing", "hate-crime-investigation"),
    ),
    Film(
        slug="moses-robinson-school-guardian",
        title="Moses Robinson: School Guardian",
        synopsis=(
            "A short film from a Not In Our Town and COPS Office series on how law "
            "enforcement and students can work together to improve their relationships and "
            "build trust in and around schools."
        ),
        audiences=(Audience.LAW_ENFORCEMENT, Audience.STUDENTS, Audience.EDUCATORS, Audience.PARENTS),
        kit=standard_kit("moses-robinson-school-guardian", "Moses Robinson: School Guardian"),
        topics=("school-safety", "youth-outreach"),
    ),
    Film(
        slug="manhattan-beach",
        title="Not In Our Town: Manhattan Beach",
        synopsis=(
            "A short film about meeting the needs of victims and helping a community heal "
            "in the aftermath of hate violence, and the part law enforcement plays alongside "
            "residents in that work."
        ),
        audiences=(Audience.LAW_ENFORCEMENT, Audience.GENERAL_PUBLIC, Audience.COMMUNITY_ORGANIZATIONS),
        kit=standard_kit("manhattan-beach", "Not In Our Town: Manhattan Beach"),
        topics=("victim-services", "community-policing"),
    ),
    Film(
        slug="light-in-the-darkness",
        title="Not In Our Town: Light in the Darkness",
        synopsis=(
            "A PBS documentary about Patchogue, New York, where a series of attacks on "
            "Latino residents in 2008 ended in the hate crime killing of Marcelo Lucero, an "
            "Ecuadorian immigrant. Over two years the film follows the village's mayor, the "
            "victim's brother and residents as they address the causes of the violence, work "
            "to heal divisions and take steps so that everyone in the village is safe and "
            "respected."
        ),
        audiences=(
            Audience.GENERAL_PUBLIC, Audience.LAW_ENFORCEMENT, Audience.CIVIC_LEADERS,
            Audience.COMMUNITY_ORGANIZATIONS,
            Audience.FAITH_COMMUNITIES,
        ),
        kit=standard_kit(
            "light-in-the-darkness",
            "Not In Our Town: Light in the Darkness",
            KitItem(
                KitItemKind.LAW_ENFORCEMENT_GUIDE,
                "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement",
                "/cops/light-in-the-darkness/guide-for-law-enforcement",
            ),
        ),
        topics=("immigrant-communities", "hate-crime-investigation", "community-policing"),
    ),
)

FILMS_BY_SLUG: dict[str, Film] = {film.slug: film for film in FILMS}


def film_from_input(raw: Mapping[str, Any], *, existing: Mapping[str, Film] = FILMS_BY_SLUG) -> Film:
    """A film a program manager adds to the catalog, validated field by field."""
    errors: list[dict] = []
    slug = raw.get("slug")
    if not isinstance(slug, str) or not slug or not _is_slug(slug):
        errors.append({"field": "slug", "message": "use lowercase letters, digits and hyphens"})
    elif slug in existing:
        errors.append({"field": "slug", "message": f"a film with slug {slug!r} already exists"})
    title = _text(raw.get("title"), "title", 200, errors, required=True)
    synopsis = _text(raw.get("synopsis"), "synopsis", 4000, errors, required=True)

    runtime = raw.get("runtime_minutes")
    if runtime is not None and (
        isinstance(runtime, bool) or not isinstance(runtime, int) or not 1 <= runtime <= 600
    ):
        errors.append({"field": "runtime_minutes", "message": "a whole number of minutes, 1 to 600"})

    audiences: list[Audience] = []
    for value in raw.get("audiences") or ():
        try:
            audiences.append(Audience(value))
        except ValueError:
            errors.append({"field": "audiences", "message": f"unknown audience {value!r}"})

    kit: list[KitItem] = []
    for index, item in enumerate(raw.get("kit") or ()):
        where = f"kit[{index}]"
        try:
            kind = KitItemKind(item.get("kind"))
        except (AttributeError, ValueError):
            errors.append({"field": where, "message": "kind must be one of " + ", ".join(KitItemKind)})
            continue
        item_title = _text(item.get("title"), f"{where}.title", 300, errors, required=True)
        path = item.get("path")
        if not isinstance(path, str) or not path.startswith("/") or " " in path:
            errors.append({"field": f"{where}.path", "message": "a path under the kit site, starting with /"})
            continue
        kit.append(KitItem(kind, item_title, path))

    if errors:
        raise ValidationFailed(errors)
    return Film(
        slug=slug,
        title=title,
        synopsis=synopsis,
        audiences=tuple(audiences),
        kit=tuple(kit) or standard_kit(slug, title),
        runtime_minutes=runtime,
    )


def _is_slug(value: str) -> bool:
    return len(value) <= 80 and all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in value)


def _text(value: Any, field_name: str, limit: int, errors: list[dict], *, required: bool) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append({"field": field_name, "message": "is required"})
        return ""
    if not isinstance(value, str):
        errors.append({"field": field_name, "message": "must be text"})
        return ""
    if len(value) > limit:
        errors.append({"field": field_name, "message": f"at most {limit} characters"})
    return value.strip()
