"""全国地方公共団体コード: check digits, and the 6-digit form that districts are keyed by."""

import csv

import pytest

from hiroba.districts.codes import InvalidCode, check_digit, to_code6
from tests.conftest import SHARED_DATA

WARD_CODES = list(
    csv.DictReader((SHARED_DATA / "ward-codes.csv").read_text(encoding="utf-8").splitlines())
)
KAWASAKI = [row for row in WARD_CODES if row["parent_code6"] == "141305"]


def test_the_reference_list_holds_the_seven_kawasaki_wards():
    """Guards the parametrisation below: it must really cover Kawasaki's 7 wards."""
    assert [row["code5"] for row in KAWASAKI] == [f"1413{n}" for n in range(1, 8)]


def test_check_digit_of_the_documented_example():
    """14133 (中原区) → 141330: the worked example of JIS X 0402."""
    assert check_digit("14133") == "0"
    assert to_code6("14133") == "141330"


@pytest.mark.parametrize("row", WARD_CODES, ids=lambda row: row["code5"])
def test_check_digits_match_the_published_codes(row):
    """Every code in the reference list, Kawasaki's 7 wards included, gets its published digit."""
    assert to_code6(row["code5"]) == row["code6"]


@pytest.mark.parametrize("row", KAWASAKI, ids=lambda row: row["code6"])
def test_a_correct_six_digit_code_is_accepted_unchanged(row):
    assert to_code6(row["code6"]) == row["code6"]


def test_integers_are_read_as_codes():
    """Spreadsheets and JSON often hand codes over as numbers."""
    assert to_code6(14133) == "141330"


@pytest.mark.parametrize("code", ["141331", "141339", "141314"])
def test_a_wrong_check_digit_is_refused_naming_the_right_code(code):
    """A typo in a 6-digit code must not silently become another ward."""
    with pytest.raises(InvalidCode) as raised:
        to_code6(code)
    assert code in str(raised.value)
    assert to_code6(code[:5]) in str(raised.value)


@pytest.mark.parametrize(
    "code",
    [
        "1413a",
        "14-13",
        "１４１３３",  # full-width digits: isdigit() is true for them, but they are not a code
        "１４１３３０",
        "",
        None,
        "   ",
        "1413",
        "1413300",
        "14133.0",
        "+14133",
    ],
)
def test_anything_but_five_or_six_ascii_digits_is_refused(code):
    with pytest.raises(InvalidCode):
        to_code6(code)
