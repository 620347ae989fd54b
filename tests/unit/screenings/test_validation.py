from datetime import datetime, timezone

import pytest

from services.runtime.errors import Conflict, Forbidden, ValidationFailed
from services.screenings.domain.details import Format, Kind, Visibility, validate_details
from services.screenings.domain.rules import HostRecord, check_schedule
from services.screenings.domain.screening import Status, register_screening
from services.screenings.domain.zones import STATE_TIME_ZONES, local_time_problem
from services.screenings.films import Audience

from .factories import HOST, NOW, TRUSTED_HOST, errors_by_field, raw_details

UTC = timezone.utc


def test_valid_film_screening():
    details = validate_details(raw_details())
    assert details.kind is Kind.FILM_SCREENING
    assert details.format is Format.COMMUNITY_SCREENING
    assert details.film_slug == "waking-in-oak-creek"
    assert details.title == "Waking in Oak Creek"  # defaults to the film's title
    assert details.time_zone == "America/Chicago"  # from the venue's state
    assert details.local_start == datetime(2026, 7, 15, 19, 0)
    assert details.start == datetime(2026, 7, 16, 0, 0, tzinfo=UTC)
    assert details.visibility is Visibility.PUBLIC
    assert details.audiences == (Audience.GENERAL_PUBLIC, Audience.LAW_ENFORCEMENT)


def test_guided_discussion_needs_no_film_but_a_title():
    raw = raw_details(kind="guided_discussion", format="roll_call", film=None)
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw)
    assert set(errors_by_field(excinfo)) == {"title"}
    details = validate_details({**raw, "title": "Recognising hate crimes at roll call"})
    assert details.film_slug is None and details.format is Format.ROLL_CALL


def test_film_screening_requires_a_film():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(film=None))
    assert "film" in errors_by_field(excinfo)


def test_unknown_film_names_the_field():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(film="no-such-film"))
    assert excinfo.value.errors == [{"field": "film", "message": "unknown film 'no-such-film'"}]


@pytest.mark.parametrize("fmt", ["community_screening", "roll_call", "academy", "school_program"])
def test_every_format_is_accepted(fmt):
    assert validate_details(raw_details(format=fmt)).format == fmt


def test_every_bad_field_is_reported_at_once():
    raw = raw_details(
        kind="webinar", format="party", capacity=0, audiences=["aliens"], visibility="secret",
        start="tomorrow", partners="not a list",
    )
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw)
    assert {"kind", "format", "capacity", "audiences", "visibility", "start", "partners"} <= set(
        errors_by_field(excinfo)
    )


@pytest.mark.parametrize("capacity", [0, -3, 1.5, "20", True, None])
def test_capacity_must_be_a_positive_whole_number(capacity):
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(capacity=capacity))
    assert set(errors_by_field(excinfo)) == {"capacity"}


def test_venue_parts_are_each_required():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue={"name": "Hall", "address": "", "city": "Springfield"}))
    assert {"venue.address", "venue.state"} <= set(errors_by_field(excinfo))


def test_unknown_state():
    venue = {"name": "Hall", "address": "1 Main St", "city": "Nowhere", "state": "ZZ"}
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=venue))
    assert set(errors_by_field(excinfo)) == {"venue.state"}


def test_venue_or_online_but_not_both_nor_neither():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=None))
    assert "venue" in errors_by_field(excinfo)
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(join_url="https://meet.example.org/abc"))
    assert "venue" in errors_by_field(excinfo)


def test_online_event_needs_a_zone_and_an_https_link():
    raw = raw_details(venue=None, join_url="https://meet.example.org/abc")
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw)
    assert set(errors_by_field(excinfo)) == {"time_zone"}
    details = validate_details({**raw, "time_zone": "America/Denver"})
    assert details.online and details.join_url == "https://meet.example.org/abc"
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details({**raw, "time_zone": "America/Denver", "join_url": "javascript:alert(1)"})
    assert set(errors_by_field(excinfo)) == {"join_url"}


