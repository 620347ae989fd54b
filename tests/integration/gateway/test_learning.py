"""Distance learning through real HTTP: a module's content and knowledge check, a failed
check that names what to revisit without telling the answers, a pass that completes the
module once (announced once, by mail), the pages a leader uses, and the progress per
region a program manager sees."""
from __future__ import annotations

import email
import email.policy
import re

from services.leaders.domain.learning import LESSONS, answer_key
from tests.integration.kit.helpers import wait_for

from .conftest import wait_until_mail_settles
from .test_pages import csrf_of

MODULE = "mentoring-peers"


def wrong_answers(module: str, how_many: int) -> dict[str, str]:
    answers = answer_key(module)
    for question in list(answers)[:how_many]:
        answers[question] = "a" if answers[question] != "a" else "b"
    return answers


def subjects_to(smtp_server, recipient: str) -> list[str]:
    return [email.message_from_bytes(m.data, policy=email.policy.default)["Subject"]
            for m in smtp_server.messages if recipient in m.rcpt_tos]


def test_a_check_is_failed_retried_and_passed_once_through_the_api(full_stack):
    stack = full_stack
    a, b = stack.leader_ids["a"], stack.leader_ids["b"]
    leader_a = stack.clients["a"]

    content = stack.browser(stack.base_url).get(f"/api/training/modules/{MODULE}")  # public, without answers
    assert content.status_code == 200, content.text
    body = content.json()
    assert body["readings"][0]["title"] == "Building Stronger, Safer Communities" and body["objectives"]
    assert [q["id"] for q in body["questions"]] == [q.id for q in LESSONS[MODULE].questions]
    assert "answer" not in {key for q in body["questions"] for key in q}
    assert stack.manager.get("/api/training/modules/juggling").status_code == 422

    path = f"/api/leaders/{a}/training/{MODULE}/answers"
    failed = leader_a.post(path, json={"answers": wrong_answers(MODULE, 2)})
    assert failed.status_code == 200, failed.text
    result = failed.json()
    assert (result["passed"], result["correct"], result["total"], result["newly_completed"]) == (False, 2, 4, False)
    assert result["to_revisit"] == list(answer_key(MODULE))[:2]
    assert leader_a.get(f"/api/leaders/{a}/training").json()["modules"][0]["completed_at"] is None

    bad = leader_a.post(path, json={"answers": {"who-asks": "z"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "answers.who-asks"
    assert leader_a.post(path, json={"answers": ["b"]}).status_code == 422
    assert stack.clients["b"].post(path, json={"answers": answer_key(MODULE)}).status_code in (403, 404)

    passed = leader_a.post(path, json={"answers": answer_key(MODULE)}).json()
    assert passed["passed"] and passed["newly_completed"] and passed["to_revisit"] == []
    first_pass = passed["modules"][0]["completed_at"]
    again = leader_a.post(path, json={"answers": wrong_answers(MODULE, 1) | answer_key(MODULE)}).json()
    assert again["passed"] and again["newly_completed"] is False and again["modules"][0]["completed_at"] == first_pass
    failing_later = leader_a.post(path, json={"answers": {}}).json()  # a later failure keeps the completion
    assert failing_later["passed"] is False and failing_later["modules"][0]["completed_at"] == first_pass

    # Completion is announced once, and the mailer still tells the leader.
    wait_until_mail_settles(stack.config)
    wait_for(lambda: any("Training completed" in s for s in subjects_to(stack.smtp_server, "alex@pd.example.gov")),
             timeout=20)
    assert sum("Training completed" in s for s in subjects_to(stack.smtp_server, "alex@pd.example.gov")) == 1

    # Program managers see progress per region; leaders may not.
    for module in ("responding-to-requests",):
        stack.clients["b"].post(f"/api/leaders/{b}/training/{module}/answers", json={"answers": answer_key(module)})
    progress = stack.manager.get("/api/training/progress")
    assert progress.status_code == 200, progress.text
    totals = progress.json()["totals"]
    assert totals["active_leaders"] == 2 and totals["modules"][MODULE] == 1
    assert totals["modules"]["responding-to-requests"] == 1 and totals["mentoring_ready"] == 0
    assert leader_a.get("/api/training/progress").status_code == 403
    assert stack.manager.get("/api/training/progress?grouping=galaxies").status_code == 422
    assert "/api/training/progress" in stack.manager.get("/openapi.json").json()["paths"]
    assert 'href="/manage/training"' in stack.manager.get("/manage").text


def test_the_module_pages_keep_answers_name_what_to_revisit_and_complete_on_a_pass(stack):
    leader = stack.clients["a"]
    listing = leader.get("/leader/training")
    assert listing.status_code == 200 and 'href="/leader/training/hosting-a-screening"' in listing.text
    page = leader.get("/leader/training/hosting-a-screening")
    assert page.status_code == 200
    assert "<cite>Not In Our Town: Light in the Darkness – A Guide for Law Enforcement</cite>" in page.text
    assert page.text.count("<fieldset") == len(LESSONS["hosting-a-screening"].questions)
    assert page.text.count("<legend>") == len(LESSONS["hosting-a-screening"].questions)
    token = csrf_of(page.text)

    answers = wrong_answers("hosting-a-screening", 1)
    del answers["after"]
    failed = leader.post("/leader/training/hosting-a-screening", data={**answers, "csrf_token": token})
    assert failed.status_code == 200
    assert "2 of 4 right" in failed.text and 'href="#q-settings"' in failed.text and 'href="#q-after"' in failed.text
    assert '<a href="#q-settings">Question 1</a></li>' in failed.text  # numbered as on the page
    assert '<a href="#q-after">Question 4</a> (not answered)' in failed.text
    for question, key in answers.items():  # every chosen answer is kept, the wrong one too
        assert re.search(rf'name="{question}" value="{key}" checked', failed.text), question
    assert "Not yet passed" in failed.text

    passed = leader.post("/leader/training/hosting-a-screening",
                         data={**answer_key("hosting-a-screening"), "csrf_token": token}, allow_redirects=False)
    assert passed.status_code == 303
    done = leader.get(passed.headers["Location"])
    assert "You passed the knowledge check" in done.text and "Done on" in done.text
    assert 'Next: <a href="/leader/training/facilitating-discussion">' in done.text

    unknown = leader.get("/leader/training/juggling")
    assert unknown.status_code == 404 and "<html" in unknown.text.lower()
    refused = leader.post("/leader/training/hosting-a-screening", data={"usb": "q", "csrf_token": token})
    assert refused.status_code == 422 and "<html" in refused.text.lower()
    assert stack.manager.get("/leader/training/hosting-a-screening").status_code == 403

    manager_page = stack.manager.get("/manage/training")
    assert manager_page.status_code == 200 and "Training progress" in manager_page.text
    assert leader.get("/manage/training").status_code == 403
