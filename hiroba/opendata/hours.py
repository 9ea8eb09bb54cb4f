"""Opening hours as 公共施設一覧 files write them, read into hiroba's weekly periods.

Two forms: hiroba's own 利用時間_詳細 (``月 09:00-17:00;火 09:00-12:00,13:00-17:00``, exact),
and the standard 利用可能曜日 with one 開始時間 and 終了時間 for all those days. The days are
written in many ways; the common ones are understood:

- day names run together or separated: ``月火水木金``, ``月・水・金``, ``月曜日,水曜日``;
- ranges: ``月～金``, ``月〜金``, ``月-金``, ``月曜から金曜``, wrapping too (``金～月``);
- words: ``平日`` (月～金), ``毎日`` / ``全日`` / ``年中無休`` / ``無休`` (every day);
- exceptions: ``月曜日を除く``, ``毎日（月曜除く）``, ``平日を除く``;
- 祝日 / 祝 (``土日祝``): public holidays are not weekly, so they are left out and reported.

Anything else (``第2・第4土曜日``, ``隔週``…) is an error naming the column, not a guess.
"""

from __future__ import annotations

import re
import unicodedata

from hiroba.opendata.layout import (
    EVERY_DAY_WORDS,
    HOLIDAY_WORDS,
    LIST_SEPARATOR,
    WEEKDAY_NAMES,
    WEEKDAYS_WORD,
)

ALL_DAYS = list(range(1, 8))
_RANGE_MARKS = ("～", "〜", "~", "-", "‐", "−", "–", "—", "ー", "から")
_SEPARATORS = re.compile(r"[、,・/／\s]|及び|および|と")
_EXCEPT = re.compile(r"^(?P<base>.*?)[(（]?(?P<days>[^()（）]+?)を?除く[)）]?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")
_JA_CLOCK = re.compile(r"^(\d{1,2})時(?:(\d{1,2})分|(半))?$")
_PERIOD = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")


class NotUnderstood(ValueError):
    """The text is not in a form this module reads."""


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _day_list(text: str) -> tuple[list[int], bool]:
    """Days in ``text`` (no exceptions) in ISO numbers, and whether holidays were named."""
    holidays = False
    for word in HOLIDAY_WORDS:
        if word in text:
            holidays = True
            text = text.replace(word, "")
    text = text.replace("曜日", "").replace("曜", "").replace("まで", "")
    text = text.replace(WEEKDAYS_WORD, "月~金")
    for word in EVERY_DAY_WORDS:
        text = text.replace(word, "月~日")
    for mark in _RANGE_MARKS:
        text = text.replace(mark, "~")
    text = _SEPARATORS.sub("", text)
    days: list[int] = []
    position = 0
    while position < len(text):
        first = WEEKDAY_NAMES.find(text[position])
        if first < 0:
            raise NotUnderstood(text)
        if text[position + 1 : position + 2] == "~":
            last = WEEKDAY_NAMES.find(text[position + 2 : position + 3] or "?")
            if last < 0:
                raise NotUnderstood(text)
            days += [(first + step) % 7 + 1 for step in range((last - first) % 7 + 1)]
            position += 3
        else:
            days.append(first + 1)
            position += 1
    if not days and not holidays:
        raise NotUnderstood(text)
    return sorted(set(days)), holidays


def parse_weekdays(text: str) -> tuple[list[int], bool]:
    """ISO weekdays (1 = Monday) from 利用可能曜日, and whether 祝日 was named (and left out)."""
    text = _normal(text)
    exception = _EXCEPT.match(text)
    if exception is None:
        return _day_list(text)
    base = exception.group("base").strip()
    days, holidays = _day_list(base) if base else (ALL_DAYS, False)
    closed, closed_holidays = _day_list(exception.group("days"))
    return [d for d in days if d not in closed], holidays or closed_holidays


def parse_clock(text: str) -> str | None:
    """``HH:MM`` from ``9:00``, ``09:00:00``, ``９時``, ``9時30分`` or ``9時半`` (None if not)."""
    text = _normal(text)
    if match := _CLOCK.match(text):
        return f"{int(match.group(1)):02d}:{match.group(2)}"
    if match := _JA_CLOCK.match(text):
        minutes = "30" if match.group(3) else f"{int(match.group(2) or 0):02d}"
        return f"{int(match.group(1)):02d}:{minutes}"
    return None


def parse_hours_detail(text: str) -> list[dict[str, object]]:
    """Periods from hiroba's ``月 09:00-17:00;火 09:00-12:00,13:00-17:00``."""
    periods: list[dict[str, object]] = []
    for part in _normal(text).split(LIST_SEPARATOR):
        if not part.strip():
            continue
        day, _, spans = part.strip().partition(" ")
        day = day.removesuffix("曜日").removesuffix("曜")
        weekday = WEEKDAY_NAMES.find(day) if len(day) == 1 else -1
        if weekday < 0 or not spans.strip():
            raise NotUnderstood(part)
        for span in spans.replace(" ", "").split(","):
            match = _PERIOD.match(span)
            if match is None:
                raise NotUnderstood(span)
            opens, closes = match.groups()
            periods.append({"weekday": weekday + 1, "opens": opens, "closes": closes})
    return periods
