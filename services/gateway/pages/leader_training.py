"""Distance learning for a signed-in leader: the list of modules, and each module's page
with its objectives, readings and knowledge check. Passing the check completes the module;
a failed check comes back with the questions to revisit and the answers kept."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator

from services.gateway.api.table import ROUTES
from services.gateway.errors import ApiError
from services.gateway.http import Call, Reply
from services.gateway.routing import SIGNED_IN

from .leader import signed_in_leader
from .render import HTML, TAG, notice, page, refused_as_page, see_other

route = ROUTES.route
PASSED = notice("training-passed", "success", "You passed the knowledge check: this module is done.")
PASSED_AGAIN = notice("training-passed-again", "success",
                      "You passed the knowledge check again. The module stays done since you first passed it.")
MAX_QUESTIONS = 20
MAX_ANSWER = 10


class AnswersForm(BaseModel):
    """Each question's id -> the key of the chosen option (the check's questions vary)."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _small(self):
        answers = self.model_extra or {}
        if len(answers) > MAX_QUESTIONS:
            raise ValueError(f"at most {MAX_QUESTIONS} answers")
        for key, value in answers.items():
            if not isinstance(value, str) or len(value) > MAX_ANSWER or len(key) > 40:
                raise ValueError(f"answer to {key[:40]!r} is not one of its options")
        return self

    @property
    def answers(self) -> dict[str, str]:
        return dict(self.model_extra or {})


def _modules(call: Call, leader_id: int) -> tuple[dict, list[dict]]:
    training = call.rpc("leaders", "leader_training", leader_id)
    return training, training["modules"]


def _lesson(call: Call, slug: str) -> dict:
    try:
        return call.rpc("leaders", "training_module", slug)
    except ApiError as exc:
        if exc.status == 422:
            raise ApiError(404, "not_found", f"there is no training module {slug!r}") from None
        raise


def _next_module(modules: list[dict], current: str) -> dict | None:
    """The next module not done yet, after the current one in the list's order, wrapping round."""
    slugs = [m["slug"] for m in modules]
    start = slugs.index(current) + 1 if current in slugs else 0
    for module in modules[start:] + modules[:start]:
        if not module["completed_at"] and module["slug"] != current:
            return module
    return None


@route("GET", "/leader/training", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a leader's distance-learning modules (the training reminder's link)")
def training_page(call: Call):
    training, modules = _modules(call, signed_in_leader(call))
    about = {m["slug"]: m for m in call.rpc("leaders", "training_modules")}
    modules = [{**about.get(m["slug"], {}), **m} for m in modules]
    return page(call, "leader_training.html", title="Distance learning", training=training, modules=modules,
                done=sum(1 for m in modules if m["completed_at"]))


def module_page(call: Call, slug: str, *, chosen: dict[str, str] | None = None, result: dict | None = None) -> Reply:
    training, modules = _modules(call, signed_in_leader(call))
    lesson = _lesson(call, slug)
    progress = next(m for m in modules if m["slug"] == lesson["slug"])
    return page(call, "leader_module.html", title=lesson["title"], lesson=lesson, progress=progress,
                training=training, chosen=chosen or {}, result=result,
                revisit=set(result["to_revisit"]) if result else set(),
                next_module=_next_module(modules, lesson["slug"]))


@route("GET", "/leader/training/{module:str}", access=SIGNED_IN, tag=TAG, content_type=HTML,
       summary="Page: a training module: objectives, readings and its knowledge check")
def training_module_page(call: Call):
    return module_page(call, call.path["module"])


@route("POST", "/leader/training/{module:str}", access=SIGNED_IN, tag=TAG, content_type=HTML, body=AnswersForm,
       form=True, summary="Page: answer a module's knowledge check (passing it completes the module)")
def training_answers_submit(call: Call):
    slug = call.path["module"]
    leader_id = signed_in_leader(call)
    _lesson(call, slug)  # an unknown module is a page not found, whatever was sent
    answers = call.body.answers
    try:
        result = call.rpc("leaders", "submit_training_answers", leader_id, slug, answers)
    except ApiError as exc:
        if exc.status in (404, 409, 422):
            return refused_as_page(call, exc, "Answers not checked")
        raise
    if result["passed"]:
        return see_other(f"/leader/training/{result['module']}", PASSED if result["newly_completed"] else PASSED_AGAIN)
    return module_page(call, slug, chosen=answers, result=result)
