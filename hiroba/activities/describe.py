"""A recurrence rule in words, in Japanese and in English: 「毎月第2火曜 10:00–12:00」,
"2nd Tuesday of every month, 10:00–12:00".

A pure function of the rule and the language (not gettext): the API gives both languages at
once, and the grammar differs too much between them for one translated template per shape
(Japanese counts 第1・第3水曜, English "1st and 3rd Wednesday").
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from hiroba.activities.recurrence import LAST, Recurrence, Rule
from hiroba.i18n import hhmm

LANGUAGES = ("ja", "en")
MAX_DATES_LISTED = 8
JA_DAYS = "月火水木金土日"
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", LAST: "last"}


def _en_ordinal(day: int) -> str:
    if day % 10 in (1, 2, 3) and day not in (11, 12, 13):
        return f"{day}{('st', 'nd', 'rd')[day % 10 - 1]}"
    return f"{day}th"


def _en_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _weeks(rule: Rule) -> list[int]:
    """Weeks of the month in reading order: 1st … 4th, then the last."""
    return sorted(rule.weeks_of_month, key=lambda nth: 5 if nth == LAST else nth)


def _dates(rule: Rule, language: str) -> str:
    days = sorted(rule.dates)
    style = "long" if language == "ja" else "medium"  # 2026年12月5日 / Dec 5, 2026
    shown = [format_date(day, style, locale=language) for day in days[:MAX_DATES_LISTED]]
    more = len(days) - len(shown)
    if language == "ja":
        return "、".join(shown) + (f" ほか{more}日" if more else "")
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _pattern_ja(rule: Rule) -> str:
    days = "・".join(JA_DAYS[d - 1] for d in sorted(rule.weekdays)) + "曜"
    if rule.kind == Recurrence.WEEKLY:
        if rule.interval_weeks == 1:
            return f"毎週{days}"
        if rule.interval_weeks == 2:
            return f"隔週{days}"
        return f"{rule.interval_weeks}週ごと{days}"
    if rule.kind == Recurrence.MONTHLY_WEEKDAY:
        weeks = "・".join("最終" if nth == LAST else f"第{nth}" for nth in _weeks(rule))
        return f"毎月{weeks}{days}"
    if rule.kind == Recurrence.MONTHLY_DAY:
        text = f"毎月{rule.day_of_month}日"
        if rule.day_of_month and rule.day_of_month >= 29:
            text += f"（{rule.day_of_month}日のない月は休み）"
        return text
    return _dates(rule, "ja")


def _pattern_en(rule: Rule) -> str:
    days = _en_list([EN_DAYS[d - 1] for d in sorted(rule.weekdays)])
    if rule.kind == Recurrence.WEEKLY:
        if rule.interval_weeks == 1:
            return f"Every {days}"
        if rule.interval_weeks == 2:
            return f"Every other {days}"
        return f"Every {rule.interval_weeks} weeks on {days}"
    if rule.kind == Recurrence.MONTHLY_WEEKDAY:
        weeks = _en_list([EN_ORDINALS[nth] for nth in _weeks(rule)])
        return f"{weeks[0].upper()}{weeks[1:]} {days} of every month"
    if rule.kind == Recurrence.MONTHLY_DAY:
        day = rule.day_of_month or 0
        text = f"The {_en_ordinal(day)} of every month"
        if day >= 29:
            text += f" (not in months without a {_en_ordinal(day)})"
        return text
    return _dates(rule, "en")


def describe(rule: Rule, language: str) -> str:
    """The rule and its times in one line, in ``language`` (``ja``, else English)."""
    times = f"{hhmm(rule.start_minute)}–{hhmm(rule.end_minute)}"
    if language == "ja":
        text = f"{_pattern_ja(rule)} {times}"
        return text + ("（祝日は休み）" if rule.skip_holidays else "")
    text = f"{_pattern_en(rule)}, {times}"
    return text + (" (not on national holidays)" if rule.skip_holidays else "")


def period(rule: Rule, language: str) -> str | None:
    """From when until when the rule holds, or None when it simply goes on (dates: never)."""
    if rule.kind == Recurrence.DATES:
        return None
    start = format_date(rule.starts_on, "long", locale=language)
    end = format_date(rule.ends_on, "long", locale=language) if rule.ends_on else None
    if language == "ja":
        return f"{start}から{end}まで" if end else f"{start}から"
    return f"From {start} until {end}" if end else f"From {start}"


def both(rule: Rule) -> dict[str, str]:
    """The rule in every language, for the API."""
    return {language: describe(rule, language) for language in LANGUAGES}


def day_label(day: date, language: str) -> str:
    """A meeting date as pages list it: 「12月8日(火)」, "Tue 8 Dec"."""
    if language == "ja":
        return f"{day.month}月{day.day}日({JA_DAYS[day.weekday()]})"
    return format_date(day, "EEE d MMM yyyy", locale="en")
