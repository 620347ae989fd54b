"""The distance-learning content (objectives, readings, knowledge checks) and how a check
is scored."""
from __future__ import annotations

import pytest

from services.leaders.domain.learning import LESSONS, answer_key
from services.leaders.domain.training import PASS_MARK_PERCENT, TRAINING_MODULES, grade, lesson
from services.runtime.errors import ValidationFailed

PUBLICATION_TITLES = {  # as the COPS Office resource page lists them
    "Hate Crimes: Recognition and Reporting",
    "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement",
    "Building Stronger, Safer Communities",
    "Stop Hate & Build Inclusion: Resources for Law Enforcement and Community Partners",
    "Gender, Sexuality, and 21st Century Policing: Protecting the Rights of the LGBTQ+ Community",
    "Strengthening the Relationship between Law Enforcement and Communities of Color",
    "Lessons to Advance Community Policing: Final Report for 2014 Microgrant Sites",
    "Community-Based Approaches to Prevention: A Report on the 2014 National Summit on Preventing Multiple "
    "Casualty Violence",
    "Bridging the Language Divide: Promising Practices for Law Enforcement",
    "Engaging Police in Immigrant Communities",
    "Racial Reconciliation, Truth-Telling, and Police Legitimacy",
    "Racially Biased Policing: A Principled Response",
}


def test_every_module_has_objectives_readings_and_a_check():
    assert set(LESSONS) == {m.slug for m in TRAINING_MODULES}
    for slug, content in LESSONS.items():
        assert content.objectives and all(o.strip() for o in content.objectives), slug
        assert content.readings, slug
        assert 3 <= len(content.questions) <= 5, slug
        ids = [q.id for q in content.questions]
        assert len(set(ids)) == len(ids), slug


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_every_answer_is_one_of_its_options_and_options_differ(slug):
    for question in LESSONS[slug].questions:
        keys = question.option_keys
        assert question.answer in keys
        assert len(keys) >= 3 and len(set(keys)) == len(keys)
        texts = [text for _, text in question.options]
        assert len(set(texts)) == len(texts) and all(t.strip() for t in texts)
        assert question.prompt.endswith("?")


def test_readings_are_publications_the_program_lists_by_their_exact_titles():
    cited = {r.title for content in LESSONS.values() for r in content.readings}
    assert cited <= PUBLICATION_TITLES
    for content in LESSONS.values():
        for reading in content.readings:
            assert reading.publisher and reading.description


def test_the_checks_state_no_figures_beyond_the_program_s_own():
    # The sources give hours of the hate crimes training, the 2013/2014 reports' years and
    # a business-day deadline; no percentages or other statistics appear in a check.
    for content in LESSONS.values():
        for question in content.questions:
            for text in (question.prompt, *(t for _, t in question.options)):
                assert "%" not in text and "percent" not in text.lower()


@pytest.mark.parametrize("slug", sorted(LESSONS))
def test_the_right_answers_pass_and_score_everything(slug):
    result = grade(slug, answer_key(slug))
    assert result.passed and result.correct == result.total and result.to_revisit == ()
    assert result.percent == 100


def test_the_pass_mark_is_eighty_percent():
    assert PASS_MARK_PERCENT == 80
    five = "responding-to-requests"
    answers = answer_key(five)
    first = next(iter(answers))
    answers[first] = "d" if answers[first] != "d" else "c"
    one_wrong = grade(five, answers)
    assert (one_wrong.correct, one_wrong.total, one_wrong.passed, one_wrong.to_revisit) == (4, 5, True, (first,))

    four = "mentoring-peers"
    answers = answer_key(four)
    answers["partners"] = "b"
    assert grade(four, answers).passed is False  # 3 of 4 is 75%


def test_unanswered_questions_count_as_wrong_and_are_named():
    answers = answer_key("hosting-a-screening")
    del answers["usb"]
    answers["after"] = ""
    result = grade("hosting-a-screening", answers)
    assert result.unanswered == ("usb", "after") and result.to_revisit == ("usb", "after")
    assert not result.passed
    assert grade("hosting-a-screening", {}).correct == 0


def test_to_revisit_follows_the_order_of_the_check():
    answers = {q.id: ("a" if q.answer != "a" else "b") for q in LESSONS["facilitating-discussion"].questions}
    result = grade("facilitating-discussion", answers)
    assert result.to_revisit == tuple(q.id for q in LESSONS["facilitating-discussion"].questions)


@pytest.mark.parametrize(("module", "answers", "fields"), [
    ("juggling", {}, {"module"}),
    ("mentoring-peers", "b,c,a,d", {"answers"}),
    ("mentoring-peers", {"who-asks": "e"}, {"answers.who-asks"}),
    ("mentoring-peers", {"who-asks": 2}, {"answers.who-asks"}),
    ("mentoring-peers", {"what": "a", "who-asks": "z"}, {"answers.what", "answers.who-asks"}),
])
def test_bad_answers_are_refused_naming_each_field(module, answers, fields):
    with pytest.raises(ValidationFailed) as refused:
        grade(module, answers)
    assert {e["field"] for e in refused.value.errors} == fields


def test_a_module_is_found_whatever_its_case_and_spacing():
    assert lesson(" Mentoring-Peers ") is LESSONS["mentoring-peers"]
