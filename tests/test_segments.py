"""RFM segments at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.segments import Segment, segment_for

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)


def seg(
    *, created: datetime = LONG_AGO, last_visit_days: int | None = None, visits: int = 0, spend: int = 0
) -> Segment:
    last = None if last_visit_days is None else NOW - timedelta(days=last_visit_days)
    return segment_for(now=NOW, created_at=created, last_visit_at=last, visits_90d=visits, spend_12m_cents=spend)


def test_frequent_big_spender_seen_lately_is_loyal() -> None:
    assert seg(last_visit_days=3, visits=4, spend=300_000) is Segment.HIGH_VALUE_LOYAL


def test_each_loyal_condition_is_needed() -> None:
    assert seg(last_visit_days=3, visits=3, spend=300_000) is Segment.POTENTIAL
    assert seg(last_visit_days=3, visits=4, spend=299_999) is Segment.POTENTIAL
    assert seg(last_visit_days=31, visits=4, spend=300_000) is Segment.POTENTIAL


def test_no_visit_for_ninety_days_is_dormant() -> None:
    assert seg(last_visit_days=90, visits=1, spend=10_000) is Segment.POTENTIAL
    assert seg(last_visit_days=91, visits=0, spend=10_000_000) is Segment.DORMANT
    assert seg() is Segment.DORMANT


def test_recently_enrolled_member_is_new_until_loyal() -> None:
    fresh = NOW - timedelta(days=10)
    assert seg(created=fresh) is Segment.NEW
    assert seg(created=fresh, last_visit_days=1, visits=5, spend=500_000) is Segment.HIGH_VALUE_LOYAL
