"""全国地方公共団体コード: 5 digits, plus a check digit to make the 6-digit form."""

from __future__ import annotations


class InvalidCode(ValueError):
    pass


def check_digit(code5: str) -> str:
    """JIS X 0402 check digit: s = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5; (11 − s mod 11) mod 10."""
    total = sum(weight * int(d) for weight, d in zip((6, 5, 4, 3, 2), code5, strict=True))
    return str((11 - total % 11) % 10)


def to_code6(code: object) -> str:
    """The 6-digit code from a 5- or 6-digit one; a wrong check digit is an error."""
    text = str(code or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (5, 6):
        raise InvalidCode(f"not a 5- or 6-digit local government code: {text[:20]!r}")
    if len(text) == 5:
        return text + check_digit(text)
    if check_digit(text[:5]) != text[5]:
        expected = text[:5] + check_digit(text[:5])
        raise InvalidCode(f"wrong check digit in {text}: expected {expected}")
    return text
