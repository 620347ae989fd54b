"""Which mail each event causes: recipients, template, kind and the template's context.

Plain Python with no I/O. One builder per consumed event type; `NOTIFIERS` maps the type
to its builder, and the service has one handler per entry (tests check both agree with
the registry). Links in events are paths; the builders prefix them with the public base
URL of the gateway.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlencode, urlsplit

from .compose import CalendarInvite
from .delivery import MailKind

# Paths the mailer itself puts in mail; the gateway serves them.
MAILER_PATHS = {
    # A newly approved leader sets a password here (the gateway looks the address up
    # among approved leaders and mails a set-password link).
    "account_setup": "/account/setup",
    # One-click unsubscribe (RFC 8058): GET shows a confirmation, POST unsubscribes; both
    # call the mailer's `unsubscribe` RPC with the token.
    "unsubscribe": "/unsubscribe/{token}",
    # Program managers' coverage dashboard, linked from the weekly digest.
    "coverage": "/manage/coverage",
    # A leader's own mentorship and screening pages, linked from reminders.
    "leader_home": "/leader",
}


@dataclass(frozen=True)
class RenderContext:
    base_url: str
    manager_emails: tuple[str, ...]

    def link(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Notification:
    template: str
    subject: str  # a Jinja string rendered with `context`
    to_address: str
    context: dict[str, Any]
    to_name: str = ""
    kind: MailKind = MailKind.TRANSACTIONAL
    calendar: CalendarInvite | None = None
    sequence: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Builder = Callable[[Any, RenderContext], list[Notification]]
NOTIFIERS: dict[str, Builder] = {}


def notifies(event_type: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        if event_type in NOTIFIERS:
            raise ValueError(f"{event_type} has two notification builders")
        NOTIFIERS[event_type] = builder
        return builder

    return register


def notifications_for(event_type: str, data: Any, ctx: RenderContext) -> list[Notification]:
    return NOTIFIERS[event_type](data, ctx)


def managers(ctx: RenderContext, given: Iterable[str] | None = None) -> tuple[str, ...]:
    """The event's manager addresses, or the configured ones when it names none."""
    listed = tuple(dict.fromkeys(str(a) for a in (given or ())))
    return listed or ctx.manager_emails


def _to_managers(ctx: RenderContext, template: str, subject: str, context: dict,
                 given: Iterable[str] | None = None) -> list[Notification]:
    return [Notification(template, subject, address, context, to_name="Program managers")
            for address in managers(ctx, given)]


def region_of(data: Any) -> str | None:
    """The region an event is about, when it says, for the digest's per-region counts."""
    value = getattr(data, "region", None)
    return str(value) if value else None


def state_of(data: Any) -> str | None:
    """The state (two letters) an event is about, when it says."""
    screening = getattr(data, "screening", None)
    if screening is not None:
        return screening.state
    for name in ("requester_state", "state"):
        value = getattr(data, name, None)
        if value:
            return str(value)
    return None


# --- Applications and training -------------------------------------------------------


@notifies("application_submitted")
def _application_submitted(data, ctx):
    return [Notification(
        "application_received", "We received your application to the NIOT Law Enforcement Network",
        data.email, {"d": data}, to_name=data.name)]


@notifies("application_repeated")
def _application_repeated(data, ctx):
    subject = ("You are already on the NIOT Law Enforcement Network" if data.standing == "on_roster"
               else "Your application to the NIOT Law Enforcement Network is under review")
    context = {"d": data, "setup_url": ctx.link(MAILER_PATHS["account_setup"])}
    return [Notification("application_repeated", subject, data.email, context)]


@notifies("application_approved")
def _application_approved(data, ctx):
    context = {"d": data, "setup_url": ctx.link(MAILER_PATHS["account_setup"])}
    return [Notification(
        "application_approved", "Welcome to the NIOT Law Enforcement Network",
        data.email, context, to_name=data.name)]


@notifies("application_declined")
def _application_declined(data, ctx):
    return [Notification(
        "application_declined", "Your application to the NIOT Law Enforcement Network",
        data.email, {"d": data}, to_name=data.name)]


@notifies("application_waitlisted")
def _application_waitlisted(data, ctx):
    return [Notification(
        "application_waitlisted", "Your application is on our waiting list",
        data.email, {"d": data}, to_name=data.name)]


@notifies("training_completed")
def _training_completed(data, ctx):
    return [Notification(
        "training_completed", "Training completed: {{ d.module_title }}",
        data.email, {"d": data, "home_url": ctx.link(MAILER_PATHS["leader_home"])},
        to_name=data.name)]


