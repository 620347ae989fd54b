"""The expertise vocabulary: what a leader can help with and what a peer can ask about."""
from __future__ import annotations

import re
from typing import Any

from services.contracts.topics import TOPICS

from .fields import Invalid, Problems

# The shared topics vocabulary (services/contracts/topics.py): the resource library uses it too.
EXPERTISE: dict[str, str] = TOPICS
_EXPERTISE_BY_LABEL = {label.casefold(): slug for slug, label in EXPERTISE.items()}


def parse_tags(value: Any) -> tuple[str, ...]:
    """Slugs or labels, as a list or one ';'/','-separated string; kept in vocabulary order."""
    if value is None:
        return ()
    items = re.split(r"[;,]", value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(isinstance(i, str) for i in items):
        raise Invalid("must be a list of expertise tags")
    chosen: set[str] = set()
    unknown: list[str] = []
    for item in items:
        term = item.strip()
        if not term:
            continue
        slug = term.lower() if term.lower() in EXPERTISE else _EXPERTISE_BY_LABEL.get(term.casefold())
        if slug is None:
            unknown.append(term)
        else:
            chosen.add(slug)
    if unknown:
        raise Invalid(
            f"unknown expertise {', '.join(repr(u) for u in unknown)} "
            f"(expected any of: {', '.join(EXPERTISE)})"
        )
    return in_vocabulary_order(chosen)


def in_vocabulary_order(tags: Any) -> tuple[str, ...]:
    """Known tags among `tags`, in the order of EXPERTISE (how a leader's tags are kept)."""
    present = set(tags)
    return tuple(slug for slug in EXPERTISE if slug in present)


def parse_expertise(value: Any) -> tuple[str, ...]:
    """Expertise tags given as slugs or labels (list or ';'/','-separated), e.g. a directory filter."""
    problems = Problems()
    tags = problems.check("expertise", parse_tags, value)
    problems.raise_if_any()
    return tags


def tag_labels(tags: Any) -> list[dict[str, str]]:
    """Tags as answered over RPC: each with its label."""
    return [{"slug": slug, "label": EXPERTISE[slug]} for slug in tags]
