"""会员看板: the member programme's health for this store or the whole chain, today, over 7 or 30 days, as the server
computed it (`server.health_board`; docs/insight.md "Health board"), from the document the last sync brought, with
its "as of" time so nobody reads yesterday's figures as today's. Figures on the left, with the segment mix over the
last 90 days under them (each segment's share of the members on each day the refresh kept, a line per segment); the
segment mix and the tier distribution now as bar charts (QtCharts) on the right. Save as PDF renders the page as
shown.

Guides and managers (the people who act on it); read-only for everyone. Thread: GUI thread (one row read).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLegend,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMarginsF, QPoint, Qt, QTime
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from loyalty.segments import Segment
from ui.context import AppContext
from ui.save_file import ask_save_path
from widgets.display import local_time_text, points_text, segment_name, tier_name, yuan_text
from widgets.retranslating import QT_TRANSLATE_NOOP, Retranslating

log = logging.getLogger(__name__)

_CONTEXT = "BoardPage"
_WINDOWS = (
    ("today", QT_TRANSLATE_NOOP("BoardPage", "Today")),
    ("7d", QT_TRANSLATE_NOOP("BoardPage", "Last 7 days")),
    ("30d", QT_TRANSLATE_NOOP("BoardPage", "Last 30 days")),
)
#: (objectName suffix, label, how the window's figure is written)
_FIGURES = (
    ("Active", QT_TRANSLATE_NOOP("BoardPage", "Active members"), "active_members", "count"),
    ("New", QT_TRANSLATE_NOOP("BoardPage", "New members"), "new_members", "count"),
    ("Repurchase", QT_TRANSLATE_NOOP("BoardPage", "Repurchase rate"), "repurchase_rate_pct", "pct"),
    ("PointsUsage", QT_TRANSLATE_NOOP("BoardPage", "Points usage rate"), "points_usage_rate_pct", "pct"),
    ("MemberTicket", QT_TRANSLATE_NOOP("BoardPage", "Average ticket, members"), "member_avg_ticket_cents", "money"),
    ("OtherTicket", QT_TRANSLATE_NOOP("BoardPage", "Average ticket, no member"), "other_avg_ticket_cents", "money"),
    ("SalesShare", QT_TRANSLATE_NOOP("BoardPage", "Members' share of sales"), "member_sales_share_pct", "pct"),
    ("WakeUp", QT_TRANSLATE_NOOP("BoardPage", "Wake-up rate of the contacted"), "wake_up_rate_pct", "pct"),
    # one row: used / issued in the window, and the share of the window's issued coupons used so far
    ("Coupons", QT_TRANSLATE_NOOP("BoardPage", "Coupons used / issued"), "coupons_used", "coupons"),
)
_SEGMENT_ORDER = (Segment.HIGH_VALUE_LOYAL, Segment.POTENTIAL, Segment.NEW, Segment.DORMANT)


class BoardPage(Retranslating, QWidget):
    """objectName `boardPage`."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("boardPage")
        self._ctx = ctx
        self.document: dict[str, Any] | None = None
        self.save_dialog: QFileDialog | None = None
        self.title = QLabel()
        self.title.setProperty("tone", "title")
        self.as_of = QLabel()
        self.as_of.setObjectName("boardAsOf")
        self.scope = QComboBox()
        self.scope.setObjectName("boardScope")
        self.period = QComboBox()
        self.period.setObjectName("boardPeriod")
        self.save_button = QPushButton()
        self.save_button.setObjectName("boardSavePdf")
        self.saved_label = QLabel()
        self.saved_label.setObjectName("boardSaved")
        self.saved_label.hide()
        self.empty_label = QLabel()
        self.empty_label.setObjectName("boardEmpty")
        self.empty_label.setWordWrap(True)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        figures = QGridLayout()
        figures.setHorizontalSpacing(24)
        figures.setVerticalSpacing(6)  # ten rows, and the trend chart under them keeps its axis labels at 1366 x 768
        for row, (name, _label, _key, _kind) in enumerate(_FIGURES):
            caption, value = QLabel(), QLabel()
            value.setObjectName(f"board{name}")
            value.setProperty("tone", "section")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.captions[name], self.values[name] = caption, value
            figures.addWidget(caption, row, 0)
            figures.addWidget(value, row, 1)
        self.ltv_caption, self.ltv_value = QLabel(), QLabel()
        self.ltv_value.setObjectName("boardLtv")
        self.ltv_value.setProperty("tone", "section")
        self.ltv_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        figures.addWidget(self.ltv_caption, len(_FIGURES), 0)
        figures.addWidget(self.ltv_value, len(_FIGURES), 1)
        self.trend_chart, self.trend_view = _chart("boardSegmentTrend")
        # It takes the room the figures leave: at 1280 x 720 with a POS sale waiting that is little, and a taller
        # minimum would push the window past the screen.
        self.trend_view.setMinimumHeight(100)
        self.trend_chart.legend().show()
        self.trend_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        legend_font = QFont(self.trend_chart.legend().font())
        legend_font.setPixelSize(12)  # four segments' names on one line under the chart at 1366 x 768, in English too
        self.trend_chart.legend().setFont(legend_font)
        self.trend_chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeCircle)
        self.segment_chart, self.segment_view = _chart("boardSegments")
        self.tier_chart, self.tier_view = _chart("boardTiers")

        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addSpacing(16)
        bar.addWidget(self.as_of)
        bar.addStretch(1)
        bar.addWidget(self.scope)
        bar.addWidget(self.period)
        bar.addWidget(self.save_button)
        charts = QVBoxLayout()
        charts.addWidget(self.segment_view, 1)
        charts.addWidget(self.tier_view, 1)
        left = QVBoxLayout()
        left.addLayout(figures)
        left.addWidget(self.trend_view, 1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addSpacing(24)
        body.addLayout(charts, 3)
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 20, 24, 16)
        page.setSpacing(12)
        page.addLayout(bar)
        page.addWidget(self.saved_label)
        page.addWidget(self.empty_label)
        page.addLayout(body, 1)
        self.scope.currentIndexChanged.connect(lambda _index: self._fill())
        self.period.currentIndexChanged.connect(lambda _index: self._fill())
        self.save_button.clicked.connect(self._save_clicked)
        ctx.hub.sync_finished.connect(lambda *_args: self.reload())
        self.retranslate()

    # -- data ----------------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        self.document = self._ctx.till.sync.board()
        self._fill()

    def shown_scope(self) -> Mapping[str, Any] | None:
        if self.document is None:
            return None
        scope = self.document.get("chain" if self.scope.currentIndex() == 1 else "store")
        return scope if isinstance(scope, dict) else None

    def _fill(self) -> None:
        scope = self.shown_scope()
        self.empty_label.setVisible(scope is None)
        self.save_button.setEnabled(scope is not None)
        zone = self._ctx.till.settings.current().zone
        if self.document is None or scope is None:
            self.as_of.clear()
            for value in (*self.values.values(), self.ltv_value):
                value.setText("—")
            _bars(self.segment_chart, self.tr("Segment mix"), [])
            _bars(self.tier_chart, self.tr("Tiers"), [])
            _trend(self.trend_chart, self.tr("Segment mix, last 90 days (% of members)"), [], {})
            return
        as_of = datetime.fromisoformat(str(self.document["as_of"]))
        self.as_of.setText(self.tr("As of %1").replace("%1", local_time_text(as_of, zone)))
        window_key = _WINDOWS[max(self.period.currentIndex(), 0)][0]
        window: Mapping[str, Any] = scope["windows"][window_key]
        for name, _label, key, kind in _FIGURES:
            self.values[name].setText(_coupons(window) if kind == "coupons" else _written(window.get(key), kind))
        self.ltv_value.setText(_written(scope.get("ltv_cents"), "money"))
        segments: Mapping[str, int] = scope.get("segments", {})
        known = [segment.value for segment in _SEGMENT_ORDER]
        shown = [(_short(segment_name(code)), int(segments.get(code, 0))) for code in known]
        shown += [(_short(segment_name(code)), int(count)) for code, count in segments.items() if code not in known]
        _bars(self.segment_chart, self.tr("Segment mix"), shown)
        history = [row for row in scope.get("segment_history", []) if isinstance(row, dict)]
        names = {code: _short(segment_name(code)) for row in history for code in row.get("segments", {})}
        ordered = {code: names[code] for code in [*known, *sorted(names)] if code in names}
        _trend(self.trend_chart, self.tr("Segment mix, last 90 days (% of members)"), history, ordered)
        rules = self._ctx.till.settings.current().rules
        tiers: Mapping[str, int] = scope.get("tiers", {})
        order = [tier.code for tier in rules.tiers]
        _bars(self.tier_chart, self.tr("Tiers"), [(tier_name(rules, code), int(tiers.get(code, 0))) for code in order])

    # -- PDF -----------------------------------------------------------------------------------------------------

    def _save_clicked(self) -> None:
        suggested = Path.home() / f"member-board-{self._ctx.till.settings.current().store_code}.pdf"
        self.save_dialog = ask_save_path(
            self, self.tr("Save the board as PDF"), suggested, self.tr("PDF files (*.pdf)"), self.save_as
        )

    def save_as(self, path: Path) -> Path | None:
        """The page as shown, on an A4 landscape PDF at `path` (".pdf" added); the path, or None (said in words)."""
        target = path if path.suffix else path.with_suffix(".pdf")
        writer = QPdfWriter(str(target))
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, QMarginsF(10, 10, 10, 10)
            )
        )
        writer.setResolution(150)
        painter = QPainter()
        if not painter.begin(writer):
            log.warning("the board could not be saved as PDF")
            self.saved_label.setText(self.tr("The PDF could not be saved there. Choose another folder."))
            self.saved_label.show()
            return None
        try:
            page = writer.pageLayout().paintRectPixels(writer.resolution())
            scale = min(page.width() / max(self.width(), 1), page.height() / max(self.height(), 1))
            painter.scale(scale, scale)
            self.render(painter, QPoint(0, 0))
        finally:
            painter.end()
        self.saved_label.setText(self.tr("Saved to %1").replace("%1", str(target)))
        self.saved_label.show()
        return target

    # -- language ------------------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Member board"))
        self.empty_label.setText(self.tr("No figures yet: they come from head office with the next sync."))
        self.save_button.setText(self.tr("Save as PDF…"))
        for combo, items in (
            (self.scope, (self.tr("This store"), self.tr("Whole chain"))),
            (self.period, tuple(self.tr(label) for _key, label in _WINDOWS)),
        ):
            chosen = max(combo.currentIndex(), 0)
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(items))
            combo.setCurrentIndex(chosen)
            combo.blockSignals(False)
        for name, label, _key, _kind in _FIGURES:
            self.captions[name].setText(self.tr(label))
        self.ltv_caption.setText(self.tr("12-month spend per buying member (LTV)"))
        self._fill()


