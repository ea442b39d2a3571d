"""The day's report on the manager's sync page: a date (today in the store's zone unless chosen), the report as an
HTML table (per member of staff: entries, points awarded, redeemed and reversed, net points, purchases, new
members; totals; where the day's entries stand with the server), printed through the print dialog or saved as a
PDF. The figures come from `localdb.reports` on the database worker; this view only lays them out.

Only staff names and codes appear: no member's name or phone, so the paper can lie on the counter.
Thread: GUI thread; the report is read on the database worker (`ctx.ops.db`).
"""

from __future__ import annotations

import html
import logging
from datetime import date
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QDate, QMarginsF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from localdb.reports import DayReport, StaffDay
from localdb.staff import StaffSession
from loyalty.roles import Permission
from ui.context import AppContext
from ui.error_line import ErrorLine
from ui.save_file import ask_save_path
from widgets.display import local_time_text, points_text, signed_points_text, yuan_text
from widgets.retranslating import Retranslating

log = logging.getLogger(__name__)

W = TypeVar("W", bound=QWidget)

# The report's look, carried inside its HTML: it is a document (printed, saved) more than a screen. Sizes in points,
# so paper scales them; headings are classed paragraphs (Qt enlarges <h1> on top of any size it is given).
_DOCUMENT_CSS = """
p.h1 { font-size: 15pt; font-weight: bold; margin: 0 0 2pt 0; }
p.h2 { font-size: 12pt; font-weight: bold; margin: 9pt 0 2pt 0; }
p.meta { color: #616e7c; margin: 0; }
table { border-collapse: collapse; }
th { background: #e4e7eb; font-weight: bold; padding: 3pt 6pt; }
td { padding: 3pt 6pt; }
td.n, th.n { text-align: right; }
th.l { text-align: left; }
tr.total td { font-weight: bold; border-top: 1px solid #1f2933; }
"""

_PRINT_POINTS = 10


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


