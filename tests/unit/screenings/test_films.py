import pytest

from services.runtime.errors import ValidationFailed
from services.screenings.films import FILMS, FILMS_BY_SLUG, USB_DRIVE, KitItemKind, film_from_input

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
def test_every_film_has_a_kit_of_things_to_order_and_no_guessed_links(film):
    kinds = {item.kind for item in film.kit}
    assert {KitItemKind.DVD, KitItemKind.USB_DRIVE, KitItemKind.FLYER} <= kinds and film.guide is not None
    assert all(item.orderable or item.url for item in film.kit)
    # The program's pages publish no link to any kit item, and no running time.
    assert all(item.url is None for item in film.kit)
    assert film.runtime_minutes is None
    assert film.audiences


def test_only_light_in_the_darkness_has_a_published_description_and_its_guide_is_the_publication():
    described = {film.slug: film.description for film in FILMS if film.description}
    assert described == {"light-in-the-darkness": "A PBS documentary film."}
    guide = FILMS_BY_SLUG["light-in-the-darkness"].guide
    assert guide.kind is KitItemKind.LAW_ENFORCEMENT_GUIDE
    assert guide.title == "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement"
    assert guide.description.startswith("Identifies discussion questions")


def test_the_usb_drive_is_an_orderable_compilation():
    assert USB_DRIVE.kind is KitItemKind.USB_DRIVE and USB_DRIVE.orderable and USB_DRIVE.url is None
    assert USB_DRIVE.title.startswith("Stop Hate & Build Inclusion")
    assert "compilation of films and related publications" in USB_DRIVE.description


def test_manager_adds_a_film():
    film = film_from_input(
        {"slug": "camdens-turn", "title": "Camden's Turn", "description": "A police department in transformation.",
         "runtime_minutes": 29, "audiences": ["law_enforcement"]}
    )
    assert film.runtime_minutes == 29
    assert [item.kind for item in film.kit] == [KitItemKind.DVD, KitItemKind.USB_DRIVE, KitItemKind.DISCUSSION_GUIDE,
                                                 KitItemKind.FLYER]
    assert film.guide.kind is KitItemKind.DISCUSSION_GUIDE


def test_a_film_without_a_description_or_runtime_is_accepted():
    film = film_from_input({"slug": "untold", "title": "Untold"})
    assert film.description is None and film.runtime_minutes is None


def test_new_film_is_validated():
    with pytest.raises(ValidationFailed) as excinfo:
        film_from_input({"slug": "waking-in-oak-creek", "title": "", "runtime_minutes": 0, "audiences": ["x"],
                         "kit": [{"kind": "poster", "title": "t"},
                                 {"kind": "flyer", "title": "t", "url": "http://insecure.example"},
                                 {"kind": "flyer", "title": "t", "orderable": False}]})
    assert {e["field"] for e in excinfo.value.errors} == {
        "slug", "title", "runtime_minutes", "audiences", "kit[0]", "kit[1].url", "kit[2]",
    }
