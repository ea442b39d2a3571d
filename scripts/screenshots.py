"""Renders each main screen of the counter app, in Chinese and in English, with the window at 1366 x 768 and at
1920 x 1080 (the tills it runs on), into docs/screenshots/<lang>/<width>x<height>/.

A real demo chain (the embedded server with demo members), a till registered and synced with it, a few points
awarded and redeemed so the lists have content; then each screen is shown offscreen and grabbed. Run it after a
visible change and look at every picture: a cut-off label or an empty panel is a bug.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py           # every screen
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --pos     # only the POS sale's (12-16)
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --returns # only the return's (17-19)
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py --benefits # only issue 18's (22-24)

The POS sale's screens use a `PendingSales` whose commit writes through the till's ledger and a stand-in for
`posapi`'s server (nothing listens): they show the counter's side, not the POS interface itself.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from localdb.models import Member as TillMember  # noqa: E402
from localdb.staff import StaffSession  # noqa: E402
from localdb.till import Till  # noqa: E402
from posapi.pending import PendingSale, PendingSales, SaleOutcome  # noqa: E402
from protocol.wire import SaleLine  # noqa: E402
from server.demo import DEMO_STAFF  # noqa: E402
from server.embedded import DEMO_STORE, EmbeddedServer  # noqa: E402
from server.models import LedgerEntry, Member  # noqa: E402
from slip.printers import PrinterKind  # noqa: E402
from sync.registration import register_till  # noqa: E402
from ui.app import application, build_context  # noqa: E402
from ui.award_dialog import AwardDialog  # noqa: E402
from ui.chain_history import HistoryStatus  # noqa: E402
from ui.context import AppContext  # noqa: E402
from ui.enrol_dialog import EnrolDialog  # noqa: E402
from ui.gift_dialog import GiftDialog  # noqa: E402
from ui.give_coupon_dialog import GiveCouponDialog  # noqa: E402
from ui.i18n import Language, Translations  # noqa: E402
from ui.login_dialog import LoginDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.member_code_dialog import CodeState, MemberCodePanel  # noqa: E402
from ui.pos_api import PosApi, PosBackend, PosState  # noqa: E402
from ui.pos_settings_dialog import PosSettingsDialog  # noqa: E402
from ui.printer_dialog import PrinterDialog  # noqa: E402
from ui.redeem_dialog import RedeemDialog  # noqa: E402
from ui.registration_dialog import RegistrationDialog  # noqa: E402
from ui.return_dialog import ReturnDialog  # noqa: E402
from ui.reverse_dialog import ReverseDialog  # noqa: E402

PINS = {person.code: person.pin for person in DEMO_STAFF}
OUT = ROOT / "docs" / "screenshots"
SIZES = ((1366, 768), (1920, 1080))


def wait_until(app: QApplication, done: Callable[[], bool], timeout_ms: int = 30_000) -> None:
    waited = 0
    while not done():
        app.processEvents()
        QTest.qWait(20)
        waited += 20
        if waited > timeout_ms:
            raise TimeoutError("the screen did not get there")


def wait_for_history(app: QApplication, ctx: AppContext, member_id: str) -> None:
    """Until the member's chain purchase history has come from the server (asked when the card opened)."""
    wait_until(app, lambda: ctx.history.status(member_id) not in (None, HistoryStatus.FETCHING))
    settle(app)


def settle(app: QApplication) -> None:
    for _ in range(5):
        app.processEvents()
        QTest.qWait(20)


def shoot(widget: QWidget, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(path))
    print(path.relative_to(ROOT))


def type_into(widget: QWidget, name: str, text: str) -> None:
    field = widget.findChild(QLineEdit, name)
    assert field is not None, name
    field.setFocus()
    if text.isascii():
        QTest.keyClicks(field, text)
    else:  # QTest types ASCII only; an input method commits Chinese text whole like this
        field.insert(text)


