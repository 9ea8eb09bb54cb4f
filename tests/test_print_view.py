"""The printable ward map: numbered places of the ward (with the map page's filters), a QR code
linking back to each, the public point and ward only for approximate places, credits, A4."""

from __future__ import annotations

import re
from html import unescape

import pytest
import segno

from hiroba.districts import views as district_views
from hiroba.districts.printing import QR_ERROR_LEVEL
from tests.auth_helpers import EN
from tests.conftest import ROOT
from tests.factories import NAKAHARA
from tests.test_pages import (
    SECRET_ADDRESS,
    SECRET_POINT,
    inline_scripts,
    mentions,
    page,
    reveals_point,
)
from tests.test_place_page import public_point

KAWASAKI_KU = "141313"
PRINT = f"/districts/{NAKAHARA}/print"
ENTRY = re.compile(
    r'<li class="print-entry">\s*<span class="print-number" aria-hidden="true">(\d+)</span>'
    r'.*?<p class="print-entry-name"><span class="visually-hidden">\d+\. </span>([^<]*)</p>'
    r"(.*?)</li>",
    re.S,
)
QR = re.compile(r'<a class="print-qr" href="([^"]+)"[^>]*>(<svg.*?</svg>)</a>', re.S)


def entries(source: str) -> list[tuple[int, str, str]]:
    """(number, name, rest of the entry) of every printed entry, in order."""
    return [(int(n), unescape(name), rest) for n, name, rest in ENTRY.findall(source)]