def _short(name: str) -> str:
    """A segment's name up to its pause ("沉睡会员·待唤醒" → "沉睡会员", "Dormant, to win back" → "Dormant"): a bar's
    label is narrow, and a chart's axis cuts a longer one short rather than wrap it."""
    return name.split("·", 1)[0].split(",", 1)[0]


def _coupons(window: Mapping[str, Any]) -> str:
    """ "45 / 120 (37 %)": coupons used and issued in the window, and the usage rate (— for a board from before
    issue 18, whose windows have no coupon figures)."""
    if "coupons_issued" not in window:
        return "—"
    used, issued = _written(window.get("coupons_used"), "count"), _written(window.get("coupons_issued"), "count")
    return f"{used} / {issued} ({_written(window.get('coupon_usage_rate_pct'), 'pct')})"


def _written(value: object, kind: str) -> str:
    if value is None:
        return "—"
    number = int(str(value))
    if kind == "pct":
        return f"{number} %"
    if kind == "money":
        return yuan_text(number)
    return points_text(number)  # a count, with thousands separators


def _chart(name: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.legend().hide()
    chart.setBackgroundRoundness(0)
    view = QChartView(chart)
    view.setObjectName(name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(200)
    return chart, view


def _trend(chart: QChart, title: str, history: list[dict[str, Any]], names: Mapping[str, str]) -> None:
    """The chart as a line per segment (`names`: code → label, in order) of its share of the members on each kept
    day of `history` (`[{"day": "2026-12-01", "segments": {code: count}}]`, oldest first), axes replaced."""
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)
    chart.setTitle(title)
    days = [(date.fromisoformat(str(row["day"])), row.get("segments", {})) for row in history]
    lines: list[QLineSeries] = []
    for code, label in names.items():
        line = QLineSeries()
        line.setName(label)
        line.setPointsVisible(len(days) < 3)  # one or two days: dots, not a line too short to see
        for day, counts in days:
            total = sum(int(count) for count in counts.values())
            noon = QDateTime(_qdate(day), QTime(12, 0))
            line.append(float(noon.toMSecsSinceEpoch()), 100.0 * int(counts.get(code, 0)) / total if total else 0.0)
        chart.addSeries(line)
        lines.append(line)
    dates = QDateTimeAxis()
    dates.setFormat("MM-dd")
    dates.setTickCount(min(max(len(days), 2), 6))
    if days:
        dates.setRange(QDateTime(_qdate(days[0][0]), QTime(0, 0)), QDateTime(_qdate(days[-1][0]), QTime(23, 59)))
    font = QFont(dates.labelsFont())
    font.setPixelSize(12)
    dates.setLabelsFont(font)
    shares = QValueAxis()
    shares.setRange(0, 100)
    shares.setLabelFormat("%d")
    shares.setTickCount(5)
    chart.addAxis(dates, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(shares, Qt.AlignmentFlag.AlignLeft)
    for line in lines:
        line.attachAxis(dates)
        line.attachAxis(shares)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _bars(chart: QChart, title: str, bars: list[tuple[str, int]]) -> None:
    """The chart as bars of `(label, count)`, its axes and title replaced."""
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)
    chart.setTitle(title)
    counts = QBarSet(title)
    counts.append([float(count) for _label, count in bars])
    counts.setLabelColor(Qt.GlobalColor.black)
    series = QBarSeries()
    series.append(counts)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append([label for label, _count in bars])
    font = QFont(categories.labelsFont())
    font.setPixelSize(13)  # a segment's name fits under its bar at 1366 x 768
    categories.setLabelsFont(font)
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    values = QValueAxis()
    values.setLabelFormat("%d")
    values.setRange(0, max([count for _label, count in bars] + [1]) * 1.2)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