def shoot_language(
    app: QApplication,
    ctx: AppContext,
    translations: Translations,
    folder: Path,
    member_id: str,
    size: tuple[int, int],
    run: int,
    elsewhere: str,
) -> None:
    """Every screen in the current language with the main window at `size`; `run` keeps this run's new member
    apart from the other runs' (a phone can be enrolled once)."""
    language = translations.language
    out = OUT / language.value / f"{size[0]}x{size[1]}"
    till = ctx.till
    server_down_till = Till.open(folder / f"new-till-{language.value}-{run}.sqlite3")
    registration = RegistrationDialog(build_context(server_down_till))
    registration.show()
    settle(app)
    shoot(registration, out / "01-registration.png")
    registration.close()
    server_down_till.close()

    ctx.log_out()
    login = LoginDialog(ctx)
    login.show()
    type_into(login, "staffCode", "C001")
    settle(app)
    shoot(login, out / "02-login.png")
    login.close()

    ctx.log_in(till.staff.login("C001", PINS["C001"]))
    window = MainWindow(ctx, translations)
    window.setWindowState(Qt.WindowState.WindowNoState)  # the offscreen screen is not the till's: its size, exactly
    window.resize(*size)
    window.show()
    settle(app)
    view = till.members.get(ctx.actor(), member_id)
    lookup = window.lookup_page.findChild(QLineEdit, "lookupInput")
    assert lookup is not None
    lookup.setFocus()
    QTest.keyClicks(lookup, view.phone_tail)
    QTest.keyClick(lookup, Qt.Key.Key_Return)
    settle(app)
    shoot(window, out / "03-lookup-candidates.png")

    window.show_member(member_id)
    wait_for_history(app, ctx, member_id)
    shoot(window, out / "04-member-card.png")

    award = AwardDialog(ctx, view, parent=window)
    award.show()
    type_into(award, "awardAmount", "268.50")
    type_into(award, "receiptNumber", "R20261123-0042")
    settle(app)
    shoot(award, out / "05-award.png")
    award.close()

    redeem = RedeemDialog(ctx, view, parent=window)
    redeem.show()
    type_into(redeem, "billAmount", "300")
    type_into(redeem, "redeemPoints", "500")
    settle(app)
    shoot(redeem, out / "06-redeem.png")
    redeem.close()

    reverse = ReverseDialog(ctx, view, parent=window)
    reverse.show()
    settle(app)
    shoot(reverse, out / "07-reverse.png")
    reverse.close()

    enrol = EnrolDialog(ctx, phone="", parent=window)
    enrol.show()
    type_into(enrol, "enrolPhone", f"139 0000 7{710 + run}")
    type_into(enrol, "enrolName", "周晓梅" if language is Language.ZH_CN else "Zhou Xiaomei")
    settle(app)
    shoot(enrol, out / "08-enrol-form.png")
    QTest.keyClick(enrol, Qt.Key.Key_Return)
    panel = enrol.findChild(MemberCodePanel)
    assert panel is not None
    wait_until(app, lambda: panel.state is CodeState.SHOWN)  # the code came back from the server and is painted
    settle(app)
    shoot(enrol, out / "09-enrol-qr.png")
    enrol.close()

    ctx.log_in(till.staff.login("G001", PINS["G001"]))
    window.show_preferences(member_id)
    wait_for_history(app, ctx, member_id)
    shoot(window, out / "10-preferences-guide.png")
    window.show_member(elsewhere)  # the guide opens the card of a member who last bought at the other store
    wait_for_history(app, ctx, elsewhere)
    shoot(window, out / "13-member-card-top-categories.png")
    window.show_preferences(elsewhere)
    settle(app)
    shoot(window, out / "14-chain-history.png")
    window.show_warnings()  # 需关注会员: the demo's refresh put the store's drifting members on it
    settle(app)
    shoot(window, out / "20-warnings.png")
    window.show_board()  # 会员看板: the figures the last sync brought
    settle(app)
    shoot(window, out / "21-board.png")

    ctx.log_in(till.staff.login("M001", PINS["M001"]))
    window.show_sync()
    window.sync_page.sync_now()
    wait_until(app, lambda: not ctx.sync.running)
    settle(app)
    shoot(window, out / "11-sync-day-end.png")

    printer = PrinterDialog(ctx, parent=window)  # 打印机设置, a manager's; a network printer being set up
    printer.show()
    printer.kind.setCurrentIndex(printer.kind.findData(PrinterKind.NETWORK))
    type_into(printer, "printerHost", "192.168.1.87")
    settle(app)
    shoot(printer, out / "12-printer-settings.png")
    printer.close()
    window.close()


def benefits_member(till: Till) -> str:
    """A demo member with coupons and points about to expire (the demo's birthday / win-back coupons and its 18
    months of points), the richest such: the card, the gifts and the manager's coupon are shot for them."""
    with till.db.read() as session:
        return session.scalars(
            select(TillMember.id)
            .where(TillMember.coupons != [], TillMember.expiring_points > 0)
            .order_by(TillMember.balance_synced.desc(), TillMember.id)
            .limit(1)
        ).one()


