"""Rows <-> domain objects for urgent requests (rapid response), and the query of the
leaders nearest a place. Part of the room's repository layer: the unit of work in
repository.py holds `UrgentRequests` as `uow.urgent`.

First acceptor wins in the database too, whatever the domain saw: taking a request is a
conditional update (`state = 'offered'` to `'taken'`) that only one transaction can
make, and a unique index allows one accepted offer per request."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.runtime.errors import Conflict, NotFound
from services.runtime.places import Place, bounding_box, distance_miles

from ..models import LeaderRow, MentorshipRequestRow, TrainingCompletionRow, UrgentOfferRow, UrgentRequestRow
from .domain.lifecycle import RequestState
from .domain.matching import Candidate
from .domain.urgent import Located, UrgentDetails, UrgentOffer, UrgentOfferState, UrgentRequest, UrgentState
from .roster import MENTORING_MODULES

# Widening boxes around the incident: most requests find three leaders in the first.
SEARCH_MILES = (60.0, 250.0, None)


def _to_request(row: UrgentRequestRow, offer_rows) -> UrgentRequest:
    place = Place(f"{row.postal_code}", row.latitude, row.longitude, state=row.incident_state)
    details = UrgentDetails(
        requester_name=row.requester_name, organisation=row.organisation, role=row.role, email=row.email,
        phone=row.phone, postal_code=row.postal_code, place=place, state=row.incident_state,
        what_happened=row.what_happened, help_needed=row.help_needed)
    offers = tuple(UrgentOffer(o.leader_id, o.round, o.miles, o.offered_at, o.deadline, UrgentOfferState(o.state),
                               o.decided_at) for o in offer_rows)
    return UrgentRequest(details, row.created_at, id=row.id, state=UrgentState(row.state), offers=offers,
                         taken_by=row.taken_by, taken_at=row.taken_at)


class UrgentRequests:
    def __init__(self, session: Session):
        self.session = session
        self._loaded: dict[int, UrgentRequest] = {}

    def add(self, request: UrgentRequest, *, now: datetime) -> UrgentRequest:
        d = request.details
        row = UrgentRequestRow(
            requester_name=d.requester_name, organisation=d.organisation, role=d.role, email=d.email,
            phone=d.phone, postal_code=d.postal_code, incident_state=d.state, latitude=d.place.latitude,
            longitude=d.place.longitude, what_happened=d.what_happened, help_needed=d.help_needed,
            state=request.state.value, created_at=request.created_at, updated_at=now)
        self.session.add(row)
        self.session.flush()
        stored = UrgentRequest(d, request.created_at, id=row.id, state=request.state)
        self._loaded[row.id] = stored
        return stored

    def get(self, request_id: int, *, lock: bool = True) -> UrgentRequest:
        row = self.session.get(UrgentRequestRow, request_id, with_for_update=lock, populate_existing=True)
        if row is None:
            raise NotFound(f"no urgent request with id {request_id}", field="request_id")
        offer_rows = self.session.execute(
            sa.select(UrgentOfferRow).where(UrgentOfferRow.request_id == request_id)
            .order_by(UrgentOfferRow.round, UrgentOfferRow.miles, UrgentOfferRow.id)
            .execution_options(populate_existing=True)).scalars().all()
        request = _to_request(row, offer_rows)
        self._loaded[request_id] = request
        return request

    def save(self, after: UrgentRequest, *, now: datetime) -> None:
        """Write the difference from what was loaded. Taking the request is the conditional
        update: Conflict when another transaction took it first."""
        before = self._loaded[after.id]
        table = UrgentRequestRow.__table__
        guard = [table.c.id == after.id]
        if after.state == UrgentState.TAKEN and before.state != UrgentState.TAKEN:
            guard.append(table.c.state == UrgentState.OFFERED.value)
        changed = self.session.execute(
            sa.update(table).where(*guard).values(state=after.state.value, taken_by=after.taken_by,
                                                   taken_at=after.taken_at, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise Conflict("cannot accept: another leader already took this urgent request")
        old = {(o.leader_id, o.round): o for o in before.offers}
        offers = UrgentOfferRow.__table__
        for offer in after.offers:
            known = old.get((offer.leader_id, offer.round))
            if known is None:
                self.session.execute(sa.insert(offers).values(
                    request_id=after.id, leader_id=offer.leader_id, round=offer.round, miles=offer.miles,
                    state=offer.state.value, offered_at=offer.offered_at, deadline=offer.deadline,
                    decided_at=offer.decided_at))
            elif known != offer:
                self.session.execute(sa.update(offers).where(
                    offers.c.request_id == after.id, offers.c.leader_id == offer.leader_id)
                    .values(state=offer.state.value, decided_at=offer.decided_at))
        self.session.flush()
        self._loaded[after.id] = after

    def waiting(self) -> list[int]:
        """Ids of the urgent requests nobody was left to offer to, oldest first."""
        table = UrgentRequestRow.__table__.c
        return list(self.session.execute(
            sa.select(table.id).where(table.state == UrgentState.WAITING.value).order_by(table.id)).scalars())

    def for_leader(self, leader_id: int) -> list[int]:
        """Ids of the urgent requests offered to a leader, newest first."""
        return list(self.session.execute(
            sa.select(UrgentOfferRow.request_id).where(UrgentOfferRow.leader_id == leader_id)
            .order_by(UrgentOfferRow.request_id.desc())).scalars())


def nearest_located(session: Session, latitude: float, longitude: float, *, today: date,
                    exclude: frozenset[int], enough: int) -> list[Located]:
    """Eligible leaders with a known place around a point, read through the box around
    the smallest circle of SEARCH_MILES that holds `enough` of them (then nobody outside
    the circle can be nearer than those inside), else every one in the country."""
    found: list[Located] = []
    for miles in SEARCH_MILES:
        if miles is None:
            return load_located(session, today=today, exclude=exclude, box=None)
        found = load_located(session, today=today, exclude=exclude,
                             box=bounding_box(latitude, longitude, miles))
        inside = sum(1 for f in found if distance_miles(latitude, longitude, f.latitude, f.longitude) <= miles)
        if inside >= enough:
            return found
    return found


def load_located(session: Session, *, today: date, exclude: frozenset[int],
                 box: tuple[float, float, float, float] | None) -> list[Located]:
    leader = LeaderRow.__table__.c
    current_load = (
        sa.select(sa.func.count()).where(MentorshipRequestRow.state == RequestState.ACCEPTED.value,
                                         MentorshipRequestRow.leader_id == leader.id)
        .scalar_subquery())
    trained = [sa.exists().where(TrainingCompletionRow.leader_id == leader.id, TrainingCompletionRow.module == m)
               for m in sorted(MENTORING_MODULES)]
    query = (
        sa.select(leader.id, leader.name, leader.state, leader.max_mentees, leader.latitude, leader.longitude,
                  current_load.label("load"))
        .where(leader.status == "active", leader.latitude.is_not(None), leader.longitude.is_not(None),
               sa.or_(leader.away_until.is_(None), leader.away_until <= today),
               leader.max_mentees > current_load, *trained))
    if exclude:
        query = query.where(leader.id.not_in(sorted(exclude)))
    if box is not None:
        south, north, west, east = box
        query = query.where(leader.latitude.between(south, north), leader.longitude.between(west, east))
    return [Located(Candidate(leader_id=i, name=name, state=state, region="", expertise=frozenset(),
                              trained_for_mentoring=True, max_mentees=cap, current_load=load), lat, lon)
            for i, name, state, cap, lat, lon, load in session.execute(query)]