def test_online_event_zone_defaults_from_a_single_zone_state():
    details = validate_details(raw_details(venue=None, join_url="https://meet.example.org/x", state="ga"))
    assert details.state == "GA" and details.time_zone == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "America/Chicago ", "../etc/passwd", "", 42])
def test_bad_time_zone(zone):
    raw = raw_details(time_zone=zone)
    if zone == "":
        assert validate_details(raw).time_zone == "America/Chicago"  # empty means "default"
        return
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw)
    assert "time_zone" in errors_by_field(excinfo)


MULTI_ZONE_STATES = ["TX", "FL", "TN", "KY", "IN", "MI", "KS", "NE", "SD", "ND", "ID", "OR", "AK", "AZ", "NV"]


@pytest.mark.parametrize("state", MULTI_ZONE_STATES)
def test_multi_zone_state_requires_an_explicit_zone(state):
    venue = {"name": "Hall", "address": "1 Main St", "city": "Town", "state": state}
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=venue))
    message = errors_by_field(excinfo)["time_zone"]
    assert "several time zones" in message and STATE_TIME_ZONES[state][0] in message
    for zone in STATE_TIME_ZONES[state]:
        assert validate_details(raw_details(venue=venue, time_zone=zone)).time_zone == zone


def test_zone_must_belong_to_the_state():
    venue = {"name": "Civic Center", "address": "1 Main St", "city": "El Paso", "state": "TX"}
    assert validate_details(raw_details(venue=venue, time_zone="America/Denver")).time_zone == "America/Denver"
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=venue, time_zone="America/New_York"))
    assert "not used in TX" in errors_by_field(excinfo)["time_zone"]


def test_single_zone_state_accepts_its_zone_explicitly():
    assert validate_details(raw_details(time_zone="America/Chicago")).time_zone == "America/Chicago"


@pytest.mark.parametrize(
    "state,zone",
    [("DC", "America/New_York"), ("PR", "America/Puerto_Rico"), ("GU", "Pacific/Guam"),
     ("VI", "America/St_Thomas"), ("AS", "Pacific/Pago_Pago"), ("MP", "Pacific/Saipan"),
     ("HI", "Pacific/Honolulu")],
)
def test_dc_and_territories_have_default_zones(state, zone):
    venue = {"name": "Hall", "address": "1 Main St", "city": "Town", "state": state}
    assert validate_details(raw_details(venue=venue)).time_zone == zone


def test_every_listed_zone_is_a_real_iana_zone():
    from zoneinfo import ZoneInfo

    for zones in STATE_TIME_ZONES.values():
        for zone in zones:
            ZoneInfo(zone)
    assert len(STATE_TIME_ZONES) == 50 + 1 + 5


def test_end_must_be_after_start():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(end="2026-07-15T18:00"))
    assert errors_by_field(excinfo) == {"end": "must be after the start"}
    with pytest.raises(ValidationFailed):
        validate_details(raw_details(end="2026-07-15T19:00"))


def test_times_are_local_wall_times_without_offsets():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(start="2026-07-15T19:00-05:00"))
    assert "without a UTC offset" in errors_by_field(excinfo)["start"]


def test_datetime_objects_are_accepted():
    details = validate_details(raw_details(start=datetime(2026, 7, 15, 19), end=datetime(2026, 7, 15, 20)))
    assert details.local_end == datetime(2026, 7, 15, 20)


def ny_venue():
    return {"name": "Village Hall", "address": "14 Baker St", "city": "Patchogue", "state": "NY"}


def test_dst_gap_is_rejected_with_an_explanation():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=ny_venue(), start="2026-03-08T02:30", end="2026-03-08T04:00"))
    message = errors_by_field(excinfo)["start"]
    assert "2026-03-08 02:30" in message and "America/New_York" in message
    assert "does not exist" in message and "02:00 to 03:00" in message and "EST to EDT" in message


def test_dst_overlap_is_rejected_with_an_explanation():
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(venue=ny_venue(), start="2026-11-01T00:30", end="2026-11-01T01:30"))
    message = errors_by_field(excinfo)["end"]
    assert "2026-11-01 01:30" in message and "America/New_York" in message
    assert "ambiguous" in message and "happens twice" in message and "EDT to EST" in message