class DayReportView(Retranslating, QWidget):
    """`reportDate` (QDateEdit), `dayReport` (QTextBrowser), `printButton`, `savePdfButton`, `reportError`,
    `reportSaved` (where the last PDF went).
    `refresh()` re-reads the chosen day (the sync page calls it when shown and after each sync); `report` is the one
    shown; `save_pdf(path)`, `save_as(path)` (saves and says where); `print_to(printer)`."""

    def __init__(self, ctx: AppContext, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayReportView")
        self._ctx = ctx
        self.report: DayReport | None = None
        self._asked: date | None = None  # the day of the read in flight, so a late answer for another is dropped
        self._chosen = False  # the manager picked a day: keep it; otherwise follow "today"

        self._title = QLabel(self)
        self._title.setProperty("tone", "title")
        self._date_caption = QLabel(self)
        self.date_input = _named(QDateEdit(self), "reportDate")
        self.date_input.setCalendarPopup(True)
        self.date_input.setDisplayFormat("yyyy-MM-dd")
        self.date_input.setDate(_qdate(ctx.till.today()))
        self.date_input.dateChanged.connect(self._date_changed)
        self.browser = _named(QTextBrowser(self), "dayReport")
        self.browser.setOpenLinks(False)
        self.print_button = _named(QPushButton(self), "printButton")
        self.print_button.clicked.connect(self._print_clicked)
        self.save_pdf_button = _named(QPushButton(self), "savePdfButton")
        self.save_pdf_button.clicked.connect(self._save_clicked)
        self.error_label = ErrorLine(self, name="reportError")
        self.error_label.clear_when_changed(self.date_input)  # what failed was another day's report
        self.error_label.setProperty("tone", "error")
        self.saved_label = _named(QLabel(self), "reportSaved")  # where the PDF went, the whole path
        self.saved_label.setProperty("tone", "ok")
        self.saved_label.setWordWrap(True)
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.saved_label.hide()
        self.date_input.dateChanged.connect(self.saved_label.hide)  # that file holds another day's report

        top = QHBoxLayout()
        top.addWidget(self._title)
        top.addStretch(1)
        top.addWidget(self._date_caption)
        top.addWidget(self.date_input)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error_label, 1)
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_pdf_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.browser, 1)
        column.addLayout(buttons)

        ctx.hub.staff_changed.connect(self._staff_changed)
        self.retranslate()

    # -- reading -------------------------------------------------------------------------------------------------

    def chosen_day(self) -> date:
        picked: date = self.date_input.date().toPython()  # type: ignore[assignment]
        return picked

    def set_day(self, day: date) -> None:
        """Show another day (as if picked in the calendar)."""
        self.date_input.setDate(_qdate(day))

    def refresh(self) -> None:
        """Read the chosen day's report on the database worker; the browser shows it when it comes."""
        staff = self._ctx.staff
        if staff is None or not self._ctx.can(Permission.SYNC):
            self._clear()
            return
        if not self._chosen:
            today = self._ctx.till.today()
            if today != self.chosen_day():
                self.date_input.blockSignals(True)
                self.date_input.setDate(_qdate(today))
                self.date_input.blockSignals(False)
        day = self.chosen_day()
        self._asked = day
        self._ctx.ops.db(lambda: self._ctx.till.reports.day(staff, day), self._arrived, self._failed, owner=self)

    def _date_changed(self, _date: QDate) -> None:
        self._chosen = self.chosen_day() != self._ctx.till.today()
        self.refresh()

    def _arrived(self, report: DayReport) -> None:
        if report.day != self._asked:
            return  # the manager picked another day meanwhile; that answer is on its way
        self.report = report
        self.error_label.clear_error()
        self._render()

    def _failed(self, error: Exception) -> None:
        self.error_label.show_error(error)

    def _clear(self) -> None:
        self.report = None
        self.browser.clear()

    def _staff_changed(self, _staff: StaffSession | None) -> None:
        self._clear()  # the figures are a manager's: gone when the manager is
        if self.isVisible():
            self.refresh()

    # -- the document --------------------------------------------------------------------------------------------

    def _render(self) -> None:
        if self.report is None:
            self.browser.clear()
            return
        # The same report read again (after each sync) must not throw the manager back to the top of it.
        bar = self.browser.verticalScrollBar()
        kept = bar.value()
        self.browser.setHtml(self.report_html(self.report))
        bar.setValue(min(kept, bar.maximum()))

    def report_html(self, report: DayReport) -> str:
        """The report as the HTML the browser shows and the printer prints."""
        zone = report.zone
        heading = self.tr("Day report %1, store %2").replace("%1", report.day.isoformat())
        heading = heading.replace("%2", " ".join(filter(None, (report.store_code, report.store_name))))
        meta = self.tr("Till %1 · made %2 · times in the store's zone").replace("%1", _till_name(report))
        meta = meta.replace("%2", local_time_text(report.generated_at, zone))
        if report.last_sync_at is not None:
            last_sync = self.tr("Last complete sync: %1").replace("%1", local_time_text(report.last_sync_at, zone))
        else:
            last_sync = self.tr("This till has not completed a sync yet.")
        by_staff = self.tr("Points and new members by staff")
        units = self.tr(
            "Reversed, Refunds: count (points). Purchases less money refunded. Entries the server rejected are left "
            "out: see below."
        )
        with_server = self.tr("The day's entries and the server")
        parts = [
            f"<p class='h1'>{_esc(heading)}</p>",
            f"<p class='meta'>{_esc(meta)}</p>",
            f"<p class='meta'>{_esc(last_sync)}</p>",
            f"<p class='h2'>{_esc(by_staff)}</p>",
            f"<p class='meta'>{_esc(units)}</p>" if report.staff else "",  # it explains the table: none, no words
            self._staff_table(report),
            self._share_line(report),
            self._coupon_line(report),
            f"<p class='h2'>{_esc(with_server)}</p>",
            self._sync_table(report),
        ]
        return f"<html><head><style>{_DOCUMENT_CSS}</style></head><body>{''.join(parts)}</body></html>"

    def _staff_table(self, report: DayReport) -> str:
        if not report.staff:
            nothing = self.tr("No points entries and no new members on this day.")  # (inside an f-string,
            return f"<p>{_esc(nothing)}</p>"  # lupdate would not see it, and it stayed English on a Chinese screen)
        headers = [
            (self.tr("Staff"), False),
            (self.tr("Entries"), True),
            (self.tr("Awarded"), True),
            (self.tr("Redeemed"), True),
            (self.tr("Reversed"), True),
            (self.tr("Refunds"), True),
            (self.tr("Net"), True),
            (self.tr("Purchases"), True),
            (self.tr("New members"), True),
        ]
        head = "".join(f"<th class='{'n' if right else 'l'}'>{_esc(text)}</th>" for text, right in headers)
        rows = [self._staff_row(day, self._staff_name(day)) for day in report.staff]
        rows.append(self._staff_row(report.totals, self.tr("Total"), total=True))
        # 99 %: at 100 % the table's edge makes the document a pixel wider than the view (a sideways scrollbar).
        return f"<table width='99%' cellspacing='0' cellpadding='4'><tr>{head}</tr>{''.join(rows)}</table>"

    def _share_line(self, report: DayReport) -> str:
        """Sales the POS recorded without a member, and the members' share of the day's sales (by money)."""
        totals = report.totals
        if not totals.sales_without_member:
            return ""
        members = max(totals.purchase_cents, 0)
        share = members * 100 // (members + totals.sales_without_member_cents or 1)
        words = self.tr("Sales without a member: %1 (%2). Members' share of sales: %3 %.")
        words = words.replace("%1", str(totals.sales_without_member))
        words = words.replace("%2", yuan_text(totals.sales_without_member_cents)).replace("%3", str(share))
        return f"<p class='meta'>{_esc(words)}</p>"

    def _coupon_line(self, report: DayReport) -> str:
        """The coupons applied today and what they took off; how many the server flagged (used at another till)."""
        totals = report.totals
        if not totals.coupons_used:
            return ""
        words = self.tr("Coupons used: %1 (%2 off).").replace("%1", str(totals.coupons_used))
        words = words.replace("%2", yuan_text(totals.coupon_cents))
        if totals.coupons_flagged:
            words += " " + self.tr("Flagged as used at another till: %1.").replace("%1", str(totals.coupons_flagged))
        return f"<p class='meta'>{_esc(words)}</p>"

    def _staff_name(self, day: StaffDay) -> str:
        if day.staff_name:
            return f"{day.staff_name} {day.staff_code}"
        return day.staff_code or self.tr("unknown")

    @staticmethod
    def _staff_row(day: StaffDay, who: str, *, total: bool = False) -> str:
        numbers = (
            str(day.entries),
            points_text(day.points_awarded),
            points_text(day.points_redeemed),
            f"{day.reversals} ({signed_points_text(day.points_reversed)})" if day.reversals else "0",
            f"{day.refunds} ({signed_points_text(day.points_refunded)})" if day.refunds else "0",
            signed_points_text(day.net_points) if day.net_points else "0",
            yuan_text(day.purchase_cents),
            str(day.new_members),
        )
        cells = "".join(f"<td class='n'>{_esc(text)}</td>" for text in numbers)
        return f"<tr class='{'total' if total else ''}'><td>{_esc(who)}</td>{cells}</tr>"

    def _sync_table(self, report: DayReport) -> str:
        counts = report.entry_sync
        rows = [
            (self.tr("Applied by the server"), counts.applied),
            (self.tr("Still to send"), counts.pending),
            (self.tr("Flagged (applied, to check)"), counts.flagged),
            (self.tr("Rejected (not applied)"), counts.rejected),
        ]
        # Widths, not padding, keep the numbers clear of their labels: paper ignores the cells' padding.
        body = "".join(f"<tr><td width='75%'>{_esc(text)}</td><td class='n' width='25%'>{n}</td></tr>"
                       for text, n in rows)  # fmt: skip
        return f"<table width='50%' cellspacing='0' cellpadding='4'>{body}</table>"

    # -- paper ---------------------------------------------------------------------------------------------------

    def document(self) -> QTextDocument:
        return self.browser.document()

    def save_pdf(self, path: Path) -> None:
        """Write the report as shown to a PDF file (A4 portrait); OSError when nothing could be written there."""
        path.unlink(missing_ok=True)
        writer = QPdfWriter(str(path))
        writer.setTitle(self.tr("Day report"))
        writer.setCreator("MemberDesk")
        writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(15, 15, 15, 15))
        )
        self._print_document(writer)
        del writer
        if not path.exists() or path.stat().st_size == 0:
            raise OSError(f"no PDF written to {path}")

    def print_to(self, printer: QPrinter) -> None:
        """Print the report as shown on `printer` (the print dialog's, or a PDF printer in tests)."""
        self._print_document(printer)

    def paper_document(self) -> QTextDocument:
        """A copy of the report set for paper (the screen's copy stays as it is); the caller deletes it."""
        copy = self.document().clone(self)
        font = QFont(copy.defaultFont())
        font.setPointSize(_PRINT_POINTS)  # the screen's base font is in pixels, which paper would shrink to dots
        copy.setDefaultFont(font)
        return copy

    def _print_document(self, device: QPdfWriter | QPrinter) -> None:
        copy = self.paper_document()
        try:
            copy.print_(device)
        finally:
            copy.deleteLater()

    def _print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("Print the day report"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def _save_clicked(self) -> None:
        store = self.report.store_code if self.report else "store"
        suggested = Path.home() / f"day-report-{store}-{self.chosen_day().isoformat()}.pdf"
        self.save_dialog = ask_save_path(
            self, self.tr("Save the day report as PDF"), suggested, self.tr("PDF files (*.pdf)"), self.save_as
        )

    def save_as(self, path: Path) -> Path | None:
        """Save the report to `path` (".pdf" added when the name has none) and say where it went, the whole path,
        so the manager finds the file; a refusal in words when it cannot be written there. The path, or None."""
        target = path if path.suffix else path.with_suffix(".pdf")
        self.saved_label.clear()
        self.saved_label.hide()
        try:
            self.save_pdf(target)
        except OSError:
            log.warning("the day report could not be saved as PDF")
            self.error_label.show_words(lambda: self.tr("The PDF could not be saved there. Choose another folder."))
            return None
        self.error_label.clear_error()
        self.saved_label.setText(self.tr("Saved to %1").replace("%1", str(target)))
        self.saved_label.setToolTip(str(target))
        self.saved_label.show()
        return target

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._title.setText(self.tr("Day report"))
        self._date_caption.setText(self.tr("Day"))
        self.print_button.setText(self.tr("Print…"))
        self.save_pdf_button.setText(self.tr("Save as PDF…"))
        self._render()


def _till_name(report: DayReport) -> str:
    """The till as the manager knows it: the name it registered under; a till registered before names were kept
    shows the start of its id (enough to tell two tills apart), not the whole UUID."""
    return report.device_name or report.device_id[:8]


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
