"""How the till writes things for people, in one place: money (`yuan_text`), points (`points_text`,
`signed_points_text`, always with thousands separators), stored times on the store's clock (`local_time_text`,
`local_date_text`), and the words for the shared vocabulary — preference
kinds (in the order a guide asks about them), ledger entry kinds, where an entry stands with the server, what became
of a pushed item, segments and tiers. Every screen and widget uses these, so one figure or one kind never reads two
ways on two screens.

Words are marked with QT_TRANSLATE_NOOP under the context "Display" and translated when asked for, so a language
switch needs nothing here. The server's reason codes and every refusal are worded in `ui.messages`.
Thread: GUI thread (the functions are pure apart from the translation lookup).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from types import MappingProxyType

from PySide6.QtCore import QCoreApplication, QLocale, QObject

from localdb.models import EntrySync
from loyalty.insight import InsightRules, Layer, Words
from loyalty.rules import PointsRules, UnknownTier
from loyalty.segments import Segment
from protocol.vocabulary import EntryKind, ItemStatus, ItemType, PreferenceKind
from widgets.retranslating import QT_TRANSLATE_NOOP

_CONTEXT = "Display"

# A dynamic property set (True) on a widget that shows member or staff data (names, tags, preference values, the
# store's name): such text stays in the language it was entered in, whatever the till's language.
MEMBER_DATA = "memberData"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def mark_member_data(widget: QObject) -> None:
    """Say that `widget` shows data as entered, not words of the till (see MEMBER_DATA)."""
    widget.setProperty(MEMBER_DATA, True)


# -- sentences -------------------------------------------------------------------------------------------------------

# Chinese characters and the full-width punctuation that ends or joins Chinese sentences.
_WIDE = re.compile(r"[\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
# A text that ends in Chinese: a Chinese character, then at most two marks ("分。", "分。）").
_CHINESE_END = re.compile(rf"[{_HAN}][^{_HAN}]{{0,2}}$")
_KEEP = 4  # characters held together at the end of a Chinese text
WORD_JOINER = "\u2060"  # invisible; Qt's line breaking never breaks at it (Unicode line-break class WJ)


def join_sentences(*parts: str) -> str:
    """Sentences one after another, as each language writes them: a space after an English sentence, none next to a
    Chinese one ("未找到会员。该会员…", never "会员。 该会员"). Empty parts are left out."""
    joined = ""
    for part in (piece.strip() for piece in parts):
        if not part:
            continue
        if joined and not (_WIDE.match(joined[-1]) or _WIDE.match(part[0])):
            joined += " "
        joined += part
    return joined


def no_orphan(text: str) -> str:
    """A Chinese `text` with its last four characters held together by word joiners, so a wrapped label never puts
    "分。" alone on its last line ("…抵扣 2,000 积分。" wraps before "2,000"); other texts come back as they were."""
    if len(text) <= _KEEP or not _CHINESE_END.search(text):
        return text
    return text[:-_KEEP] + WORD_JOINER.join(text[-_KEEP:])


# -- figures ----------------------------------------------------------------------------------------------------------


def yuan_text(cents: int) -> str:
    """Money as the till shows it, from integer cents (never a float): 12850 → "¥128.50", -500 → "-¥5.00",
    123456789 → "¥1,234,567.89"."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}¥{whole:,}.{fraction:02d}"


def points_text(points: int) -> str:
    """Points with thousands separators: 1500 → "1,500"."""
    return f"{points:,}"


def signed_points_text(points: int) -> str:
    """A change of points, with its sign: 120 → "+120", -1500 → "-1,500"."""
    return f"{points:+,}"


