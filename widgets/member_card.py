"""The member card: everything the counter needs about a member at a glance. `MemberCard` owns how a member is
shown: name, masked phone, tier with the progress to the next, available points with this till's pending (unsynced)
points apart, the birthday-month badge, the segment, the tags by layer (named by the chain's insight rules in the
screen's language), what a guide could do for the member (the rules' suggested actions) and the top preferences of
each kind.

It takes data (a `MemberView`, the rules, the member's preferences, today's local date) and reads nothing itself.
Thread: GUI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from localdb.expiring import Expiring
from localdb.member_view import MemberView
from localdb.preferences import PreferenceView
from loyalty.coupons import HeldCoupon
from loyalty.insight import DEFAULT_INSIGHT_RULES, InsightRules
from loyalty.rules import PointsRules
from loyalty.tiers import is_birthday_month, tier_progress
from protocol.vocabulary import PreferenceKind
from widgets.display import (
    PREFERENCE_KINDS,
    birthday_text,
    chain_text,
    local_date_text,
    mark_member_data,
    points_text,
    preference_kind_name,
    segment_name,
    signed_points_text,
    suggested_actions,
    tags_text,
    tier_name,
    yuan_text,
)
from widgets.retranslating import Retranslating

TOP_PREFERENCES = 3


def top_preferences(
    preferences: Sequence[PreferenceView], per_kind: int = TOP_PREFERENCES
) -> dict[PreferenceKind, list[str]]:
    """The first `per_kind` values of each kind (the service lists newest first within a kind), in card order."""
    grouped: dict[PreferenceKind, list[str]] = {}
    for preference in preferences:
        values = grouped.setdefault(preference.kind, [])
        if len(values) < per_kind:
            values.append(preference.value)
    return {kind: grouped[kind] for kind in PREFERENCE_KINDS if kind in grouped}


@dataclass(frozen=True, slots=True)
class _Shown:
    view: MemberView
    rules: PointsRules
    preferences: tuple[PreferenceView, ...]
    today: date
    zone: tzinfo
    insight: InsightRules
    coupons: tuple[HeldCoupon, ...]
    expiring: Expiring | None


class MemberCard(Retranslating, QFrame):
    """objectName `memberCard`; `show_member(view, rules=..., preferences=..., today=...)` fills it."""

    def __init__(self, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberCard")
        self._shown: _Shown | None = None

        self.name_label = _label("memberName")
        self.birthday_badge = _label("birthdayBadge")
        self.birthday_badge.hide()
        self.phone_label = _label("memberPhone")
        self.tier_label = _label("tierLabel")
        self.segment_label = _label("segmentLabel")
        self.tier_progress = QProgressBar()
        self.tier_progress.setObjectName("tierProgress")
        self.tier_progress.setRange(0, 100)
        self.tier_progress.setTextVisible(False)  # the words go in the label below, not over the bar
        self.tier_next = _label("tierNext")
        self.tier_kept = _label("tierKeptUntil", wrap=True)  # how long the tier lasts without buying more
        self.details_label = _label("memberDetails")
        self.points_caption = _label("pointsCaption")
        self.points_balance = _label("pointsBalance")
        self.points_balance.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.points_caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.pending_points = _label("pendingPoints")
        self.pending_points.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.pending_points.hide()
        self.expiring_label = _label("expiringPoints")  # points about to expire: the member should spend them
        self.expiring_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.expiring_label.hide()
        self.tags_label = _label("tagsLabel", wrap=True)
        # The server's top 3 by 12-month spend: category names are chain data, shown as the POS wrote them.
        self.top_categories_label = _label("topCategoriesLabel", wrap=True)
        self.action_label = _label("suggestedAction", wrap=True)  # the chain's words, in the screen's language
        self.coupons_label = _label("couponsLabel", wrap=True)  # the coupons usable here today (the chain's names)
        self.preferences_label = _label("preferencesLabel", wrap=True)
        self.preferences_label.setTextFormat(Qt.TextFormat.PlainText)
        for data in (self.name_label, self.tags_label, self.top_categories_label, self.preferences_label):
            mark_member_data(data)

        title = QHBoxLayout()
        title.setSpacing(12)
        title.addWidget(self.name_label)
        title.addWidget(self.birthday_badge)
        title.addStretch(1)
        facts = QHBoxLayout()
        facts.setSpacing(16)
        for widget in (self.phone_label, self.tier_label, self.segment_label):
            facts.addWidget(widget)
        facts.addStretch(1)
        tier = QVBoxLayout()
        tier.setSpacing(4)
        tier.addWidget(self.tier_progress)
        tier.addWidget(self.tier_next)
        tier.addWidget(self.tier_kept)
        points = QVBoxLayout()
        points.setSpacing(0)
        points.addWidget(self.points_caption)
        points.addWidget(self.points_balance)
        points.addWidget(self.pending_points)
        points.addWidget(self.expiring_label)

        grid = QGridLayout(self)
        grid.setContentsMargins(20, 16, 20, 16)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        grid.addLayout(title, 0, 0)
        grid.addLayout(facts, 1, 0)
        grid.addLayout(tier, 2, 0)
        grid.addLayout(points, 0, 1, 3, 1)
        grid.addWidget(self.details_label, 3, 0, 1, 2)
        grid.addWidget(self.coupons_label, 4, 0, 1, 2)
        grid.addWidget(self.tags_label, 5, 0, 1, 2)
        grid.addWidget(self.action_label, 6, 0, 1, 2)
        grid.addWidget(self.top_categories_label, 7, 0, 1, 2)
        grid.addWidget(self.preferences_label, 8, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setRowStretch(9, 1)
        self.retranslate()

    # -- data ----------------------------------------------------------------------------------------------------

    def show_member(
        self,
        view: MemberView,
        *,
        rules: PointsRules,
        preferences: Sequence[PreferenceView],
        today: date,
        zone: tzinfo = UTC,
        insight: InsightRules = DEFAULT_INSIGHT_RULES,
        coupons: Sequence[HeldCoupon] = (),
        expiring: Expiring | None = None,
    ) -> None:
        """Show this member; `today` is the store's local date (for the birthday month), `zone` the store's time
        zone (the last visit is stored in UTC and shown as a local date), `insight` the chain's tag names and
        suggested actions, `coupons` those the member may use here today, `expiring` the points they lose soonest."""
        self._shown = _Shown(view, rules, tuple(preferences), today, zone, insight, tuple(coupons), expiring)
        self._render()

    def clear_member(self) -> None:
        self._shown = None
        self._render()

    @property
    def member_id(self) -> str | None:
        return None if self._shown is None else self._shown.view.id

    @property
    def large(self) -> bool:
        return bool(self.property("scale") == "large")

    def set_large(self, large: bool) -> None:
        """Larger type for the name, the balance and the facts (a wide screen); the stylesheet's
        `QFrame#memberCard[scale="large"]` rules say how large."""
        if large == self.large:
            return
        self.setProperty("scale", "large" if large else "normal")
        grid = self.layout()
        if isinstance(grid, QGridLayout):  # more air around the larger type
            grid.setContentsMargins(*((32, 28, 32, 28) if large else (20, 16, 20, 16)))
            grid.setVerticalSpacing(16 if large else 8)
        for widget in (self, *self.findChildren(QLabel)):  # a dynamic property takes effect on a repolish
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.updateGeometry()

    def _render(self) -> None:
        # One paint for the whole card, not one per child: QProgressBar.setValue repaints at once otherwise.
        self.setUpdatesEnabled(False)
        try:
            self._fill()
        finally:
            self.setUpdatesEnabled(True)

    def _fill(self) -> None:
        shown = self._shown
        self.points_caption.setText(self.tr("Available points"))
        if shown is None:
            labels = (self.name_label, self.phone_label, self.tier_label, self.segment_label, self.points_balance,
                      self.tier_next, self.details_label)  # fmt: skip
            for label in labels:
                label.clear()
            hidden = (self.birthday_badge, self.pending_points, self.tags_label, self.top_categories_label,
                      self.preferences_label, self.action_label, self.tier_kept, self.coupons_label,
                      self.expiring_label)  # fmt: skip
            for widget in hidden:
                widget.hide()
            self.tier_progress.setValue(0)
            return
        view, rules = shown.view, shown.rules
        self.name_label.setText(view.name)
        self.phone_label.setText(view.phone_masked)
        self.birthday_badge.setText(self.tr("Birthday month"))
        self.birthday_badge.setVisible(is_birthday_month(view.birthday, shown.today))
        self._render_tier(view, rules)
        self.segment_label.setText(segment_name(view.segment))
        self.segment_label.setVisible(bool(view.segment))
        self.details_label.setText(self._details(view, shown.zone))
        self.points_balance.setText(points_text(view.available_points))
        if view.pending_points:
            signed = signed_points_text(view.pending_points)
            self.pending_points.setText(self.tr("incl. %1 not yet synced").replace("%1", signed))
        self.pending_points.setVisible(view.pending_points != 0)
        expiring = shown.expiring
        if expiring is not None:
            text = self.tr("%1 points expire on %2").replace("%1", points_text(expiring.points))
            self.expiring_label.setText(text.replace("%2", expiring.on.isoformat()))
        self.expiring_label.setVisible(expiring is not None)
        separator = self.tr(", ")
        held = self.tr("%1 (until %2)")
        names = [held.replace("%1", chain_text(c.template.name)).replace("%2", c.last_day.isoformat())
                 for c in shown.coupons]  # fmt: skip
        self.coupons_label.setText(self.tr("Coupons: %1").replace("%1", separator.join(names)))
        self.coupons_label.setVisible(bool(names))
        self.tags_label.setText(self.tr("Tags: %1").replace("%1", tags_text(shown.insight, view.tags)))
        self.tags_label.setVisible(bool(view.tags))
        actions = suggested_actions(shown.insight, view.segment, view.tags)
        self.action_label.setText(self.tr("Suggested: %1").replace("%1", "\n".join(actions)))
        self.action_label.setVisible(bool(actions))
        frequent = self.tr("Frequent categories: %1").replace("%1", separator.join(view.top_categories))
        self.top_categories_label.setText(frequent)
        self.top_categories_label.setVisible(bool(view.top_categories))
        self.preferences_label.setText(self._preferences_text(shown.preferences, separator))
        self.preferences_label.show()

    def _render_tier(self, view: MemberView, rules: PointsRules) -> None:
        self.tier_label.setText(tier_name(rules, view.tier))
        progress = tier_progress(rules, view.spend_12m_cents)
        self.tier_progress.setValue(progress.percent)
        if progress.next is None:
            self.tier_next.setText(self.tr("Top tier"))
        else:
            text = self.tr("%1 more to %2").replace("%1", yuan_text(progress.needed_cents))
            self.tier_next.setText(text.replace("%2", tier_name(rules, progress.next.code)))
        kept = view.tier_kept_until  # the server's: a purchase since only makes it later
        if kept is not None:
            text = self.tr("Without a purchase, %1 is kept until %2").replace("%1", tier_name(rules, view.tier))
            self.tier_kept.setText(text.replace("%2", kept.isoformat()))
        self.tier_kept.setVisible(kept is not None)

    def _details(self, view: MemberView, zone: tzinfo) -> str:
        birthday = birthday_text(view.birthday) if view.birthday else self.tr("not given")
        visit = local_date_text(view.last_visit_at, zone) if view.last_visit_at else self.tr("none yet")
        return self.tr("Birthday %1 · Last visit %2").replace("%1", birthday).replace("%2", visit)

    def _preferences_text(self, preferences: Sequence[PreferenceView], separator: str) -> str:
        grouped = top_preferences(preferences)
        if not grouped:
            return self.tr("No preferences recorded yet.")
        line = self.tr("%1: %2")
        return "\n".join(
            line.replace("%1", preference_kind_name(kind)).replace("%2", separator.join(values))
            for kind, values in grouped.items()
        )

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._render()


def _label(name: str, *, wrap: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return label
