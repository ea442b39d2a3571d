"""The counter window: a navigation bar with the F-key actions, the page stack (lookup, member, preferences, sync /
end of day), the status bar, the app-wide scan routing, and what each role may see.

The window only arranges and routes: each page does its own work through the services in `ctx`. While the POS
has a sale waiting (`ctx.pending_sales`), the `PendingSaleBar` runs across the top of every page, and F10 / F11
commit it for the member on screen / without a member (`ui.pending_sale`); a member scanned after the sale started
opens as always and the bar stays, so F10 then confirms for that member. Managers reach the POS interface's
settings (`ui.pos_settings_dialog`) from the navigation bar; a POS interface that could not start is a warning in
the status bar, and the till works on. A scan typed by
the scanner anywhere in the app (the ScanDetector filter) lands on the lookup page. An untouched counter
(`ui.idle_watch`) puts the member away after a minute and locks to the PIN pad after the minutes set.

Thread: GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from localdb.staff import StaffSession
from loyalty.roles import Permission
from ui.board_page import BoardPage
from ui.context import AppContext
from ui.dialog_scan import scan_in_dialog
from ui.enrol_dialog import EnrolDialog
from ui.i18n import Language, Translations
from ui.idle_watch import IdleWatch
from ui.login_dialog import LoginDialog
from ui.lookup_page import LookupPage
from ui.member_page import MemberPage
from ui.messages import describe
from ui.pending_sale import PendingSaleLink
from ui.pos_api import PosApi
from ui.pos_settings_dialog import PosSettingsDialog
from ui.preferences_page import PreferencesPage
from ui.printer_dialog import PrinterDialog
from ui.scan_feedback import ScanFeedback
from ui.settings import IDLE_LOCK_MINUTES, LANGUAGE, MEMBER_IDLE_SECONDS, WINDOW_GEOMETRY
from ui.status_bar import TillStatusBar
from ui.sync_page import SyncPage
from ui.warnings_page import WarningsPage
from widgets.enter_clicks import EnterPressesButtons
from widgets.pending_sale_bar import CONFIRM_KEY, NO_MEMBER_KEY, PendingSaleBar
from widgets.retranslating import Retranslating
from widgets.scan_detector import ScanDetector

if TYPE_CHECKING:  # posapi.pending loads the wire schemas (pydantic): not at the window's start
    from posapi.pending import PendingSales, SaleOutcome

SMALLEST_SIZE = (1280, 720)  # every page and its buttons fit from here up (tests/gui/test_layout.py)


# Below this window height the POS sale bar is one slim line: at 720 (a 1366 x 768 screen less its title bar) the
# member page needs all but ~35 px of the height.
COMPACT_BAR_BELOW = 760
NO_MEMBER_SALE_SHOWN_MS = 10_000  # how long the status bar says a sale without a member was recorded


class MainWindow(Retranslating, QMainWindow):
    def __init__(
        self,
        ctx: AppContext,
        translations: Translations | None = None,
        *,
        pos_api: PosApi | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._ctx = ctx
        self._translations = translations
        self._current_member: str | None = None
        self._login: LoginDialog | None = None
        self._enrol: EnrolDialog | None = None
        self.printer_dialog: PrinterDialog | None = None
        self._pos_api = pos_api
        self.pos_settings_dialog: PosSettingsDialog | None = None

        self.lookup_page = LookupPage(ctx)
        self.member_page = MemberPage(ctx)
        self.preferences_page = PreferencesPage(ctx)
        self.sync_page = SyncPage(ctx)
        self.warnings_page = WarningsPage(ctx)
        self.board_page = BoardPage(ctx)
        self.pages = QStackedWidget()
        pages = (self.lookup_page, self.member_page, self.preferences_page, self.sync_page, self.warnings_page,
                 self.board_page)  # fmt: skip
        for page in pages:
            self.pages.addWidget(page)

        self._brand = QLabel()
        self._brand.setObjectName("brandLabel")
        self.lookup_nav = self._nav_button("lookupNavButton", "F1")
        self.enrol_button = self._nav_button("enrolButton", "F5", checkable=False)
        self.preferences_nav = self._nav_button("preferencesNavButton", "F6")
        self.warnings_nav = self._nav_button("warningsNavButton", "F8")
        self.board_nav = self._nav_button("boardNavButton", None)  # 会员看板: read now and then, no key of its own
        self.sync_nav = self._nav_button("syncNavButton", "F9")
        self.printer_button = self._nav_button("printerButton", None, checkable=False)  # managers: the slip printer
        self.language_button = self._nav_button("languageButton", None, checkable=False)
        self.logout_button = self._nav_button("logoutButton", "F12", checkable=False)
        self.pos_button = self._nav_button("posSettingsButton", None, checkable=False)  # managers: the POS interface
        self._nav_group = QButtonGroup(self)
        for button in (self.lookup_nav, self.preferences_nav, self.warnings_nav, self.board_nav, self.sync_nav):
            self._nav_group.addButton(button)
        nav = QFrame()
        nav.setObjectName("navBar")
        row = QHBoxLayout(nav)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._brand)
        shown = (self.lookup_nav, self.enrol_button, self.preferences_nav, self.warnings_nav, self.board_nav,
                 self.sync_nav)  # fmt: skip
        for button in shown:
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.printer_button)
        row.addWidget(self.pos_button)
        row.addWidget(self.language_button)
        row.addWidget(self.logout_button)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(nav)
        self.pending_bar = PendingSaleBar()
        self.pending_bar.hide()
        column.addWidget(self.pending_bar)
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.status_bar = TillStatusBar(ctx)
        self.setStatusBar(self.status_bar)
        self.pos_warning = QLabel()
        self.pos_warning.setObjectName("posApiWarning")
        self.pos_warning.setProperty("tone", "error")
        self.pos_warning.hide()
        self.status_bar.addWidget(self.pos_warning)
        self.pending_link: PendingSaleLink | None = None
        if ctx.pending_sales is not None:
            self._attach_pending(ctx.pending_sales)
        if pos_api is not None:
            pos_api.changed.connect(self._pos_api_changed)

        self.enter_presses_buttons = EnterPressesButtons(parent=self)
        self.scan_detector = ScanDetector(parent=self)
        app = QApplication.instance()
        if app is not None:  # the filter installed last runs first: the detector must see a scanner's Enter first
            app.installEventFilter(self.enter_presses_buttons)
            app.installEventFilter(self.scan_detector)
        self.scan_detector.scanned.connect(self._route_scan)
        self.scan_feedback = ScanFeedback(parent=self)
        settings = ctx.settings
        self.idle_watch = IdleWatch(
            member_after_ms=settings.get(MEMBER_IDLE_SECONDS) * 1000,
            lock_after_ms=settings.get(IDLE_LOCK_MINUTES) * 60_000,
            parent=self,
        )
        if app is not None:
            app.installEventFilter(self.idle_watch)
        self.idle_watch.member_idle.connect(self.put_member_away)
        self.idle_watch.lock_idle.connect(self.lock_when_idle)
        self.idle_watch.start()

        self._connect()
        self._apply_role(ctx.staff)
        self.retranslate()
        if not self.restoreGeometry(QByteArray(ctx.settings.get(WINDOW_GEOMETRY))):
            # First start on this computer: the whole screen (a till has one window); un-maximised it is the
            # smallest size every page is laid out for. The place and size chosen later are kept (closeEvent).
            self.resize(*SMALLEST_SIZE)
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        self.show_lookup()

    # -- building ------------------------------------------------------------------------------------------------

    def _nav_button(self, name: str, key: str | None, *, checkable: bool = True) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.setCheckable(checkable)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the page; F-keys reach the buttons
        if key is not None:
            QShortcut(QKeySequence(key), self, button.click, Qt.ShortcutContext.WindowShortcut)
        return button

    def _connect(self) -> None:
        hub = self._ctx.hub
        self.lookup_nav.clicked.connect(self.show_lookup)
        self.enrol_button.clicked.connect(self._enrol_pressed)
        self.preferences_nav.clicked.connect(self._show_preferences_of_current)
        self.sync_nav.clicked.connect(self.show_sync)
        self.warnings_nav.clicked.connect(self.show_warnings)
        self.board_nav.clicked.connect(self.show_board)
        self.warnings_page.member_chosen.connect(self.show_member)
        self.language_button.clicked.connect(self._toggle_language)
        self.printer_button.clicked.connect(self.open_printer_settings)
        self.logout_button.clicked.connect(self.log_out)
        self.pos_button.clicked.connect(self.open_pos_settings)
        self.pages.currentChanged.connect(lambda _index: self._refresh_pending())
        self.lookup_page.member_chosen.connect(self.show_member)
        self.lookup_page.member_chosen.connect(lambda _id: self.scan_feedback.found(self.member_page.card))
        self.lookup_page.not_found.connect(self.scan_feedback.not_found)
        self.lookup_page.enrol_requested.connect(self.open_enrol)
        self.member_page.back.connect(self.show_lookup)
        self.member_page.lookup_typed.connect(self.start_lookup)
        self.member_page.preferences_requested.connect(self.show_preferences)
        self.preferences_page.back.connect(self._back_from_preferences)
        hub.scanned.connect(lambda _text: self._show_page(self.lookup_page, self.lookup_nav))
        hub.staff_changed.connect(self._apply_role)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)
        # Alt+F4 usually reaches us as the window system's close request (closeEvent asks); where the key itself
        # arrives (no window manager takes it), it asks the same question.
        QShortcut(QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_F4), self, self._alt_f4)

    def _route_scan(self, text: str) -> None:
        """A scan goes to the lookup, unless a dialog is open: it must not change the member behind the cashier's
        back (an award dialog stays bound to its member; the card behind it would show another). In a dialog a
        receipt scan fills its receipt field and a member code is refused aloud (`ui.dialog_scan`)."""
        if self._ctx.staff is None:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is not None:
            scan_in_dialog(dialog, text)
            return
        self.scan_feedback.scanned()  # the lookup's answer to it beeps (found once, not found twice)
        self._ctx.hub.scanned.emit(text)

    # -- navigation ----------------------------------------------------------------------------------------------

    def _show_page(self, page: QWidget, nav: QPushButton | None) -> None:
        self.pages.setCurrentWidget(page)
        if nav is not None:
            nav.setChecked(True)
        else:
            checked = self._nav_group.checkedButton()
            if checked is not None:  # the member page has no nav button of its own: none is lit
                self._nav_group.setExclusive(False)
                checked.setChecked(False)
                self._nav_group.setExclusive(True)

    def show_lookup(self) -> None:
        self._show_page(self.lookup_page, self.lookup_nav)
        self.lookup_page.focus_input()

    def start_lookup(self, typed: str) -> None:
        """Typing on the member page starts a new lookup: the lookup page, with what was typed and the cursor after
        it (not selected: the next digits follow it)."""
        self._current_member = None
        self.lookup_page.reset()
        self.show_lookup()
        self.lookup_page.input.setText(typed)
        self.lookup_page.input.deselect()
        self.lookup_page.input.setCursorPosition(len(typed))

    def show_member(self, member_id: str) -> None:
        self._current_member = member_id
        self.member_page.show_member(member_id)
        self._show_page(self.member_page, None)
        self._refresh_pending()  # a member scanned after the POS's sale started: F10 now confirms for them

    # -- the POS's sale waiting ------------------------------------------------------------------------------------

    def attach_pos(self, api: PosApi) -> None:
        """The POS interface, once loaded (`ui.app` loads it after the window is shown): its sale waiting reaches the
        bar, managers get its settings, and its troubles the status bar."""
        self._pos_api = api
        self._ctx.pending_sales = api.pending
        self._attach_pending(api.pending)
        api.changed.connect(self._pos_api_changed)
        self._apply_role(self._ctx.staff)
        self._pos_api_changed()

    def _attach_pending(self, pending: PendingSales) -> None:
        if self.pending_link is not None:
            return
        link = PendingSaleLink(self._ctx, pending, self.pending_bar, self._member_on_screen, parent=self)
        link.confirmed.connect(self._sale_confirmed)
        link.failed.connect(self._sale_failed)
        QShortcut(QKeySequence(CONFIRM_KEY), self, link.confirm, Qt.ShortcutContext.WindowShortcut)
        QShortcut(QKeySequence(NO_MEMBER_KEY), self, link.confirm_without_member, Qt.ShortcutContext.WindowShortcut)
        self.pending_link = link

    def _member_on_screen(self) -> str | None:
        """The member the cashier sees on the member page (F10 confirms the POS's sale for them), else None."""
        member = self.member_page.member
        if self.pages.currentWidget() is self.member_page and member is not None:
            return member.id
        return None

    def _refresh_pending(self) -> None:
        if self.pending_link is not None:
            self.pending_link.refresh()

    def _sale_confirmed(self, outcome: SaleOutcome) -> None:
        if outcome.member_id is not None:
            self.member_page.show_sale_outcome(outcome)
            return
        words = self.tr("Sale without member recorded (receipt %1).").replace("%1", outcome.receipt_no)
        self.status_bar.showMessage(words, NO_MEMBER_SALE_SHOWN_MS)

    def _sale_failed(self, error: Exception) -> None:
        if not self.pending_bar.isVisible():  # the sale is gone meanwhile: the bar that would say so is hidden
            self.status_bar.showMessage(describe(error), NO_MEMBER_SALE_SHOWN_MS)

    def _pos_api_changed(self) -> None:
        api = self._pos_api
        trouble = api is not None and api.trouble
        self.pos_warning.setText(api.words() if api is not None and trouble else "")
        self.pos_warning.setVisible(trouble)

    def open_pos_settings(self) -> None:
        """POS 接口: a manager's, like the other settings of the whole till."""
        if self._pos_api is None or not self._ctx.can(Permission.APPROVE):
            return
        dialog = PosSettingsDialog(self._ctx, self._pos_api, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.pos_settings_dialog = dialog
        dialog.open()

    def show_preferences(self, member_id: str) -> None:
        self._current_member = member_id
        self.preferences_page.show_member(member_id)
        self._show_page(self.preferences_page, self.preferences_nav)

    def _show_preferences_of_current(self) -> None:
        if self._current_member is None:
            self.show_lookup()  # whose preferences? find the member first
            return
        self.show_preferences(self._current_member)

    def _back_from_preferences(self) -> None:
        if self._current_member is not None and self._ctx.can(Permission.LOOKUP):
            self.show_member(self._current_member)
        else:
            self.show_lookup()

    def show_sync(self) -> None:
        if not self._ctx.can(Permission.SYNC):
            return
        if self.pages.currentWidget() is self.sync_page:
            self.sync_page.sync_now()  # F9 on the day-end page: sync now
            return
        self._show_page(self.sync_page, self.sync_nav)

    def show_warnings(self) -> None:
        """F8: the store's 需关注会员 list (guides and managers)."""
        if self._ctx.can(Permission.EDIT_PREFERENCES):
            self._show_page(self.warnings_page, self.warnings_nav)

    def show_board(self) -> None:
        """会员看板 (guides and managers)."""
        if self._ctx.can(Permission.EDIT_PREFERENCES):
            self._show_page(self.board_page, self.board_nav)

    def _escape(self) -> None:
        if self.pages.currentWidget() is self.preferences_page:
            self._back_from_preferences()
        elif self.pages.currentWidget() is not self.lookup_page:
            self.show_lookup()

    def open_enrol(self, phone: str) -> None:
        if not self._ctx.can(Permission.ENROL):
            return
        dialog = EnrolDialog(self._ctx, phone=phone, parent=self)
        dialog.existing_member.connect(self._show_existing)
        dialog.finished.connect(lambda _code: self._after_enrol(dialog))
        self._enrol = dialog
        dialog.open()

    def open_printer_settings(self) -> None:
        """打印机设置: a manager's, like the other settings of the whole till."""
        if not self._ctx.can(Permission.APPROVE):
            return
        dialog = PrinterDialog(self._ctx, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.printer_dialog = dialog
        dialog.finished.connect(lambda _result: self.member_page.printer_changed())
        dialog.open()

    def _enrol_pressed(self) -> None:
        """F5: after "no member found" for a phone, the enrol form starts with that phone; else it starts empty."""
        on_lookup = self.pages.currentWidget() is self.lookup_page
        self.open_enrol((self.lookup_page.enrol_phone if on_lookup else None) or "")

    def _show_existing(self, member_id: str) -> None:
        if self._enrol is not None:
            self._enrol.reject()
        self.show_member(member_id)

    def _after_enrol(self, dialog: EnrolDialog) -> None:
        if dialog.enrolled_member_id is not None:
            self.show_member(dialog.enrolled_member_id)
        self._enrol = None

    # -- staff and language --------------------------------------------------------------------------------------

    def _apply_role(self, staff: StaffSession | None) -> None:
        """Show only what this role may use (the services refuse the rest anyway)."""
        ctx = self._ctx
        self.enrol_button.setVisible(ctx.can(Permission.ENROL))
        self.preferences_nav.setVisible(ctx.can(Permission.VIEW_PREFERENCES))
        self.sync_nav.setVisible(ctx.can(Permission.SYNC))
        self.warnings_nav.setVisible(ctx.can(Permission.EDIT_PREFERENCES))
        self.board_nav.setVisible(ctx.can(Permission.EDIT_PREFERENCES))
        self.printer_button.setVisible(ctx.can(Permission.APPROVE))
        self.pos_button.setVisible(self._pos_api is not None and ctx.can(Permission.APPROVE))
        if staff is None:
            self._current_member = None
            self.show_lookup()
        else:
            needs = {
                self.sync_page: Permission.SYNC,
                self.warnings_page: Permission.EDIT_PREFERENCES,
                self.board_page: Permission.EDIT_PREFERENCES,
            }
            page = self.pages.currentWidget()
            if page in needs and not ctx.can(needs[page]):  # a page this role may not see
                self.show_lookup()

    def put_member_away(self) -> None:
        """Nobody has touched the till for a while: back to an empty lookup, so the last customer's name and balance
        do not greet the next one. Not while a dialog is open (someone is in the middle of something)."""
        if self._ctx.staff is None or QApplication.activeModalWidget() is not None:
            return
        if self.pages.currentWidget() in (self.member_page, self.preferences_page, self.lookup_page):
            self._current_member = None
            self.preferences_page.clear()
            self.lookup_page.reset()
            self.show_lookup()

    def lock_when_idle(self) -> None:
        """Untouched for longer: lock the counter to the PIN pad, closing an idle dialog first (what it held was not
        saved: nobody pressed Enter). A dialog whose write is in flight is let finish; the lock comes a while later."""
        if self._ctx.staff is None:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            if getattr(dialog, "busy", False):
                self.idle_watch.start()
                return
            dialog.reject()
        self.log_out()

    def log_out(self) -> None:
        """Lock the counter: forget the staff and the member on screen, then ask who is next."""
        self._ctx.log_out()
        self._ask_who_is_next()

    def _ask_who_is_next(self) -> None:
        """The login over the locked window; dismissing it (Esc) asks again: nobody works on a locked counter."""
        self._login = LoginDialog(self._ctx, parent=self)
        self._login.rejected.connect(self._ask_who_is_next)
        self._login.open()

    def _toggle_language(self) -> None:
        if self._translations is None:
            return
        other = Language.EN if self._translations.language is Language.ZH_CN else Language.ZH_CN
        self._translations.switch(other)
        self._ctx.settings.set(LANGUAGE, other)  # the next start speaks it too

    def retranslate(self) -> None:
        store = self._ctx.till.settings.current()
        self.setWindowTitle(self.tr("MemberDesk — %1").replace("%1", store.store_code or self.tr("unregistered")))
        self._brand.setText(self.tr("MemberDesk"))
        self.lookup_nav.setText(self.tr("Lookup\nF1"))
        self.enrol_button.setText(self.tr("New member\nF5"))
        self.preferences_nav.setText(self.tr("Preferences\nF6"))
        self.sync_nav.setText(self.tr("Sync / day end\nF9"))
        self.warnings_nav.setText(self.tr("To contact\nF8"))
        self.board_nav.setText(self.tr("Board"))
        # Each language's name in itself, untranslated: whoever reads the other language must recognise it.
        english_now = self._translations is not None and self._translations.language is Language.EN
        self.language_button.setText("中文" if english_now else "English")
        self.printer_button.setText(self.tr("Printer"))
        self.logout_button.setText(self.tr("Log out\nF12"))
        self.pos_button.setText(self.tr("POS interface"))
        self._pos_api_changed()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.pending_bar.set_compact(event.size().height() < COMPACT_BAR_BELOW)
        super().resizeEvent(event)

    def _alt_f4(self) -> None:
        if self._close_confirmed():
            self.close()

    def _close_confirmed(self) -> bool:
        """Ask before closing; "Keep working" is the default, so a stray Enter or Esc keeps the till open."""
        box = QMessageBox(self)
        box.setObjectName("closeQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("MemberDesk"))
        box.setText(self.tr("Close MemberDesk on this till?"))
        box.setInformativeText(self.tr("Points not yet uploaded stay saved and are uploaded after the next start."))
        close = box.addButton(self.tr("Close"), QMessageBox.ButtonRole.AcceptRole)
        close.setObjectName("closeButton")
        keep = box.addButton(self.tr("Keep working"), QMessageBox.ButtonRole.RejectRole)
        keep.setObjectName("keepWorkingButton")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is close

    def closeEvent(self, event: QCloseEvent) -> None:
        # Alt+F4 or the window's close button (a spontaneous close, from the window system) asks first: a cashier's
        # stray Alt+F4 must not close the till. The app closing the window itself (tests, quitting) does not ask.
        if event.spontaneous() and not self._close_confirmed():
            event.ignore()
            return
        if self._login is not None:  # closing the app from the lock screen: do not ask again
            self._login.rejected.disconnect(self._ask_who_is_next)
            self._login.close()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.scan_detector)
            app.removeEventFilter(self.idle_watch)
            app.removeEventFilter(self.enter_presses_buttons)
        self.idle_watch.stop()
        self._ctx.sync.stop_background()
        self._ctx.settings.set(WINDOW_GEOMETRY, bytes(self.saveGeometry().data()))
        super().closeEvent(event)
