"""The insight rules document and what it decides, with no database: the JSON form round-trips and every mistake a
chain can make in it is refused naming the field; a tag holds only when all its clauses hold and never on a figure
the member does not have; RFM quintiles put equal values together; the tier's downgrade grace."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from loyalty.clock import store_zone
from loyalty.insight import (
    DEFAULT_INSIGHT_RULES,
    InsightRules,
    InvalidInsightRules,
    MemberFigures,
    quintile_cuts,
    quintile_score,
)
from loyalty.rules import DEFAULT_RULES
from loyalty.tiers import tier_after_change, tier_kept_until, tier_with_grace

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(DEFAULT_INSIGHT_RULES.to_dict()))
    return document


def test_the_default_document_round_trips_through_json() -> None:
    assert InsightRules.from_dict(_document()) == DEFAULT_INSIGHT_RULES
    layers = {tag.layer.value for tag in DEFAULT_INSIGHT_RULES.tags}
    assert layers == {"basic", "behaviour", "prediction"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda d: d.pop("tags"), "tags", "missing"),
        (lambda d: d.update(extra=1), "extra", "not a field"),
        (lambda d: d.update(version=0), "version", "between"),
        (lambda d: d.update(tier_grace_days=True), "tier_grace_days", "integer"),
        (lambda d: d["segments"].update(dormant_after_days="90"), "segments.dormant_after_days", "integer"),
        (lambda d: d["segment_actions"].update(vip={"zh_CN": "x", "en": "x"}), "segment_actions.vip", "not a field"),
        (lambda d: d["tags"][0]["name"].pop("en"), "tags[0].name.en", "missing"),
        (lambda d: d["tags"][0]["name"].update(zh_CN=" 生日 "), "tags[0].name.zh_CN", "spaces"),
        (lambda d: d["tags"][0].update(layer="mood"), "tags[0].layer", "one of"),
        (lambda d: d["tags"][0].update(when=[]), "tags[0].when", "non-empty"),
        (lambda d: d["tags"][0]["when"][0].update(figure="shoe_size"), "tags[0].when[0].figure", "one of"),
        (lambda d: d["tags"][0]["when"][0].update(op="~"), "tags[0].when[0].op", "one of"),
        (lambda d: d["tags"][0]["when"][0].update(value=1.5), "tags[0].when[0].value", "integer"),
        (lambda d: d["tags"][5]["when"][0].pop("category"), "tags[5].when[0].category", "missing"),
        (lambda d: d["tags"][0]["when"][0].update(category="母婴"), "tags[0].when[0].category", "only for"),
        (lambda d: d["tags"][11]["when"][0].update(op=">="), "tags[11].when[0].op", "==, !="),
        (lambda d: d["tags"][1].update(code=d["tags"][0]["code"]), "tags", "used twice"),
    ],
)
def test_every_mistake_in_the_document_is_refused_by_name(change: Any, field: str, words: str) -> None:
    document = _document()
    change(document)
    with pytest.raises(InvalidInsightRules) as refused:
        InsightRules.from_dict(document)
    assert refused.value.field == field and words in str(refused.value)


def test_a_tag_needs_every_clause_and_never_guesses_a_missing_figure() -> None:
    rules = DEFAULT_INSIGHT_RULES
    churn = MemberFigures(m_score=5, recency_days=60, days_since_enrol=400)
    assert rules.tags_for(churn) == ["churn_risk"]
    assert rules.tags_for(MemberFigures(m_score=5, recency_days=40, days_since_enrol=400)) == []
    assert rules.tags_for(MemberFigures(m_score=5, recency_days=None, days_since_enrol=400)) == []  # never came
    mother = MemberFigures(days_since_enrol=400, category_share_pct={"母婴": 30, "生鲜": 70})
    assert rules.tags_for(mother) == ["mother_baby", "fresh_food"]
    assert rules.tags_for(MemberFigures(days_since_enrol=400, age_years=None, birthday_in_days=None)) == []
    birthday = MemberFigures(days_since_enrol=400, age_years=61, birthday_in_days=14)
    assert rules.tags_for(birthday) == ["birthday_soon", "silver"]
    tag = rules.tag("birthday_soon")
    assert tag is not None and tag.action is not None and tag.name.in_language("en_US") == "Birthday soon"
    assert tag.name.in_language("zh_CN") == "生日临近"


def test_quintiles_rank_a_chain_and_keep_equal_values_together() -> None:
    spend = list(range(1, 101))
    cuts = quintile_cuts(spend)
    assert cuts == (21, 41, 61, 81)
    assert [quintile_score(v, cuts) for v in (1, 21, 22, 41, 60, 81, 82, 100)] == [1, 1, 2, 2, 3, 4, 5, 5]
    assert [quintile_score(v, cuts, lower_is_better=True) for v in (1, 21, 22, 81, 82)] == [5, 5, 4, 2, 1]
    flat = quintile_cuts([0] * 50 + [500])
    assert quintile_score(0, flat) == 1 and quintile_score(500, flat) == 5
    assert quintile_cuts([]) == () and quintile_score(7, ()) == 3


def test_the_tier_moves_down_only_after_the_grace() -> None:
    grace = 30
    assert tier_with_grace(DEFAULT_RULES, "gold", 0, None, NOW, grace) == ("gold", NOW)  # the grace starts
    later = NOW + timedelta(days=29, hours=23)
    assert tier_with_grace(DEFAULT_RULES, "gold", 0, NOW, later, grace) == ("gold", NOW)
    assert tier_with_grace(DEFAULT_RULES, "gold", 300_000, NOW, NOW + timedelta(days=30), grace) == ("silver", None)
    assert tier_with_grace(DEFAULT_RULES, "gold", 900_000, NOW, later, grace) == ("gold", None)  # back: grace over
    assert tier_with_grace(DEFAULT_RULES, "silver", 900_000, None, NOW, grace) == ("gold", None)  # up at once
    assert tier_with_grace(DEFAULT_RULES, "diamond", 0, None, NOW, grace) == ("normal", None)  # a tier now gone
    assert tier_with_grace(DEFAULT_RULES, "gold", 0, None, NOW, 0) == ("normal", None)  # no grace


def test_a_sale_or_return_keeps_the_grace_only_while_it_runs() -> None:
    assert tier_after_change(DEFAULT_RULES, "gold", NOW, "silver") == ("gold", NOW)  # in grace: kept
    assert tier_after_change(DEFAULT_RULES, "gold", NOW, "gold") == ("gold", None)  # reached again
    assert tier_after_change(DEFAULT_RULES, "gold", None, "silver") == ("silver", None)  # a return: at once
    assert tier_after_change(DEFAULT_RULES, "silver", NOW, "platinum") == ("platinum", None)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_tier_is_kept_until_enough_purchases_leave_the_12_months_plus_the_grace() -> None:
    shanghai = store_zone()
    now = _utc("2026-12-03 04:00")
    purchases = [(_utc("2026-02-10 06:00"), 5_000_00), (_utc("2026-05-20 17:00"), 2_000_00),
                 (_utc("2026-11-30 03:00"), 2_500_00)]  # fmt: skip
    # Gold from 8,000: 9,500 now; without the first purchase 4,500, below gold from 2027-02-10 14:00 in Shanghai
    assert tier_kept_until(DEFAULT_RULES, "gold", purchases, None, now, 30, shanghai) == date(2027, 3, 12)
    # Silver from 2,000: the last purchase alone keeps it, until it leaves on 2027-11-30 (11:00 in Shanghai)
    assert tier_kept_until(DEFAULT_RULES, "silver", purchases, None, now, 0, shanghai) == date(2027, 11, 30)
    # In the grace since a refresh: the refresh 30 days later moves the member down, the day before is the last
    in_grace = tier_kept_until(DEFAULT_RULES, "gold", purchases, _utc("2026-12-01 18:30"), now, 30, shanghai)
    assert in_grace == date(2026, 12, 31)
    assert tier_kept_until(DEFAULT_RULES, "normal", purchases, None, now, 30, shanghai) is None  # nothing to lose
    # Already below (no refresh has seen it yet): from today
    assert tier_kept_until(DEFAULT_RULES, "platinum", purchases, None, now, 30, shanghai) == date(2027, 1, 2)
    # A purchase on 29 February leaves the window on 1 March
    leap = [(_utc("2028-02-29 02:00"), 9_000_00)]
    assert tier_kept_until(DEFAULT_RULES, "gold", leap, None, _utc("2028-03-01 00:00"), 0, UTC) == date(2029, 3, 1)
