import pytest

from services.runtime.errors import ValidationFailed
from services.screenings.films import FILMS, FILMS_BY_SLUG, KitItemKind, film_from_input

SEED_TITLES = {
    "A Prosecutor's Stand",
    "Waking in Oak Creek",
    "Not In Our Town: On the Ground with Law Enforcement",
    "Moses Robinson: School Guardian",
    "Not In Our Town: Manhattan Beach",
    "Not In Our Town: Light in the Darkness",
}


def test_catalog_holds_the_films_named_in_the_seeds():
    assert {film.title for film in FILMS} == SEED_TITLES
    assert len(FILMS_BY_SLUG) == len(FILMS)


@pytest.mark.parametrize("film", FILMS, ids=lambda f: f.slug)
def test_every_film_has_a_full_screening_kit(film):
    kinds = {item.kind for item in film.kit}
    assert {KitItemKind.DISCUSSION_GUIDE, KitItemKind.PRESS_RELEASE, KitItemKind.FLYER} <= kinds
    assert film.synopsis and film.audiences
    assert film.runtime_minutes is None or film.runtime_minutes > 0


def test_light_in_the_darkness_has_its_guide_for_law_enforcement():
    film = FILMS_BY_SLUG["light-in-the-darkness"]
    guide = next(item for item in film.kit if item.kind is KitItemKind.LAW_ENFORCEMENT_GUIDE)
    assert guide.title.endswith("A Guide for Law Enforcement")


def test_kit_links_follow_the_configured_base_url():
    film = FILMS_BY_SLUG["waking-in-oak-creek"]
    default = film.kit_links()
    assert default[0]["url"] == "https://www.niot.org/cops/waking-in-oak-creek/discussion-guide"
    mirrored = film.kit_links("https://kits.example.org/niot/")
    assert mirrored[0]["url"] == "https://kits.example.org/niot/cops/waking-in-oak-creek/discussion-guide"
    assert [link["kind"] for link in mirrored] == ["discussion_guide", "press_release", "flyer"]


def test_manager_adds_a_film():
    film = film_from_input(
        {"slug": "camdens-turn", "title": "Camden's Turn", "synopsis": "A police department in transformation.",
         "runtime_minutes": 29, "audiences": ["law_enforcement"]}
    )
    assert film.runtime_minutes == 29
    assert {item.kind for item in film.kit} == {
        KitItemKind.DISCUSSION_GUIDE, KitItemKind.PRESS_RELEASE, KitItemKind.FLYER,
    }


def test_new_film_is_validated():
    with pytest.raises(ValidationFailed) as excinfo:
        film_from_input({"slug": "waking-in-oak-creek", "title": "", "runtime_minutes": 0, "audiences": ["x"],
                         "kit": [{"kind": "poster", "title": "t", "path": "/p"}]})
    assert {e["field"] for e in excinfo.value.errors} == {
        "slug", "title", "synopsis", "runtime_minutes", "audiences", "kit[0]",
    }
