"""The film catalog: the Not In Our Town films leaders screen, with their screening kits.

Everything here comes from the program's own pages (the COPS Office hate crime resources
and the NIOT collaboration page). A film's description is what those pages say about it,
and `None` where they say nothing; a running time is recorded only where a published
figure exists (none does yet), so `None` means "not yet recorded", never a guess.

A kit item is something a leader can order from the program (a DVD, printed discussion
guides, flyers) or download from a link the program publishes. The pages give no links,
so no item has one yet: each is ordered through the screening's materials order. The
"Stop Hate & Build Inclusion" USB drive is a compilation of films and publications, not
one film's: every kit offers it as the other format to order instead of the DVD.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping

from services.runtime.errors import ValidationFailed

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
    DVD = "dvd"
    USB_DRIVE = "usb_drive"
    DISCUSSION_GUIDE = "discussion_guide"
    LAW_ENFORCEMENT_GUIDE = "law_enforcement_guide"
    FLYER = "flyer"


GUIDE_KINDS = frozenset({KitItemKind.DISCUSSION_GUIDE, KitItemKind.LAW_ENFORCEMENT_GUIDE})


@dataclass(frozen=True)
class KitItem:
    """One thing in a screening kit: `orderable` from the program (materials orders),
    and/or downloadable at `url` where the program publishes one."""

    kind: KitItemKind
    title: str
    description: str | None = None
    orderable: bool = True
    url: str | None = None

    def view(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "title": self.title, "description": self.description,
                "orderable": self.orderable, "url": self.url}


USB_DRIVE = KitItem(
    KitItemKind.USB_DRIVE,
    "Stop Hate & Build Inclusion: Resources for Law Enforcement and Community Partners",
    "This USB flash drive is a compilation of films and related publications intended to aid Not In Our "
    "Town's (NIOT) national effort to connect people working together to take action against hate and "
    "create safe, inclusive communities.",
)


@dataclass(frozen=True)
class Film:
    slug: str
    title: str
    description: str | None
    audiences: tuple[Audience, ...]
    kit: tuple[KitItem, ...]
    runtime_minutes: int | None = None
    # What the film is about, in the network's topics (services.contracts.topics): the
    # resource library suggests the entries on these next to the film and its screenings.
    topics: tuple[str, ...] = ()

    @property
    def guide(self) -> KitItem | None:
        """The film's discussion guide (for law enforcement where there is one)."""
        guides = [item for item in self.kit if item.kind in GUIDE_KINDS]
        guides.sort(key=lambda item: item.kind is not KitItemKind.LAW_ENFORCEMENT_GUIDE)
        return guides[0] if guides else None

    def kit_view(self) -> list[dict[str, Any]]:
        return [item.view() for item in self.kit]


def standard_kit(title: str, guide: KitItem | None = None) -> tuple[KitItem, ...]:
    """What every film's screening kit holds: the film on DVD (or the USB drive of films
    and publications), its discussion guide and a flyer to announce the screening, each
    ordered from the program."""
    return (
        KitItem(KitItemKind.DVD, f"{title} (DVD)", "The film on DVD, for the screening."),
        USB_DRIVE,
        guide or KitItem(KitItemKind.DISCUSSION_GUIDE, f"{title}: discussion guide",
                         "Printed copies for the people leading and joining the discussion."),
        KitItem(KitItemKind.FLYER, f"{title}: screening flyer", "Printed flyers to announce the screening."),
    )


def _seed_film(slug: str, title: str, audiences: tuple[Audience, ...], topics: tuple[str, ...],
               description: str | None = None, guide: KitItem | None = None) -> Film:
    return Film(slug=slug, title=title, description=description, audiences=audiences,
                kit=standard_kit(title, guide), runtime_minutes=None, topics=topics)


LAW_ENFORCEMENT_AND_PUBLIC = (Audience.LAW_ENFORCEMENT, Audience.GENERAL_PUBLIC)

FILMS: tuple[Film, ...] = (
    _seed_film("a-prosecutors-stand", "A Prosecutor's Stand", LAW_ENFORCEMENT_AND_PUBLIC,
               ("prosecution", "hate-crime-investigation", "victim-services")),
    _seed_film("waking-in-oak-creek", "Waking in Oak Creek", LAW_ENFORCEMENT_AND_PUBLIC,
               ("faith-communities", "community-policing", "victim-services")),
    _seed_film("on-the-ground-with-law-enforcement", "Not In Our Town: On the Ground with Law Enforcement",
               LAW_ENFORCEMENT_AND_PUBLIC, ("community-policing", "hate-crime-investigation")),
    _seed_film("moses-robinson-school-guardian", "Moses Robinson: School Guardian", LAW_ENFORCEMENT_AND_PUBLIC,
               ("school-safety", "youth-outreach")),
    _seed_film("manhattan-beach", "Not In Our Town: Manhattan Beach", LAW_ENFORCEMENT_AND_PUBLIC,
               ("victim-services", "community-policing")),
    _seed_film(
        "light-in-the-darkness", "Not In Our Town: Light in the Darkness", LAW_ENFORCEMENT_AND_PUBLIC,
        ("immigrant-communities", "hate-crime-investigation", "community-policing"),
        description="A PBS documentary film.",
        guide=KitItem(
            KitItemKind.LAW_ENFORCEMENT_GUIDE,
            "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement",
            "Identifies discussion questions and community policing best practices for law enforcement "
            "representatives organizing screenings of the PBS documentary film Not In Our Town: Light in the "
            "Darkness.",
        ),
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
    description = _text(raw.get("description"), "description", 4000, errors, required=False) or None

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
        item_description = _text(item.get("description"), f"{where}.description", 2000, errors, required=False)
        url = item.get("url")
        if url is not None and (not isinstance(url, str) or not url.startswith("https://") or " " in url
                                or len(url) > 2000):
            errors.append({"field": f"{where}.url", "message": "an https:// link, or leave it out"})
            continue
        orderable = item.get("orderable", True)
        if not isinstance(orderable, bool):
            errors.append({"field": f"{where}.orderable", "message": "true or false"})
            continue
        if not orderable and url is None:
            errors.append({"field": where, "message": "an item is either orderable or has a link to download it"})
            continue
        kit.append(KitItem(kind, item_title, item_description or None, orderable, url))

    if errors:
        raise ValidationFailed(errors)
    return Film(
        slug=slug,
        title=title,
        description=description,
        audiences=tuple(audiences),
        kit=tuple(kit) or standard_kit(title),
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