def qr_matrix(svg: str) -> list[list[int]]:
    """The dark modules of segno's inline SVG path, as a 0/1 matrix (quiet zone included)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    matrix = [[0] * size for _ in range(size)]
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for command, number, *rest in re.findall(r"([Mmhv])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        value = float(number)
        if command == "M":
            x, y = value, float(rest[0])
        elif command == "m":
            x, y = x + value, y + float(rest[0])
        elif command == "h":
            for column in range(int(x), int(x + value)):
                matrix[int(y - 0.5)][column] = 1
            x += value
    return matrix


def test_printout_numbers_the_wards_places_in_list_order(client, make_place):
    names = ["アの場所", "イの場所", "ウの場所"]
    for name in reversed(names):
        make_place(name=name, name_kana=name.replace("の場所", "ノバショ"))
    make_place(name="審査待ち", status="pending")
    make_place(name="川崎区の場所", ward=KAWASAKI_KU)
    source = page(client, PRINT, **EN)
    assert [(n, name) for n, name, _rest in entries(source)] == [
        (1, "アの場所"),
        (2, "イの場所"),
        (3, "ウの場所"),
    ]
    assert "3 places" in source


def test_filters_of_the_map_page_narrow_the_printout(client, make_place):
    make_place(name="段差なしの公園", kind="park", accessibility=["step_free_entrance"])
    make_place(name="段差ありの公園", kind="park", accessibility=[])
    make_place(name="段差なしのカフェ", kind="cafe", accessibility=["step_free_entrance"])
    make_place(name="川崎区の段差なし", ward=KAWASAKI_KU, accessibility=["step_free_entrance"])
    step_free = page(client, f"{PRINT}?accessibility=step_free_entrance", **EN)
    assert {name for _n, name, _r in entries(step_free)} == {"段差なしの公園", "段差なしのカフェ"}
    assert "Only places with: Step-free entrance" in step_free
    # Repeated checkboxes, as the ward page's form sends them, and the ward is always this one.
    both = page(
        client, f"{PRINT}?kind=park&accessibility=step_free_entrance&district={KAWASAKI_KU}", **EN
    )
    assert [name for _n, name, _r in entries(both)] == ["段差なしの公園"]
    several = page(client, f"{PRINT}?kind=park&kind=cafe", **EN)
    assert len(entries(several)) == 3


def test_bad_filters_are_an_html_400(client):
    response = client.get(f"{PRINT}?kind=castle", headers=EN)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "kind" in response.get_data(as_text=True)


def test_each_entry_has_a_qr_code_of_the_places_absolute_url(client, make_place):
    places = [make_place(name=f"QRの場所{i}", name_kana="アアア") for i in range(2)]
    source = page(client, PRINT)
    codes = QR.findall(source)
    assert len(codes) == 2
    expected = {f"http://localhost/places/{p.id}" for p in places}
    assert {href for href, _svg in codes} == expected
    for url, svg in codes:
        reference = segno.make_qr(url, error=QR_ERROR_LEVEL)
        assert qr_matrix(svg) == [list(row) for row in reference.matrix_iter(border=4)]
        assert svg == reference.svg_inline(omitsize=True, svgclass="qr", lineclass="qr-modules")
        assert not reference.is_micro  # phones read full QR codes


def test_qr_decoder_of_this_test_tells_codes_apart():
    """Guards the comparison above: two URLs make different matrices."""
    one = segno.make_qr("http://localhost/places/1", error=QR_ERROR_LEVEL)
    two = segno.make_qr("http://localhost/places/2", error=QR_ERROR_LEVEL)
    svg = one.svg_inline(omitsize=True)
    assert qr_matrix(svg) == [list(r) for r in one.matrix_iter(border=4)]
    assert qr_matrix(svg) != [list(r) for r in two.matrix_iter(border=4)]


def test_map_has_a_numbered_marker_per_place_and_no_names(client, make_place):
    hostile = make_place(name="<img src=x onerror=alert(1)>${alert(2)}`", name_kana="アアア")
    other = make_place(name="普通の場所", name_kana="イイイ")
    source = page(client, PRINT)
    (script,) = [body for _tag, body in inline_scripts(source)]
    numbers = re.findall(r'print-marker-number\\"\\u003e(\d+)\\u003c', script)
    assert sorted(int(n) for n in numbers) == [1, 2]
    assert hostile.name not in script and other.name not in script and "alert(" not in script
    assert "<img src=x" not in source  # escaped in the list
    assert '"dragging": false' in script and '"zoomControl": false' in script  # a still map


def reveals_point_exactly(source: str, lon: float, lat: float) -> bool:
    """Both coordinates, to 6 decimals (~10 cm, as stored), appear somewhere in ``source``."""
    found = {round(float(m), 6) for m in re.findall(r"-?\d+\.\d+", source)}
    return round(lon, 6) in found and round(lat, 6) in found


def test_an_approximate_place_prints_its_ward_and_public_point_only(app, client, make_place):
    place = make_place(
        kind="vacant_house", sector="private", location_precision="approximate",
        location=list(SECRET_POINT), address=SECRET_ADDRESS, name="中原の離れ",
    )  # fmt: skip
    source = page(client, PRINT, **EN)
    ((_n, _name, rest),) = entries(source)
    assert "Nakahara-ku (approximate location)" in rest
    assert not mentions(source, SECRET_ADDRESS) and "ひみつ荘" not in source
    # To the stored precision: at 4 decimals (~10 m) a random public point in the ~500 m cell
    # shares a coordinate with the true one about once in 60 draws (one run did).
    assert not reveals_point_exactly(source, *SECRET_POINT)
    (script,) = [body for _tag, body in inline_scripts(source)]
    assert reveals_point(script, *public_point(app, place))


def test_entry_shows_kind_address_hours_and_capacity(client, make_place):
    make_place(name="集会所", capacity=30, address="川崎市中原区小杉町1-1")
    ((_n, _name, rest),) = entries(page(client, PRINT, **EN))
    assert "Community hall · Up to 30 people" in rest
    assert "川崎市中原区小杉町1-1" in rest
    assert "Hours: Mon–Fri 09:00–21:00" in rest


def test_header_has_ward_date_and_credits_and_no_site_navigation(client):
    source = page(client, PRINT, **EN)
    header = re.search(r'<header class="print-header">.*?</header>', source, re.S).group(0)
    assert "Nakahara-ku" in header
    assert re.search(r"As of \w+ \d{1,2}, \d{4}", header)
    assert "OpenStreetMap" in header and "国土数値情報" in header
    assert 'class="site-nav"' not in source and 'class="site-header"' not in source
    assert '<meta name="robots" content="noindex">' in source


def test_a_long_printout_stops_at_the_limit_and_says_so(client, make_place, monkeypatch):
    monkeypatch.setattr(district_views, "PRINT_LIMIT", 2)
    for i in range(3):
        make_place(name=f"多い{i}", name_kana="アアア")
    source = page(client, PRINT, **EN)
    assert len(entries(source)) == 2
    assert "This list shows the first 2 of 3 places." in source


def test_the_stylesheet_prints_a4_portrait_with_qr_codes_of_at_least_18_mm():
    css = (ROOT / "static" / "css" / "hiroba.css").read_text(encoding="utf-8")
    assert "@page { size: A4; margin: 12mm; }" in css
    size = re.search(r"\.print-qr svg \{[^}]*width: (\d+)mm; height: (\d+)mm;", css)
    assert int(size.group(1)) >= 18 and int(size.group(2)) >= 18
    assert re.search(r"\.print-entry \{[^}]*break-inside: avoid;", css)


@pytest.mark.parametrize("code", ["999999", "abc"])
def test_unknown_ward_printout_is_404(client, code):
    assert client.get(f"/districts/{code}/print").status_code == 404