def shoot_benefits(app: QApplication, ctx: AppContext, translations: Translations, member_id: str,
                   size: tuple[int, int]) -> None:  # fmt: skip
    """Issue 18 at the counter: the card with the member's coupons and expiring points (a manager's view, with 发券),
    the gift dialog with one gift chosen, and the manager's coupon dialog."""
    out = OUT / translations.language.value / f"{size[0]}x{size[1]}"
    till = ctx.till
    ctx.log_in(till.staff.login("M001", PINS["M001"]))
    window = MainWindow(ctx, translations)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(*size)
    window.show()
    window.show_member(member_id)
    wait_for_history(app, ctx, member_id)
    shoot(window, out / "22-member-card-benefits.png")
    view = till.members.get(ctx.actor(), member_id)
    gifts = GiftDialog(ctx, view, parent=window)
    gifts.show()
    gifts.gift_list.setCurrentRow(0)
    settle(app)
    shoot(gifts, out / "23-gifts.png")
    gifts.close()
    give = GiveCouponDialog(ctx, view, parent=window)
    give.show()
    give.template_list.setCurrentRow(0)
    settle(app)
    shoot(give, out / "24-give-coupon.png")
    give.close()
    window.close()


def shopper_at_the_other_store(server: EmbeddedServer) -> str:
    """A member with top categories whose latest purchase was at the other demo store (S002), one above the first
    tier if there is one (the card then says until when the tier is kept)."""
    assert server.db is not None
    with server.db.read() as session:
        rows = session.execute(
            select(LedgerEntry.member_id, LedgerEntry.store_code, Member.tier_kept_until.is_not(None))
            .join(Member, Member.id == LedgerEntry.member_id)
            .where(LedgerEntry.kind == "earn", Member.top_categories != [])
            .order_by(LedgerEntry.member_id, LedgerEntry.created_at.desc())
        ).all()
    latest: dict[str, tuple[str, bool]] = {}
    for member, store, tiered in rows:
        latest.setdefault(member, (store, bool(tiered)))
    elsewhere = [(not tiered, member) for member, (store, tiered) in latest.items() if store == "S002"]
    return min(elsewhere)[1]


class _NotServing:
    def stop(self) -> None:
        pass


def _pos_sale(receipt_no: str) -> PendingSale:
    """A supermarket basket: 12 items for ¥356.00 (a weighed line counts once)."""
    rows = (("牛奶 1L", "fresh food", 2000, 10_000), ("车厘子", "fresh food", 350, 5_600),
            ("抽纸 10 包", "household", 9000, 20_000))  # fmt: skip
    lines = tuple(
        SaleLine(
            line_no=n, sku=f"69{n:011d}", name=name, category=category, quantity_milli=quantity, amount_cents=cents
        )
        for n, (name, category, quantity, cents) in enumerate(rows, start=1)
    )
    return PendingSale(receipt_no=receipt_no, total_cents=35_600, lines=lines, points_to_redeem=0,
                       started_at=datetime.now(UTC))  # fmt: skip


def shoot_pos(app: QApplication, ctx: AppContext, translations: Translations, member_id: str,
              size: tuple[int, int], run: int) -> None:  # fmt: skip
    """The POS's sale at the counter: the bar on the lookup and on the member page, the award dialog taking the
    POS's sale, the outcome after F10, and the manager's POS interface dialog."""
    language = translations.language
    out = OUT / language.value / f"{size[0]}x{size[1]}"
    till = ctx.till

    def commit(
        actor: StaffSession, sale: PendingSale, member: str | None, _coupons: tuple[str, ...] = ()
    ) -> SaleOutcome:
        if member is None:
            till.ledger.record_sale(actor, sale.receipt_no, sale.total_cents, sale.lines)
            return SaleOutcome(sale.receipt_no, None, 0, 0, 0, None)
        result = till.ledger.award(actor, member, sale.total_cents, receipt_no=sale.receipt_no, lines=sale.lines)
        return SaleOutcome(sale.receipt_no, member, result.entry.points, 0, 0, result.member.available_points)

    pending = PendingSales(commit)
    ctx.pending_sales = pending
    api = PosApi(ctx, PosBackend(start=lambda *_args: _NotServing(), secret=lambda: "x" * 43, pending=pending))
    ctx.log_in(till.staff.login("M001", PINS["M001"]))
    window = MainWindow(ctx, translations, pos_api=api)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(*size)
    window.show()
    api.start()
    wait_until(app, lambda: api.state is PosState.RUNNING)
    pending.put(_pos_sale(f"R20261202-{run:04d}"))
    wait_until(app, window.pending_bar.isVisible)
    settle(app)
    shoot(window, out / "12-pos-sale-waiting.png")

    window.show_member(member_id)
    settle(app)
    shoot(window, out / "13-pos-sale-member.png")

    award = AwardDialog(ctx, till.members.get(ctx.actor(), member_id), parent=window)
    award.show()
    settle(app)
    shoot(award, out / "14-pos-award.png")
    award.close()

    assert window.pending_link is not None
    window.pending_link.confirm()
    wait_until(app, lambda: not window.pending_bar.isVisible() and window.member_page.outcome.isVisible())
    settle(app)
    shoot(window, out / "15-pos-sale-confirmed.png")

    dialog = PosSettingsDialog(ctx, api, parent=window)
    dialog.show()
    settle(app)
    shoot(dialog, out / "16-pos-settings.png")
    dialog.close()
    api.stop()
    window.close()
    ctx.pending_sales = None


