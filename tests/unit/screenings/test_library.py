"""The resource library's rules: the seed as the program's page lists it, validation that
names each field, search and filters, paging, retiring, and suggestions by topic."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from services.contracts.topics import TOPICS
from services.leaders.domain.expertise import EXPERTISE
from services.runtime.errors import ValidationFailed
from services.screenings.films import FILMS, Audience
from services.screenings.library import domain
from services.screenings.library.domain import Query, ResourceKind
from services.screenings.library.seed import SEED, SEED_BY_KEY

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
# The COPS Office "Addressing Hate Crimes" page, as the program keeps it.
SEED_PAGE = Path(__file__).with_name("data") / "cops_hate_crime_resources.txt"


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return {problem["field"] for problem in exc.value.errors}


def library():
    return [replace(entry, id=number) for number, entry in enumerate(SEED, start=1)]


def test_topics_are_the_leaders_expertise_vocabulary():
    assert EXPERTISE is TOPICS
    for entry in SEED:
        assert set(entry.topics) <= set(TOPICS), entry.key
    for film in FILMS:
        assert film.topics and set(film.topics) <= set(TOPICS), film.slug


def test_the_seed_holds_every_publication_of_the_programs_page_once():
    titles = [entry.title for entry in SEED]
    assert len(titles) == len(set(titles)) == len(SEED_BY_KEY) == 22
    for needed in ("Hate Crimes: Recognition and Reporting", "Vera Institute of Justice",
                   "Stop Hate & Build Inclusion: Resources for Law Enforcement and Community Partners",
                   "Racially Biased Policing: A Principled Response",
                   "Lessons to Advance Community Policing: Final Report for 2014 Microgrant Sites"):
        assert needed in titles
    assert sum(1 for e in SEED if e.series == "Building Relationships of Trust") == 15
    assert {e.publisher for e in SEED} == {"COPS Office", "Not In Our Town", "Vera Institute of Justice"}
    assert SEED_BY_KEY["hate-crimes-recognition-and-reporting"].kind is ResourceKind.CURRICULUM
    assert SEED_BY_KEY["vera-institute-of-justice"].kind is ResourceKind.ORGANISATION


def test_each_seed_title_is_on_the_programs_page():
    page = SEED_PAGE.read_text().replace("Diaster", "Disaster")
    for entry in SEED:
        assert entry.title in page, entry.title


def test_a_new_entry_is_validated_field_by_field():
    with pytest.raises(ValidationFailed) as exc:
        domain.resource_from_input({"title": " ", "kind": "poster", "topics": ["hate-crime-investigation", "knitting"],
                                    "audiences": ["aliens"], "url": "ftp://x", "colour": "red"})
    assert fields_of(exc) == {"title", "publisher", "description", "kind", "topics", "audiences", "url", "colour"}
    assert "knitting" in next(p["message"] for p in exc.value.errors if p["field"] == "topics")


def test_a_new_entry_keeps_topics_in_vocabulary_order_and_accepts_a_separated_string():
    entry = domain.resource_from_input({
        "title": "  Local   guide ", "publisher": "COPS Office", "kind": "guide", "description": "About it.",
        "topics": "victim-services; hate-crime-investigation", "audiences": ["law_enforcement"],
        "url": "https://cops.usdoj.gov/"})
    assert entry.title == "Local guide"
    assert entry.topics == ("hate-crime-investigation", "victim-services")
    assert entry.audiences == (Audience.LAW_ENFORCEMENT,)


def test_an_edit_changes_only_what_is_given_and_is_checked_as_a_whole():
    entry = library()[0]
    changed = domain.edited(entry, {"title": "A new title", "topics": ["prosecution"]}, now=NOW)
    assert (changed.title, changed.topics, changed.publisher) == ("A new title", ("prosecution",), entry.publisher)
    assert changed.updated_at == NOW and changed.id == entry.id and changed.key == entry.key
    with pytest.raises(ValidationFailed) as exc:
        domain.edited(entry, {"kind": "poster"}, now=NOW)
    assert fields_of(exc) == {"kind"}
    with pytest.raises(ValidationFailed):
        domain.edited(entry, {}, now=NOW)


def test_retiring_is_kept_once_and_can_be_undone():
    entry = library()[0]
    gone = domain.retired(entry, now=NOW)
    assert gone.retired and gone.retired_at == NOW
    assert domain.retired(gone, now=datetime(2027, 1, 1, tzinfo=timezone.utc)) is gone
    assert not domain.reinstated(gone, now=NOW).retired


def test_search_finds_every_word_in_title_or_description_titles_first():
    found = domain.search(library(), Query(text="immigrant"))
    titles = [r.title for r in found.items]
    assert found.total == len(titles) == 3
    assert titles[0].lower().count("immigrant") >= 1
    assert domain.search(library(), Query(text="hate crime recognize")).items[0].key == \
        "hate-crimes-recognition-and-reporting"
    assert domain.search(library(), Query(text="zebra")).total == 0


def test_filters_combine_topic_kind_and_audience():
    entries = library()
    guides = domain.search(entries, Query(kind=ResourceKind.GUIDE, topic="community-policing", page_size=100))
    assert guides.total > 0 and all(r.kind is ResourceKind.GUIDE and "community-policing" in r.topics
                                    for r in guides.items)
    civic = domain.search(entries, Query(audience=Audience.CIVIC_LEADERS, page_size=100))
    assert civic.total > 0 and all(Audience.CIVIC_LEADERS in r.audiences for r in civic.items)
    lgbtq = domain.search(entries, Query(topic="lgbtq-liaison"))
    assert [r.key for r in lgbtq.items] == ["gender-sexuality-and-21st-century-policing"]


def test_search_pages():
    first = domain.search(library(), Query(page_size=5))
    last = domain.search(library(), Query(page=5, page_size=5))
    assert (first.total, first.pages, len(first.items), len(last.items)) == (22, 5, 5, 2)
    assert domain.search(library(), Query(page=9, page_size=5)).items == []


def test_retired_entries_leave_the_public_search_but_not_the_managers():
    entries = library()
    entries[0] = domain.retired(entries[0], now=NOW)
    assert entries[0] not in domain.search(entries, Query(page_size=100)).items
    assert entries[0] in domain.search(entries, Query(page_size=100, include_retired=True)).items


def test_search_parameters_are_checked_by_name():
    with pytest.raises(ValidationFailed) as exc:
        domain.parse_query({"topic": "knitting", "kind": "poster", "audience": "aliens", "page": 0,
                            "page_size": 1000, "sort": "x"})
    assert fields_of(exc) == {"topic", "kind", "audience", "page", "page_size", "sort"}
    with pytest.raises(ValidationFailed) as exc:
        domain.parse_query({"include_retired": True})
    assert fields_of(exc) == {"include_retired"}
    query = domain.parse_query({"include_retired": "true", "text": " oak ", "page": "2"}, may_see_retired=True)
    assert (query.include_retired, query.text, query.page) == (True, "oak", 2)
    assert domain.parse_query({"topic": "", "kind": ""}) == Query()


def test_suggestions_share_most_topics_and_skip_retired_entries():
    entries = library()
    picks = domain.suggestions(entries, ["hate-crime-investigation", "victim-services"], limit=3)
    assert picks[0].key == "hate-crimes-recognition-and-reporting" and len(picks) == 3
    entries[0] = domain.retired(entries[0], now=NOW)
    assert entries[0] not in domain.suggestions(entries, ["hate-crime-investigation"])
    assert domain.suggestions(entries, []) == []
    with pytest.raises(ValidationFailed):
        domain.parse_topics(["knitting"])