@pytest.mark.parametrize(
    "local",
    [datetime(2026, 3, 8, 1, 59), datetime(2026, 3, 8, 3, 0), datetime(2026, 11, 1, 0, 59),
     datetime(2026, 11, 1, 2, 0)],
)
def test_times_just_outside_the_transitions_are_fine(local):
    assert local_time_problem(local, "America/New_York") is None


@pytest.mark.parametrize(
    "start,end,start_utc",
    [("2026-03-08T02:30", "2026-03-08T04:00", datetime(2026, 3, 8, 9, 30, tzinfo=UTC)),
     ("2026-11-01T01:30", "2026-11-01T02:30", datetime(2026, 11, 1, 8, 30, tzinfo=UTC))],
)
def test_zone_without_dst_accepts_those_wall_times(start, end, start_utc):
    venue = {"name": "Library", "address": "1 Central Ave", "city": "Phoenix", "state": "AZ"}
    details = validate_details(raw_details(venue=venue, time_zone="America/Phoenix", start=start, end=end))
    assert details.start == start_utc


def test_span_across_the_autumn_change_is_measured_in_real_time():
    details = validate_details(raw_details(venue=ny_venue(), start="2026-11-01T00:00", end="2026-11-01T03:00"))
    assert (details.end - details.start).total_seconds() == 4 * 3600


def test_cohost_ids_and_partners():
    details = validate_details(raw_details(cohost_ids=["leader-7", 8, "leader-7"], partners=["A school", "A school"]))
    assert details.cohost_ids == ("leader-7", "8")
    assert details.partners == ("A school",)
    with pytest.raises(ValidationFailed) as excinfo:
        validate_details(raw_details(cohost_ids=[None]))
    assert "cohost_ids" in errors_by_field(excinfo)


# --- rules that depend on the host, the clock and the calendar -------------------------


def test_host_must_be_an_active_leader():
    for host in (None, HostRecord("leader-9", "inactive"), HostRecord("leader-9", "pending")):
        with pytest.raises(Forbidden) as excinfo:
            register_screening(raw_details(), host=host, now=NOW)
        assert excinfo.value.field == "host"


def test_host_cannot_be_their_own_cohost():
    with pytest.raises(ValidationFailed) as excinfo:
        register_screening(raw_details(cohost_ids=[HOST.leader_id]), host=HOST, now=NOW)
    assert excinfo.value.field == "cohost_ids"


def test_event_in_the_past_is_rejected():
    with pytest.raises(ValidationFailed) as excinfo:
        register_screening(raw_details(start="2026-01-10T19:00", end="2026-01-10T21:00"), host=HOST, now=NOW)
    assert excinfo.value.field == "start"


def test_start_at_now_is_already_past():
    details = validate_details(raw_details())
    with pytest.raises(ValidationFailed):
        check_schedule(details, now=details.start)


def test_host_double_booking_is_a_conflict():
    busy = [(datetime(2026, 7, 16, 1, 30, tzinfo=UTC), datetime(2026, 7, 16, 3, 0, tzinfo=UTC))]
    with pytest.raises(Conflict) as excinfo:
        register_screening(raw_details(), host=HOST, now=NOW, host_busy=busy)
    assert excinfo.value.field == "start"


def test_back_to_back_events_are_not_double_booked():
    before = (datetime(2026, 7, 15, 22, 0, tzinfo=UTC), datetime(2026, 7, 16, 0, 0, tzinfo=UTC))
    after = (datetime(2026, 7, 16, 2, 0, tzinfo=UTC), datetime(2026, 7, 16, 4, 0, tzinfo=UTC))
    screening = register_screening(raw_details(), host=HOST, now=NOW, host_busy=[before, after])
    assert screening.status is Status.SUBMITTED


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        check_schedule(validate_details(raw_details()), now=datetime(2026, 1, 1))


def test_trusted_host_skips_approval():
    assert register_screening(raw_details(), host=TRUSTED_HOST, now=NOW).status is Status.SCHEDULED
    assert register_screening(raw_details(), host=HOST, now=NOW).status is Status.SUBMITTED