@notifies("training_reminder_due")
def _training_reminder(data, ctx):
    subject = "{% if d.final %}Last reminder{% else %}Reminder{% endif %}: " \
              "finish your mentoring training ({{ plural(d.missing_modules | length, 'module') }} left)"
    context = {"d": data, "training_url": ctx.link(data.training_path),
               "minutes_left": sum(m.minutes for m in data.missing_modules)}
    return [Notification("training_reminder", subject, data.email, context, to_name=data.name,
                         kind=MailKind.REMINDER)]


# --- Mentorship ------------------------------------------------------------------------


@notifies("mentorship_requested")
def _mentorship_requested(data, ctx):
    context = {"d": data, "confirm_url": ctx.link(data.confirm_path),
               "status_url": ctx.link(data.status_path)}
    return [Notification(
        "mentorship_confirm_email", "Please confirm your mentorship request",
        data.requester_email, context, to_name=data.requester_name)]


@notifies("mentorship_confirmed")
def _mentorship_confirmed(data, ctx):
    return [Notification(
        "mentorship_confirmed", "Your mentorship request is confirmed",
        data.requester_email, {"d": data}, to_name=data.requester_name)]


def _offer_context(data, ctx) -> dict:
    return {"d": data, "accept_url": ctx.link(data.accept_path),
            "decline_url": ctx.link(data.decline_path)}


@notifies("mentorship_offered")
def _mentorship_offered(data, ctx):
    subject = "{% if d.urgency == 'urgent' %}Urgent: {% endif %}" \
              "A peer asks for your mentoring on {{ d.topic_label }}"
    return [Notification("mentorship_offered", subject, data.leader_email,
                         _offer_context(data, ctx), to_name=data.leader_name)]


@notifies("mentorship_offer_reminder_due")
def _mentorship_offer_reminder(data, ctx):
    return [Notification(
        "mentorship_offer_reminder", "Reminder: a mentorship request is waiting for your answer",
        data.leader_email, _offer_context(data, ctx), to_name=data.leader_name,
        kind=MailKind.REMINDER)]


def _request_to_managers(data, ctx, template, subject) -> list[Notification]:
    """A mentorship request the program managers must look at, with a link to it."""
    return _to_managers(ctx, template, subject, {"d": data, "request_url": ctx.link(data.request_path)},
                        data.manager_emails)


@notifies("mentorship_offer_expired")
def _mentorship_offer_expired(data, ctx):
    return _request_to_managers(data, ctx, "mentorship_offer_expired",
                                "Mentorship offer expired: request #{{ d.request_id }} ({{ d.topic_label }})")


@notifies("mentorship_rerouted")
def _mentorship_rerouted(data, ctx):
    return _request_to_managers(data, ctx, "mentorship_rerouted",
                                "Mentorship request #{{ d.request_id }} re-routed to {{ d.to_leader_name }}")


@notifies("mentorship_declined")
def _mentorship_declined(data, ctx):
    return _request_to_managers(data, ctx, "mentorship_declined",
                                "{{ d.leader_name }} declined mentorship request #{{ d.request_id }}")


@notifies("mentorship_accepted")
def _mentorship_accepted(data, ctx):
    return [
        Notification("mentorship_accepted_requester",
                     "{{ d.leader_name }} will mentor you on {{ d.topic_label }}",
                     data.requester_email, {"d": data}, to_name=data.requester_name),
        Notification("mentorship_accepted_leader",
                     "You are mentoring {{ d.requester_name }}: contact details",
                     data.leader_email, {"d": data}, to_name=data.leader_name),
    ]


@notifies("mentorship_completed")
def _mentorship_completed(data, ctx):
    return [Notification(
        "mentorship_completed", "How did your mentorship with {{ d.leader_name }} go?",
        data.requester_email, {"d": data}, to_name=data.requester_name)]


@notifies("mentorship_cancelled")
def _mentorship_cancelled(data, ctx):
    found = [Notification(
        "mentorship_cancelled_requester", "Your mentorship request has been cancelled",
        data.requester_email, {"d": data}, to_name=data.requester_name)]
    if data.leader_email:
        found.append(Notification(
            "mentorship_cancelled_leader",
            "Mentorship request #{{ d.request_id }} was cancelled",
            data.leader_email, {"d": data}, to_name=data.leader_name or ""))
    return found


@notifies("mentorship_unanswered")
def _mentorship_unanswered(data, ctx):
    return _request_to_managers(data, ctx, "mentorship_unanswered",
                                "{% if d.urgency == 'urgent' %}Urgent: {% endif %}No leader left for "
                                "mentorship request #{{ d.request_id }} ({{ d.requester_state }})")


