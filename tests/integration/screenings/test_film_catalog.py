"""The film catalog on a real database: a database seeded before the catalog held only
what the program's pages state (guessed synopses, kit links guessed from a URL pattern)
is brought up to it on start-up, and a film a manager added keeps its text."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa

from services.runtime.db import Transactions, make_engine, session_factory
from services.runtime.migrate import upgrade
from services.screenings import views
from services.screenings.app.films import seed_films
from services.screenings.films import FILMS
from services.screenings.repository import ScreeningsUnitOfWork

OLD_KIT = json.dumps([{"kind": "discussion_guide", "title": "Guide", "path": "/cops/x/discussion-guide"},
                      {"kind": "press_release", "title": "Release", "path": "/cops/x/sample-press-release"}])


def test_seeded_films_are_brought_up_to_the_catalog_and_added_ones_kept(make_db_uri):
    uri = make_db_uri("screenings")
    upgrade("screenings", uri)
    engine = make_engine(uri)
    insert = sa.text("INSERT INTO films (slug, title, synopsis, audiences, kit, runtime_minutes, added_at) "
                     "VALUES (:slug, :title, :synopsis, '[]', :kit, :runtime, :added_at)")
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"slug": "waking-in-oak-creek", "title": "Waking in Oak Creek", "kit": OLD_KIT,
                                  "synopsis": "A guessed synopsis.", "runtime": 33, "added_at": None})
            conn.execute(insert, {"slug": "camdens-turn", "title": "Camden's Turn", "kit": OLD_KIT,
                                  "synopsis": "Added by a manager.", "runtime": 29,
                                  "added_at": datetime(2026, 3, 1, tzinfo=timezone.utc)})
        unit = Transactions(session_factory(engine))
        try:
            with unit.transaction() as session:
                assert seed_films(ScreeningsUnitOfWork(session)) == len(FILMS)
            with unit.transaction() as session:
                assert seed_films(ScreeningsUnitOfWork(session)) == 0
            with unit.transaction() as session:
                films = {film["slug"]: film for film in views.list_films(session)}
        finally:
            unit.close()
    finally:
        engine.dispose()

    oak_creek = films["waking-in-oak-creek"]
    assert oak_creek["description"] is None and oak_creek["runtime_minutes"] is None
    assert [item["kind"] for item in oak_creek["kit"]] == ["dvd", "usb_drive", "discussion_guide", "flyer"]
    assert all(item["url"] is None for film in films.values() for item in film["kit"])
    added = films["camdens-turn"]
    assert added["description"] == "Added by a manager." and added["runtime_minutes"] == 29
    # Its guessed link and the press release the program does not offer are gone; the guide stays, to order.
    assert [(i["kind"], i["orderable"]) for i in added["kit"]] == [("discussion_guide", True)]
    assert films["light-in-the-darkness"]["guide"]["title"] == (
        "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement")
