"""Distance learning in a real browser: a leader fails a module's knowledge check, sees
which questions to revisit with their answers kept, passes, and the module shows done;
a program manager sees the modules passed per region. Every page passes check_page
(axe-core, 1280 and 390 px)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from services.leaders.domain.learning import LESSONS, answer_key
from tests.browser.support import check_page, choose_password

pytestmark = pytest.mark.browser


@pytest.fixture
def learner(context, demo_leader_links, manager_page):
    """A demo leader with a module not yet passed, signed in (`learner.module`)."""
    roster = manager_page.request.get("/api/roster?limit=200").json()["leaders"]
    for leader in roster:
        address = leader["email"].lower()
        if address not in demo_leader_links:
            continue
        training = manager_page.request.get(f"/api/leaders/{leader['id']}/training").json()
        todo = [m["slug"] for m in training["modules"] if not m["completed_at"]]
        if todo:
            page = context.new_page()
            choose_password(page, demo_leader_links.pop(address))
            page.module = todo[-1]
            return page
    pytest.fail("the demo data has no leader with a module left to pass")


def choose(page, module: str, answers: dict[str, str]) -> None:
    options = {q.id: dict(q.options) for q in LESSONS[module].questions}
    for question, key in answers.items():
        page.locator(f"#q-{question}").get_by_label(options[question][key], exact=True).check()


def test_a_leader_fails_a_check_revisits_it_and_passes(learner):
    page, module = learner, learner.module
    lesson = LESSONS[module]
    page.goto("/leader")
    page.get_by_role("link", name="Your training").click()
    check_page(page, "learning-modules")
    page.locator(f'a[href="/leader/training/{module}"]').click()
    expect(page.get_by_role("heading", name="Objectives")).to_be_visible()
    expect(page.get_by_role("heading", name="Readings")).to_be_visible()
    expect(page.locator("cite").first).to_have_text(lesson.readings[0].title)
    expect(page.get_by_role("group")).to_have_count(len(lesson.questions))
    check_page(page, f"learning-module-{module}")

    # The first question by keyboard: into the group, then arrow keys to a wrong option.
    first = lesson.questions[0]
    wrong_key = next(key for key in first.option_keys if key != first.answer)
    radios = page.locator(f"#q-{first.id} input[type=radio]")
    radios.first.focus()
    page.keyboard.press("Space")
    for _ in range(first.option_keys.index(wrong_key)):
        page.keyboard.press("ArrowDown")
    expect(radios.nth(first.option_keys.index(wrong_key))).to_be_checked()
    # The second wrong too, the rest right except the last, left unanswered.
    second = lesson.questions[1]
    answers = {second.id: next(key for key in second.option_keys if key != second.answer)}
    answers.update({q.id: q.answer for q in lesson.questions[2:-1]})
    choose(page, module, answers)
    page.get_by_role("button", name="Check my answers").click()

    problems = page.locator("#problems")
    expect(problems).to_contain_text(f"{len(lesson.questions) - 3} of {len(lesson.questions)} right")
    expect(problems.get_by_role("link")).to_have_count(3)
    expect(problems).to_contain_text("(not answered)")
    expect(page.locator(f"#q-{first.id}")).to_contain_text("revisit this question")
    expect(radios.nth(first.option_keys.index(wrong_key))).to_be_checked()  # answers kept
    for question, key in answers.items():
        expect(page.locator(f"#q-{question} input[value='{key}']")).to_be_checked()
    expect(page.locator(f"#q-{lesson.questions[-1].id} input:checked")).to_have_count(0)
    check_page(page, f"learning-module-{module}-to-revisit")

    # Revisit: the link takes the keyboard to the question.
    problems.get_by_role("link").first.click()
    choose(page, module, answer_key(module))
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_text("You passed the knowledge check: this module is done.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Done on "))).to_be_visible()
    check_page(page, f"learning-module-{module}-passed")

    page.get_by_role("link", name="All modules").click()
    card = page.locator(".card", has=page.locator(f'a[href="/leader/training/{module}"]'))
    expect(card).to_contain_text("Done on")


def test_a_manager_sees_the_modules_passed_in_each_region(manager_page):
    page = manager_page
    page.goto("/manage")
    page.get_by_role("link", name="Training progress").click()
    expect(page.get_by_role("heading", name="Training progress")).to_be_visible()
    table = page.locator("table.training-table")
    expect(table.locator("tbody tr")).to_have_count(10)  # the federal regions
    expect(table.get_by_role("columnheader", name="Ready to mentor")).to_be_visible()
    progress = page.request.get("/api/training/progress").json()
    first = progress["regions"][0]
    row = table.locator("tbody tr").first
    expect(row.locator('td[data-label="Active leaders"]')).to_have_text(str(first["active_leaders"]))
    expect(row.locator('td[data-label="All modules"]')).to_have_text(str(first["all_modules"]))
    assert progress["totals"]["active_leaders"] > progress["totals"]["all_modules"] > 0
    assert 0 < progress["totals"]["modules"]["mentoring-peers"] <= progress["totals"]["active_leaders"]
    check_page(page, "learning-manager-progress")