def local_time_text(moment: datetime, zone: tzinfo) -> str:
    """A stored (UTC) time on the store's clock, to the minute: "2026-03-18 10:05"."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def birthday_text(birthday: date) -> str:
    """A birthday as the staff read it, month and day (the year is the member's own business): "05-12"."""
    return birthday.strftime("%m-%d")


def local_date_text(moment: datetime, zone: tzinfo) -> str:
    """A stored (UTC) time as the store's calendar day: "2026-03-18"."""
    return moment.astimezone(zone).date().isoformat()


# -- the shared vocabulary in words ----------------------------------------------------------------------------------

#: Preference kinds in the order a guide asks about them (the member card, the preferences page and its chooser).
PREFERENCE_KINDS: Mapping[PreferenceKind, str] = MappingProxyType(
    {
        PreferenceKind.CATEGORY: QT_TRANSLATE_NOOP("Display", "Categories"),
        PreferenceKind.SIZE: QT_TRANSLATE_NOOP("Display", "Sizes"),
        PreferenceKind.COLOUR: QT_TRANSLATE_NOOP("Display", "Colours"),
        PreferenceKind.STYLE: QT_TRANSLATE_NOOP("Display", "Styles"),
        PreferenceKind.TAG: QT_TRANSLATE_NOOP("Display", "Tags"),
        PreferenceKind.NOTE: QT_TRANSLATE_NOOP("Display", "Notes"),
    }
)

_ENTRY_KINDS: Mapping[EntryKind, str] = MappingProxyType(
    {
        EntryKind.EARN: QT_TRANSLATE_NOOP("Display", "Earned"),
        EntryKind.REDEEM: QT_TRANSLATE_NOOP("Display", "Redeemed"),
        EntryKind.REVERSE: QT_TRANSLATE_NOOP("Display", "Reversal"),
        EntryKind.ADJUST: QT_TRANSLATE_NOOP("Display", "Adjustment"),
        EntryKind.REFUND: QT_TRANSLATE_NOOP("Display", "Refund"),
        EntryKind.EXPIRE: QT_TRANSLATE_NOOP("Display", "Expired"),
        EntryKind.GIFT: QT_TRANSLATE_NOOP("Display", "Gift"),
    }
)

_ITEM_TYPES: Mapping[ItemType, str] = MappingProxyType(
    {
        ItemType.ENROL: QT_TRANSLATE_NOOP("Display", "Enrolment"),
        ItemType.POINT_ENTRY: QT_TRANSLATE_NOOP("Display", "Points entry"),
        ItemType.PREFERENCE: QT_TRANSLATE_NOOP("Display", "Preference"),
        ItemType.MEMBER_UPDATE: QT_TRANSLATE_NOOP("Display", "Member's consent"),
        ItemType.MEMBER_EDIT: QT_TRANSLATE_NOOP("Display", "Member's details"),
        ItemType.SALE: QT_TRANSLATE_NOOP("Display", "Sale (no member)"),
        ItemType.WARNING_OUTCOME: QT_TRANSLATE_NOOP("Display", "Contact list: outcome"),
        ItemType.COUPON_USE: QT_TRANSLATE_NOOP("Display", "Coupon used"),
        ItemType.COUPON_ISSUE: QT_TRANSLATE_NOOP("Display", "Coupon given"),
    }
)

_ENTRY_STATES: Mapping[EntrySync, str] = MappingProxyType(
    {
        EntrySync.PENDING: QT_TRANSLATE_NOOP("Display", "Not synced yet"),
        EntrySync.APPLIED: QT_TRANSLATE_NOOP("Display", "Synced"),
        EntrySync.FLAGGED: QT_TRANSLATE_NOOP("Display", "Flagged"),
        EntrySync.REJECTED: QT_TRANSLATE_NOOP("Display", "Rejected"),
    }
)

_ITEM_STATUSES: Mapping[ItemStatus, str] = MappingProxyType(
    {
        ItemStatus.APPLIED: QT_TRANSLATE_NOOP("Display", "Applied"),
        ItemStatus.DUPLICATE: QT_TRANSLATE_NOOP("Display", "Sent before"),
        ItemStatus.FLAGGED: QT_TRANSLATE_NOOP("Display", "Flagged"),
        ItemStatus.MERGED: QT_TRANSLATE_NOOP("Display", "Merged"),
        ItemStatus.REJECTED: QT_TRANSLATE_NOOP("Display", "Rejected"),
    }
)

_SEGMENTS: Mapping[Segment, str] = MappingProxyType(
    {
        Segment.HIGH_VALUE_LOYAL: QT_TRANSLATE_NOOP("Display", "High-value loyal"),
        Segment.POTENTIAL: QT_TRANSLATE_NOOP("Display", "Potential, to nurture"),
        Segment.DORMANT: QT_TRANSLATE_NOOP("Display", "Dormant, to win back"),
        Segment.NEW: QT_TRANSLATE_NOOP("Display", "New member"),
    }
)


# The chain's tiers by code. The rules from the server carry a Chinese name for each; the till shows its own
# translated word for the tiers it knows, so English mode reads "Gold" (a tier newer than this till shows the
# server's name for it).
_TIERS: Mapping[str, str] = MappingProxyType(
    {
        "normal": QT_TRANSLATE_NOOP("Display", "Standard"),
        "silver": QT_TRANSLATE_NOOP("Display", "Silver"),
        "gold": QT_TRANSLATE_NOOP("Display", "Gold"),
        "platinum": QT_TRANSLATE_NOOP("Display", "Platinum"),
    }
)


def preference_kind_name(kind: PreferenceKind) -> str:
    return _tr(PREFERENCE_KINDS[kind])


def entry_kind_name(kind: EntryKind | str) -> str:
    """A ledger entry's kind in words (a kind newer than this till shows as its code)."""
    words = _ENTRY_KINDS.get(kind) if isinstance(kind, EntryKind) else None
    return _tr(words) if words is not None else str(kind)


def item_type_name(item_type: str) -> str:
    """What a pushed item was, in words; a point entry is better named by its kind (`entry_kind_name`)."""
    try:
        return _tr(_ITEM_TYPES[ItemType(item_type)])
    except ValueError:
        return item_type


def entry_state_name(state: EntrySync) -> str:
    return _tr(_ENTRY_STATES[state])


def item_status_name(status: str | None) -> str:
    """What the server answered for a pushed item, in words ("" for none yet; an unknown code as it came)."""
    if status is None:
        return ""
    try:
        return _tr(_ITEM_STATUSES[ItemStatus(status)])
    except ValueError:
        return status


_LAYERS: Mapping[Layer, str] = MappingProxyType(
    {
        Layer.BASIC: QT_TRANSLATE_NOOP("Display", "Basic"),
        Layer.BEHAVIOUR: QT_TRANSLATE_NOOP("Display", "Behaviour"),
        Layer.PREDICTION: QT_TRANSLATE_NOOP("Display", "Prediction"),
    }
)


_LAYER_LINE = QT_TRANSLATE_NOOP("Display", "%1: %2")  # a layer's name, then its tags
_SEPARATOR = QT_TRANSLATE_NOOP("Display", ", ")  # between two tags


def chain_text(words: Words) -> str:
    """A text the chain wrote in each language (a tag's name, a suggested action), in the screen's language."""
    return words.in_language(QLocale().name())


def tags_text(insight: InsightRules, tags: Sequence[str]) -> str:
    """The member's tags by layer, in the screen's language: "Basic: Birthday soon  ·  Prediction: Churn risk"
    ("" for none). A tag the rules do not know (an older till's data, or tags from before the rules) is shown as
    stored, last, under no layer name."""
    line, separator = _tr(_LAYER_LINE), _tr(_SEPARATOR)
    return "  ·  ".join(
        line.replace("%1", layer).replace("%2", separator.join(names)) if layer else separator.join(names)
        for layer, names in _tags_by_layer(insight, tags)
    )


def _tags_by_layer(insight: InsightRules, tags: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Each layer's name (in order; "" for tags the rules do not know) and its tags' names."""
    grouped: dict[Layer, list[str]] = {}
    unknown: list[str] = []
    for code in tags:
        tag = insight.tag(code)
        if tag is None:
            unknown.append(code)
        else:
            grouped.setdefault(tag.layer, []).append(chain_text(tag.name))
    shown = [(_tr(_LAYERS[layer]), grouped[layer]) for layer in Layer if layer in grouped]
    return [*shown, ("", unknown)] if unknown else shown


def suggested_actions(insight: InsightRules, segment: str | None, tags: Sequence[str], limit: int = 2) -> list[str]:
    """What the guide could do for this member, most pressing first: the actions of their prediction tags, then of
    their other tags, then their segment's (the chain's words, in the screen's language), at most `limit`."""
    rules = [tag for code in tags if (tag := insight.tag(code)) is not None and tag.action is not None]
    rules.sort(key=lambda tag: tag.layer is not Layer.PREDICTION)
    actions = [chain_text(tag.action) for tag in rules if tag.action is not None]
    try:
        segment_action = insight.segment_actions.get(Segment(segment)) if segment else None
    except ValueError:  # a segment newer than this till
        segment_action = None
    if segment_action is not None:
        actions.append(chain_text(segment_action))
    return actions[:limit]


def segment_name(segment: str | None) -> str:
    """The segment code the server computed, in the user's words ("" when there is none)."""
    if not segment:
        return ""
    try:
        return _tr(_SEGMENTS[Segment(segment)])
    except ValueError:
        return segment  # a segment newer than this till: the server's own word for it


def tier_name(rules: PointsRules, code: str) -> str:
    """A tier's name in the user's language; for a tier this till has no word for, the rules' name, or its code
    when the rules are older than the server's tiers (a sync fixes it)."""
    words = _TIERS.get(code)
    if words is not None:
        return _tr(words)
    try:
        return rules.tier(code).name
    except UnknownTier:
        return code