def shoot_returns(app: QApplication, ctx: AppContext, translations: Translations, member_id: str,
                  size: tuple[int, int], server: EmbeddedServer) -> None:  # fmt: skip
    """退货: this store's receipt filled in, the member page's banner after it, and another store's sale while the
    server does not answer (the offline return a manager takes)."""
    out = OUT / translations.language.value / f"{size[0]}x{size[1]}"
    till = ctx.till
    ctx.log_in(till.staff.login("C001", PINS["C001"]))
    window = MainWindow(ctx, translations)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(*size)
    window.show()
    window.show_member(member_id)
    settle(app)
    window.member_page.return_button.click()  # as Ctrl+R does: the page opens it and shows what it did
    dialog = window.member_page.findChild(ReturnDialog)
    assert dialog is not None
    type_into(dialog, "returnReceipt", "R20261123-0017")
    type_into(dialog, "returnAmount", "20")
    settle(app)
    shoot(dialog, out / "17-return.png")
    QTest.keyClick(dialog, Qt.Key.Key_Return)
    wait_until(app, lambda: window.member_page.outcome.isVisible())
    settle(app)
    shoot(window, out / "18-return-done.png")

    other = server.other_store_receipt()
    assert other is not None and server.db is not None
    with server.db.read() as session:
        buyer = session.scalar(select(LedgerEntry.member_id).where(LedgerEntry.receipt_no == other[1]))
    assert buyer is not None
    till.sync.point_at("http://127.0.0.1:9")  # nothing answers there: the server is out of reach
    try:
        offline = ReturnDialog(ctx, till.members.get(ctx.actor(), buyer), parent=window)
        offline.show()
        type_into(offline, "returnReceipt", other[1])
        store = offline.findChild(QLineEdit, "returnStore")
        assert store is not None
        store.clear()  # this till's store is there by default
        type_into(offline, "returnStore", other[0])
        type_into(offline, "returnAmount", "50")
        QTest.keyClick(offline, Qt.Key.Key_Return)
        wait_until(app, lambda: offline.status_label.isVisible() and not ctx.ops.busy())
        settle(app)
        shoot(offline, out / "19-return-offline.png")
        offline.close()
    finally:
        till.sync.point_at(server.url)
    window.close()


def main() -> int:
    pos_only = "--pos" in sys.argv[1:]
    returns_only = "--returns" in sys.argv[1:]
    benefits_only = "--benefits" in sys.argv[1:]
    app = application()
    translations = Translations(app)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with EmbeddedServer(folder / "server.sqlite3", members=500) as server:
            till = Till.open(folder / "till.sqlite3")
            register_till(till.sync, server_url=server.url, store_code=DEMO_STORE,
                          enrolment_code=server.enrolment_code(), device_name="screenshots")  # fmt: skip
            ctx = build_context(till)
            ctx.sync.sync_now()
            wait_until(app, lambda: not ctx.sync.running and till.staff.count() > 0)
            cashier = till.staff.login("C001", PINS["C001"])
            busiest = max((till.members.find_by_tail(cashier, f"{n:04d}") for n in range(0, 10_000, 1111)), key=len)
            showcase = busiest[0].id  # a phone ending several members share: the candidate list has rows
            till.ledger.award(cashier, showcase, 39_900, receipt_no="R20261123-0017")
            till.ledger.redeem(cashier, showcase, 200, bill_cents=15_000)
            for member in busiest[1:3]:
                till.ledger.award(cashier, member.id, 12_800)
            elsewhere = shopper_at_the_other_store(server)
            rewarded = benefits_member(till)
            try:
                run = 0
                for language in (Language.ZH_CN, Language.EN):
                    translations.switch(language)
                    for size in SIZES:
                        run += 1
                        if benefits_only:
                            shoot_benefits(app, ctx, translations, rewarded, size)
                            continue
                        if not pos_only and not returns_only:
                            shoot_language(app, ctx, translations, folder, showcase, size, run, elsewhere)
                            shoot_benefits(app, ctx, translations, rewarded, size)
                        if not returns_only:
                            shoot_pos(app, ctx, translations, showcase, size, run)
                        if not pos_only:
                            shoot_returns(app, ctx, translations, showcase, size, server)
            finally:
                ctx.sync.shutdown()
                ctx.ops.shutdown()
                till.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