@notifies("mentorship_closed")
def _mentorship_closed(data, ctx):
    return [Notification(
        "mentorship_closed", "Your mentorship request has been closed",
        data.requester_email, {"d": data}, to_name=data.requester_name)]


@notifies("mentorship_overdue")
def _mentorship_overdue(data, ctx):
    context = {"d": data, "complete_url": ctx.link(data.complete_path)}
    found = [Notification(
        "mentorship_overdue", "Your mentorship with {{ d.requester_name }} is past its agreed length",
        data.leader_email, {**context, "for_manager": False}, to_name=data.leader_name,
        kind=MailKind.REMINDER)]
    found += _to_managers(
        ctx, "mentorship_overdue",
        "Overdue mentorship: request #{{ d.request_id }} with {{ d.leader_name }}",
        {**context, "for_manager": True}, data.manager_emails)
    return found


# --- Screenings ------------------------------------------------------------------------


def _invitation(data) -> CalendarInvite | None:
    if getattr(data, "invitation_ics", None) is None:
        return None
    # The screenings service renders the body; the mailer sends it unchanged, as the big
    # providers do: inline text/calendar for calendar clients to act on, and an invite.ics
    # attachment for mail clients that only offer files to save.
    return CalendarInvite(body=data.invitation_ics, method=data.invitation_method)


def _page_path(data) -> str:
    """The event's page; for an attendee, with their private link (the token of their
    cancel link), which opens an invitation-only event's page to its invitees."""
    path = data.screening.page_path
    rsvp_id, cancel_path = getattr(data, "rsvp_id", None), getattr(data, "cancel_path", None)
    token = parse_qs(urlsplit(cancel_path).query).get("token", [None])[0] if cancel_path else None
    if rsvp_id is None or token is None:
        return path
    return f"{path}?{urlencode({'rsvp': rsvp_id, 'token': token})}"


def _screening_context(data, ctx: RenderContext, **more) -> dict:
    screening = data.screening
    context = {"d": data, "s": screening, "page_url": ctx.link(_page_path(data)),
               "ics_url": ctx.link(screening.ics_path),
               "join_url": getattr(data, "join_url", None),
               "cancel_url": ctx.link(data.cancel_path) if getattr(data, "cancel_path", None) else None}
    context.update(more)
    return context


def _organisers(screening) -> list:
    people = [screening.host, *screening.cohosts]
    unique = {}
    for person in people:
        unique.setdefault(str(person.email).lower(), person)
    return list(unique.values())


def _to_organisers(data, ctx, template, subject, context, *, kind=MailKind.TRANSACTIONAL,
                   calendar=None) -> list[Notification]:
    screening = data.screening
    sequence = screening.sequence if calendar is not None else None
    return [
        Notification(template, subject, person.email,
                     {**context, "is_host": str(person.email).lower() == str(screening.host.email).lower()},
                     to_name=person.name, kind=kind, calendar=calendar, sequence=sequence)
        for person in _organisers(screening)
    ]


def _to_recipient(data, ctx, template, subject, *, kind=MailKind.TRANSACTIONAL, **more) -> list[Notification]:
    calendar = _invitation(data)
    return [Notification(
        template, subject, data.recipient.email, _screening_context(data, ctx, **more),
        to_name=data.recipient.name, kind=kind, calendar=calendar,
        sequence=data.screening.sequence if calendar is not None else None)]


@notifies("screening_submitted")
def _screening_submitted(data, ctx):
    context = _screening_context(data, ctx, review_url=ctx.link(data.review_path))
    return _to_managers(ctx, "screening_submitted",
                        "{% if d.resubmission %}Resubmitted{% else %}New{% endif %} screening to review: "
                        "{{ s.title }} ({{ s.state or 'online' }})", context, data.manager_emails)


@notifies("screening_approved")
def _screening_approved(data, ctx):
    context = _screening_context(data, ctx, manage_url=ctx.link(data.manage_path), approved=True)
    return _to_organisers(data, ctx, "screening_approved", "Approved and on the calendar: {{ s.title }}",
                          context, calendar=_invitation(data))


@notifies("screening_scheduled")
def _screening_scheduled(data, ctx):
    context = _screening_context(data, ctx, manage_url=ctx.link(data.manage_path), approved=False)
    return _to_organisers(data, ctx, "screening_approved", "On the calendar: {{ s.title }}",
                          context, calendar=_invitation(data))


@notifies("screening_sent_back")
def _screening_sent_back(data, ctx):
    context = _screening_context(data, ctx, manage_url=ctx.link(data.manage_path))
    return _to_organisers(data, ctx, "screening_sent_back",
                          "Changes needed before approval: {{ s.title }}", context)


