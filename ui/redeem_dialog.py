"""Redeeming points against a bill: the bill in yuan, the points or their value in yuan (kept in step as either is
typed), the limits in words (minimum, the bill's share, the balance), then confirm with Enter.

On confirm the rules are checked here first (`quote_redemption`), then the server is asked to authorize the
redemption online (`sync.authorizer`, on a network worker, short timeout): approved → the entry is written as
authorized online under the id the server holds the points under; refused → the server's balance is shown and
nothing is written; no answer → the entry is written offline under the till's stand-in cap. Over the cap the
ledger refuses with OVER_OFFLINE_CAP: the cashier may ask a manager (`ApprovalDialog`) and the same redemption is
written again with `approver=`. The confirm button stays disabled while anything is in flight: one redemption.

Thread: GUI thread; authorization on a network worker (`ctx.ops.net`), the write on the database worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from localdb.errors import Problem, StoreError
from localdb.member_view import MemberView
from localdb.staff import StaffSession
from loyalty.points import (
    EarnProblem,
    EarnRefused,
    RedeemProblem,
    RedeemRefused,
    max_redeemable_points,
    points_for_cents,
    points_value_cents,
    quote_redemption,
)
from loyalty.roles import Permission
from sync.authorizer import Authorization, RedemptionAuthorizer, Verdict
from ui.context import AppContext
from ui.dialog_parts import key_for, with_key
from ui.gift_dialog import GIFT_KEY
from ui.member_action import MemberActionDialog
from widgets.display import points_text, yuan_text
from widgets.money_input import MoneyInput, parse_points

MAX_KEY = Qt.Key.Key_F3  # the redeem key again: F3, F3, Enter redeems the most


@dataclass(frozen=True, slots=True)
class _Attempt:
    """One redemption as confirmed: retried (after a manager's approval) under the same entry id."""

    points: int
    bill_cents: int
    value_cents: int
    authorization: Authorization | None = None


class RedeemDialog(MemberActionDialog):
    """`billAmount`, `redeemPoints`, `redeemYuan`, `redeemMaxButton`, `limitsLabel`, `authorizationStatus`,
    `approvalButton`, `confirmButton` (Enter), `errorLabel`. After a successful redemption: `result_entry`,
    `result_member`, `authorization`, accepted (and `ctx.hub.member_changed`)."""

    def __init__(self, ctx: AppContext, member: MemberView, *, parent: QWidget | None = None) -> None:
        super().__init__(ctx, member, name="redeemDialog", permission=Permission.REDEEM,
                         member_line_name="redeemMember", with_approval=True, parent=parent)  # fmt: skip
        self._rules = ctx.till.settings.current().rules
        self._available = member.available_points
        self._attempt: _Attempt | None = None
        self._status = ""  # which authorization words show: "", "asking", "online", "offline", "refused"
        self.authorization: Authorization | None = None
        # Offline (the server did not answer the last check, or this authorization), a cashier may redeem only what
        # is left of the stand-in cap without a manager: read at once, and shown with the limits before Enter.
        self._offline = ctx.sync.online is False
        self._cap_binds = not ctx.can(Permission.APPROVE)  # a manager's own redemption is approved by the manager
        self._cap_left: int | None = None

        self._bill_label = QLabel(self)
        self._points_label = QLabel(self)
        self._yuan_label = QLabel(self)
        self.bill_input = MoneyInput(parent=self)
        self.bill_input.setObjectName("billAmount")
        self.bill_input.textEdited.connect(self._inputs_changed)
        self.points_input = QLineEdit(self)
        self.points_input.setObjectName("redeemPoints")
        self.points_input.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.points_input.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.points_input.setMaxLength(15)
        self.points_input.setPlaceholderText("0")
        self.points_input.textEdited.connect(self._points_edited)
        self.yuan_input = MoneyInput(parent=self)
        self.yuan_input.setObjectName("redeemYuan")
        self.yuan_input.edited_cents.connect(self._yuan_edited)
        self.max_button = QPushButton(self)
        self.max_button.setObjectName("redeemMaxButton")
        self.max_button.setAutoDefault(False)
        self.max_button.clicked.connect(self._use_most)
        key_for(self.max_button, MAX_KEY)
        # 兑换礼品: the points for an item of the gift catalogue instead (the member page opens the gift dialog)
        self.wants_gifts = False
        self.gifts_button = QPushButton(self)
        self.gifts_button.setObjectName("redeemGiftsButton")
        self.gifts_button.setAutoDefault(False)
        self.gifts_button.clicked.connect(self._to_gifts)
        self.gifts_button.setShortcut(GIFT_KEY)

        # Typed or filled in (最大抵扣, the other field kept in step): a refusal is about what was there before.
        self.error_label.clear_when_changed(self.bill_input, self.points_input, self.yuan_input)

        self.limits_label = QLabel(self)
        self.limits_label.setObjectName("limitsLabel")
        self.limits_label.setWordWrap(True)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("authorizationStatus")
        self.status_label.setProperty("tone", "muted")
        self.status_label.setWordWrap(True)

        points_row = QHBoxLayout()
        points_row.addWidget(self.points_input, 1)
        points_row.addWidget(self.max_button)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.addRow(self._bill_label, self.bill_input)
        form.addRow(self._points_label, points_row)
        form.addRow(self._yuan_label, self.yuan_input)
        gifts_row = QHBoxLayout()
        gifts_row.addWidget(self.gifts_button)
        gifts_row.addStretch(1)
        self.lay_out(form, self.limits_label, self.status_label, gifts_row)
        self.setMinimumWidth(520)
        self.set_busy(False)
        self.retranslate()
        self.bill_input.setFocus()
        ctx.hub.online_changed.connect(self._online_changed)
        if self._cap_binds:
            actor, ledger, member_id = ctx.actor(), ctx.till.ledger, member.id
            ctx.ops.db(lambda: ledger.offline_cap_left(actor, member_id), self._cap_read, lambda _error: None,
                       owner=self)  # fmt: skip

    def inputs(self) -> Sequence[QWidget]:
        return (self.bill_input, self.points_input, self.yuan_input, self.max_button, self.gifts_button)

    def _to_gifts(self) -> None:
        self.wants_gifts = True
        self.reject()

    # -- language --------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Redeem points"))
        self.heading.setText(self.tr("Pay part of the bill with points"))
        self.member_line.setText(self.member_words())
        self._bill_label.setText(self.tr("Bill (yuan)"))
        self._points_label.setText(self.tr("Points"))
        self._yuan_label.setText(self.tr("Worth (yuan)"))
        self.max_button.setText(with_key(self.tr("Use the most"), MAX_KEY))
        self.gifts_button.setText(self.tr("Gifts for points… (Shift+F3)"))
        self._update_limits()
        self._update_status()
        super().retranslate()

    def confirm_words(self) -> str:
        return self.tr("Redeeming…") if self.busy else self.tr("Redeem (Enter)")

    # -- the figures, live -----------------------------------------------------------------------------------------

    def _points_edited(self, _text: str) -> None:
        try:
            points = parse_points(self.points_input.text())
        except RedeemRefused:
            self.yuan_input.set_cents(None)
        else:
            self.yuan_input.set_cents(points_value_cents(self._rules, points))
        self._inputs_changed()

    def _yuan_edited(self, cents: int | None) -> None:
        self.points_input.setText("" if cents is None else str(points_for_cents(self._rules, cents)))
        self._inputs_changed()

    def _use_most(self) -> None:
        if self.bill_input.cents_or_none() is None:  # the most depends on the bill: say so, where it is typed
            self.refuse(RedeemRefused(RedeemProblem.NO_BILL, "no bill"))
            return
        most = self._most()
        if most:
            self.points_input.setText(str(most))
            self.yuan_input.set_cents(points_value_cents(self._rules, most))
            self._inputs_changed()
        self.points_input.setFocus()

    def _most(self) -> int:
        bill = self.bill_input.cents_or_none()
        if bill is None:
            return 0
        cap = self._cap_now()
        return max_redeemable_points(self._rules, bill, self._available if cap is None else min(self._available, cap))

    def _cap_now(self) -> int | None:
        """The offline cap left for this member when it applies now (offline, a cashier, known); None otherwise."""
        return self._cap_left if self._offline and self._cap_binds else None

    def _cap_read(self, left: int) -> None:
        self._cap_left = left
        self._update_limits()

    def _online_changed(self, online: bool) -> None:
        self._offline = not online
        self._update_limits()

    def _inputs_changed(self) -> None:
        """Another redemption than the one refused or waiting for approval: start afresh."""
        self._attempt = None
        self.withdraw_approval()
        self.error_label.clear_error()
        if self._status in ("offline", "refused"):
            self._status = ""
            self._update_status()
        self._update_limits()

    def _update_limits(self) -> None:
        rules, available = self._rules, self._available
        minimum = points_text(rules.redeem_min_points)
        lines = [
            self.tr("At least %1 points at a time.").replace("%1", minimum)
            if rules.redeem_step_points == 1
            else self.tr("At least %1 points at a time, in steps of %2.")
            .replace("%1", minimum)
            .replace("%2", points_text(rules.redeem_step_points)),
        ]
        bill = self.bill_input.cents_or_none()
        if bill is None:
            lines.append(
                self.tr("Points pay at most %1 % of a bill: enter the bill to see how many.").replace(
                    "%1", str(rules.redeem_max_bill_pct)
                )
            )
        else:
            share = points_for_cents(rules, bill * rules.redeem_max_bill_pct // 100)
            lines.append(
                self.tr("This bill takes at most %1 points (%2 % of it).")
                .replace("%1", points_text(share))
                .replace("%2", str(rules.redeem_max_bill_pct))
            )
        lines.append(self.tr("Available: %1 point(s).", "", available).replace("%1", points_text(available)))
        cap = self._cap_now()
        if cap is not None:
            lines.append(
                self.tr("Offline: at most %1 more points for this member today without a manager.").replace(
                    "%1", points_text(cap)
                )
            )
        if bill is not None:
            most = self._most()
            lines.append(
                self.tr("Most now: %1 points (%2).")
                .replace("%1", points_text(most))
                .replace("%2", yuan_text(points_value_cents(rules, most)))
                if most
                else self.tr("Points cannot pay this bill.")
            )
        self.limits_label.setText("\n".join(lines))

    def _update_status(self) -> None:
        cap = points_text(self._rules.offline_redeem_cap_points)
        words = {
            "": "",
            "asking": self.tr("Asking the server to authorize…"),
            "online": self.tr("Authorized online."),
            "offline": self.tr(
                "The server does not answer: offline, a member may redeem up to %1 points a day at this till."
            ).replace("%1", cap),
            "refused": self.tr("Refused by the server."),
        }
        self.status_label.setText(words[self._status])
        self.status_label.setVisible(bool(self._status))

    # -- redeeming -------------------------------------------------------------------------------------------------

    def _read_attempt(self) -> _Attempt:
        """The redemption as typed, checked against the rules and the balance the till shows; raises the refusal."""
        try:
            bill_cents = self.bill_input.cents()
        except EarnRefused as refusal:
            if refusal.problem is EarnProblem.NOT_POSITIVE:
                raise RedeemRefused(RedeemProblem.NO_BILL, "no bill") from None
            raise
        points = parse_points(self.points_input.text())
        quote = quote_redemption(self._rules, points, bill_cents, self._available)
        return _Attempt(points=quote.points, bill_cents=bill_cents, value_cents=quote.value_cents)

    def confirm(self) -> None:
        try:
            attempt = self._read_attempt()
        except (RedeemRefused, EarnRefused) as refusal:
            self.refuse(refusal)
            return
        earlier = self._attempt
        # Asking again for the same redemption reuses its id: the server answers as before and holds the points once.
        entry_id = earlier.authorization.entry_id if earlier and earlier.authorization else None
        authorizer = RedemptionAuthorizer(self._ctx.till.sync, self._ctx.client_factory)
        member_id = self._member_id()
        self._status = "asking"
        self._update_status()
        self.ask_online(
            lambda: authorizer.authorize(member_id, attempt.points, attempt.value_cents, entry_id=entry_id),
            lambda answer: self._authorized(attempt, answer),
        )

    def _member_id(self) -> str:
        assert self._member is not None
        return self._member.id

    def _authorized(self, attempt: _Attempt, answer: Authorization) -> None:
        self.authorization = answer
        self._attempt = _Attempt(attempt.points, attempt.bill_cents, attempt.value_cents, answer)
        if answer.verdict is Verdict.REFUSED:
            self._status = "refused"
            self._update_status()
            self.refuse(answer.refusal())
            return
        self._status = "online" if answer.online else "offline"
        if not answer.online:
            self._offline = True  # the cap applies to this redemption, and to the figures shown from now on
        self._update_status()
        self._write(None)

    def _write(self, approver: StaffSession | None) -> None:
        attempt = self._attempt
        assert attempt is not None and attempt.authorization is not None
        authorization = attempt.authorization
        actor, ledger, member_id = self._ctx.actor(), self._ctx.till.ledger, self._member_id()
        self.write(
            lambda: ledger.redeem(
                actor,
                member_id,
                attempt.points,
                bill_cents=attempt.bill_cents,
                approver=approver,
                online_authorized=authorization.online,
                entry_id=authorization.entry_id,
            ),
            self.entry_written,
        )

    def refused(self, error: Exception) -> None:
        self.withdraw_approval()
        if isinstance(error, StoreError) and error.problem is Problem.OVER_OFFLINE_CAP and self._attempt is not None:
            self.offer_approval(self._write)  # a manager's approval writes the same redemption again
            return
        about_bill = isinstance(error, EarnRefused) or (
            isinstance(error, RedeemRefused) and error.problem is RedeemProblem.NO_BILL
        )
        field = self.bill_input if about_bill else self.points_input
        field.setFocus()
        field.selectAll()
