import pytest

from services.leaders.domain.expertise import parse_expertise
from services.leaders.domain.leader import PROFILE_FIELDS, Leader, changed_fields
from services.leaders.schemas import ApplicationDecision, CoverageQuery, DirectoryQuery, mapping, validated
from services.runtime.errors import ValidationFailed


def test_paging_defaults_and_offset():
    query = validated(DirectoryQuery, page=3, limit=20)
    assert (query.page, query.limit, query.offset) == (3, 20, 40)
    assert validated(DirectoryQuery).offset == 0


@pytest.mark.parametrize("values, fields", [
    ({"page": 0}, {"page"}),
    ({"limit": 201}, {"limit"}),
    ({"page": "2"}, {"page"}),
    ({"page": 0, "limit": 0}, {"page", "limit"}),
    ({"colour": "red"}, {"colour"}),
    ({"expertise": [1]}, {"expertise"}),
])
def test_bad_paging_names_each_field(values, fields):
    with pytest.raises(ValidationFailed) as refused:
        validated(DirectoryQuery, **values)
    assert {e["field"] for e in refused.value.errors} == fields


def test_decisions_take_a_positive_id_and_a_strict_confirmation():
    manager = {"role": "manager", "account_id": 17}
    assert validated(ApplicationDecision, application_id=4, actor=manager).decided_by == "manager:17"
    assert validated(ApplicationDecision, application_id=4).decided_by is None
    for values in ({"application_id": 0}, {"application_id": "4"}, {"application_id": True},
                   {"application_id": 4, "confirm_over_target": "yes"}, {"application_id": 4, "manager_id": 17},
                   {"application_id": 4, "actor": "17"}, {"application_id": 4, "actor": {"role": "admin"}}):
        with pytest.raises(ValidationFailed):
            validated(ApplicationDecision, **values)


def test_coverage_date_is_parsed_from_iso_text():
    assert validated(CoverageQuery, as_of="2025-03-10").as_of.isoformat() == "2025-03-10"
    with pytest.raises(ValidationFailed) as refused:
        validated(CoverageQuery, as_of="10/03/2025")
    assert refused.value.field == "as_of"


def test_mapping_refuses_non_objects():
    assert mapping({"a": 1}, "changes") == {"a": 1}
    with pytest.raises(ValidationFailed) as refused:
        mapping(["a"], "changes")
    assert refused.value.field == "changes"


def test_parse_expertise_accepts_slugs_and_labels_and_names_the_field():
    assert parse_expertise("School safety; prosecution") == ("prosecution", "school-safety")
    assert parse_expertise(["lgbtq-liaison"]) == ("lgbtq-liaison",)
    with pytest.raises(ValidationFailed) as refused:
        parse_expertise(["juggling"])
    assert refused.value.field == "expertise" and "juggling" in refused.value.message


def test_profile_fields_cover_every_changeable_field():
    before = Leader(name="A", agency="B", title="C", email="a@b.gov", state="OH")
    after = Leader(name="Z", agency="Y", title="X", email="z@y.gov", state="WI", phone="+16145550100",
                   expertise=("prosecution",), bio="bio", max_mentees=5, trusted_host=True, status="inactive")
    assert set(changed_fields(before, after)) <= set(PROFILE_FIELDS)
    assert "away_until" in PROFILE_FIELDS and "status" in PROFILE_FIELDS
