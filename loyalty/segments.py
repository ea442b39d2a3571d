"""RFM segments: which of the chain's member groups a member falls in, from recency (days since the last visit),
frequency (visits in the last 90 days) and monetary value (rolling 12-month spend). Pure; the server computes the
segment and the till shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Segment(StrEnum):
    HIGH_VALUE_LOYAL = "high_value_loyal"  # 高价值忠诚型
    POTENTIAL = "potential"  # 潜力培育型
    DORMANT = "dormant"  # 沉睡唤醒型
    NEW = "new"  # 新客


@dataclass(frozen=True, slots=True)
class SegmentThresholds:
    dormant_after_days: int = 90
    loyal_min_visits_90d: int = 4
    loyal_min_spend_cents: int = 300_000  # 3,000 yuan in the last 12 months
    loyal_max_recency_days: int = 30
    new_for_days: int = 30


DEFAULT_THRESHOLDS = SegmentThresholds()


def segment_for(
    *,
    now: datetime,
    created_at: datetime,
    last_visit_at: datetime | None,
    visits_90d: int,
    spend_12m_cents: int,
    thresholds: SegmentThresholds = DEFAULT_THRESHOLDS,
) -> Segment:
    """The member's segment now. A member enrolled in the last `new_for_days` is NEW until they qualify as loyal."""
    recent = last_visit_at is not None and now - last_visit_at <= timedelta(days=thresholds.loyal_max_recency_days)
    if recent and visits_90d >= thresholds.loyal_min_visits_90d and spend_12m_cents >= thresholds.loyal_min_spend_cents:
        return Segment.HIGH_VALUE_LOYAL
    if now - created_at <= timedelta(days=thresholds.new_for_days):
        return Segment.NEW
    if last_visit_at is None or now - last_visit_at > timedelta(days=thresholds.dormant_after_days):
        return Segment.DORMANT
    return Segment.POTENTIAL