@notifies("screening_rescheduled")
def _screening_rescheduled(data, ctx):
    return _to_recipient(data, ctx, "screening_rescheduled", "New time: {{ s.title }}")


@notifies("screening_venue_changed")
def _screening_venue_changed(data, ctx):
    return _to_recipient(data, ctx, "screening_venue_changed", "New place: {{ s.title }}")


@notifies("screening_cancelled")
def _screening_cancelled(data, ctx):
    return _to_recipient(data, ctx, "screening_cancelled", "Cancelled: {{ s.title }}")


@notifies("attendees_messaged")
def _attendees_messaged(data, ctx):
    return _to_recipient(data, ctx, "attendees_messaged", "{{ d.subject }} ({{ s.title }})")


@notifies("rsvp_confirmed")
def _rsvp_confirmed(data, ctx):
    return _to_recipient(data, ctx, "rsvp_confirmed",
                         "{% if d.invited %}You are invited{% else %}Your place is reserved{% endif %}: {{ s.title }}")


@notifies("rsvp_waitlisted")
def _rsvp_waitlisted(data, ctx):
    return _to_recipient(data, ctx, "rsvp_waitlisted", "You are on the waiting list: {{ s.title }}")


@notifies("rsvp_repeated")
def _rsvp_repeated(data, ctx):
    return _to_recipient(data, ctx, "rsvp_repeated",
                         "{% if d.status == 'confirmed' %}You already have a place{% else %}"
                         "You are already on the waiting list{% endif %}: {{ s.title }}")


@notifies("rsvp_promoted")
def _rsvp_promoted(data, ctx):
    return _to_recipient(data, ctx, "rsvp_promoted", "A place opened up for you: {{ s.title }}")


@notifies("rsvp_cancelled")
def _rsvp_cancelled(data, ctx):
    return _to_recipient(data, ctx, "rsvp_cancelled", "Your reservation is cancelled: {{ s.title }}")


@notifies("screening_reminder_due")
def _screening_reminder(data, ctx):
    subject = "{% if d.reminder == 'day_before' %}Tomorrow{% else %}Today{% endif %}: {{ s.title }}"
    return _to_recipient(data, ctx, "screening_reminder", subject, kind=MailKind.REMINDER)


@notifies("screening_report_due")
def _screening_report_due(data, ctx):
    context = _screening_context(data, ctx, report_url=ctx.link(data.report_path))
    subject = "{% if d.final %}Last reminder{% else %}Reminder{% endif %}: " \
              "please file the report for {{ s.title }}"
    return _to_organisers(data, ctx, "screening_report_due", subject, context, kind=MailKind.REMINDER)


@notifies("screening_report_filed")
def _screening_report_filed(data, ctx):
    context = _screening_context(data, ctx, for_manager=True)
    subject = "Report filed: {{ s.title }} ({{ plural(d.head_count, 'attendee') }})"
    found = _to_managers(ctx, "screening_report_filed", subject, context, data.manager_emails)
    found.append(Notification("screening_report_filed", subject, data.screening.host.email,
                              {**context, "for_manager": False}, to_name=data.screening.host.name))
    return found


# --- Materials orders -------------------------------------------------------------------


@notifies("materials_ordered")
def _materials_ordered(data, ctx):
    context = _screening_context(data, ctx, queue_url=ctx.link(data.queue_path))
    subject = ("{% if d.late_warning %}Late: {% endif %}{% if d.amendment %}Amended{% else %}New{% endif %} "
               "materials order: {{ s.title }}")
    return _to_managers(ctx, "materials_ordered", subject, context, data.manager_emails)


@notifies("materials_cancelled")
def _materials_cancelled(data, ctx):
    context = _screening_context(data, ctx, queue_url=ctx.link(data.queue_path))
    return _to_managers(ctx, "materials_cancelled", "Do not ship: materials order cancelled for {{ s.title }}",
                        context, data.manager_emails)


@notifies("materials_sent")
def _materials_sent(data, ctx):
    context = _screening_context(data, ctx, manage_url=ctx.link(data.manage_path))
    return [Notification("materials_sent", "Your materials are on their way: {{ s.title }}",
                         data.ordered_by.email, context, to_name=data.ordered_by.name)]


# --- Feedback after the event -------------------------------------------------------------


@notifies("screening_feedback_requested")
def _screening_feedback_requested(data, ctx):
    # List-type (one-click unsubscribe): an attendee did not ask for this mail.
    return _to_recipient(data, ctx, "screening_feedback_requested", "How was it? {{ s.title }}",
                         kind=MailKind.REMINDER, feedback_url=ctx.link(data.feedback_path))


# Rapid response mail lives in its own module, registered here with the rest.
from . import urgent_notifications  # noqa: E402,F401
