"""HTML pages: the map and list, a place, privacy in page source, language, redirects, headers."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from hiroba.extensions import db
from hiroba.places.models import Place
from tests.factories import NAKAHARA

SECRET_POINT = (139.658713, 35.577331)  # a home in 中原区: never published
SECRET_ADDRESS = "川崎市中原区小杉町3丁目9-9 ひみつ荘101号室"
HOSTILE_NAME = "<script>alert(1)</script>${alert(2)}`"
# Readings starting with ア put these places at the top of the list (the factory's are テスト…).
FIRST_KANA = "アアア"


@pytest.fixture
def make_places(make_place, make_user, make_staff):
    """Approved places named ``prefix00``, ``prefix01``… listed first on ``/``."""
    owner, staff = make_user(), make_staff(NAKAHARA)

    def make(n: int, prefix: str, start: int = 0, **overrides):
        overrides = {"owner": owner, "reviewer": staff, "name_kana": FIRST_KANA, **overrides}
        return [make_place(name=f"{prefix}{i:02d}", **overrides) for i in range(start, start + n)]

    return make


def page(client, path: str, status: int = 200, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == status, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def html_lang(source: str) -> str:
    return re.search(r'<html lang="([^"]+)"', source).group(1)


def inline_scripts(source: str) -> list[tuple[str, str]]:
    """(opening tag, body) of every executable inline script."""
    found = re.findall(r"(<script\b[^>]*>)(.*?)</script>", source, re.S)
    return [(tag, body) for tag, body in found if "src=" not in tag and "json" not in tag]


def map_script(source: str) -> str:
    ((_tag, body),) = inline_scripts(source)
    return body


def mentions(source: str, text: str) -> bool:
    """``text`` as is, HTML-escaped, or JSON-escaped (as in ``|tojson`` blocks)."""
    forms = {text, html.escape(text), json.dumps(text)[1:-1]}
    return any(form in source for form in forms)


def reveals_point(source: str, lon: float, lat: float) -> bool:
    """Both coordinates, to 4 decimals (~10 m), appear somewhere in ``source``."""
    found = {round(float(m), 4) for m in re.findall(r"-?\d+\.\d+", source)}
    return round(lon, 4) in found and round(lat, 4) in found


def csrf_token(client) -> str:
    source = page(client, "/")
    return re.search(r'name="csrf_token" value="([^"]+)"', source).group(1)


# --- the map and list ------------------------------------------------------------------------


def test_index_lists_approved_places_but_not_pending_ones(client, make_places, make_place):
    make_places(2, "公開中の集会所")
    hidden = make_place(status="pending", name="審査待ちの集会所", name_kana=FIRST_KANA)
    source = page(client, "/")
    assert "公開中の集会所00" in source and "公開中の集会所01" in source
    assert hidden.name not in source
    assert f'href="/places/{hidden.id}"' not in source


def test_index_pages_through_the_list(client, make_places):
    make_places(21, "ページ送り")
    first = page(client, "/")
    second = page(client, "/?page=2")
    assert first.count('class="place-item"') == 20
    assert "ページ送り00" in first and "ページ送り19" in first
    assert "ページ送り20" not in first
    assert "ページ送り20" in second and "ページ送り00" not in second
    assert 'rel="next" href="/?page=2"' in first
    assert 'rel="prev" href="/?page=1"' in second


@pytest.mark.parametrize(
    "value", ["0", "-1", "abc", "2.5", "1e3", "%00", "", "１", "99999999999999999999999"]
)
def test_nonsense_page_numbers_still_show_the_page(client, value):
    source = page(client, f"/?page={value}")
    assert 'class="place-list"' in source


def test_page_weight_does_not_grow_with_the_number_of_places(client, make_places):
    places = make_places(21, "重さ比べ")
    before = page(client, "/")
    places += make_places(30, "重さ比べ", start=21)
    after = page(client, "/")
    script = map_script(after)
    assert len(script) == len(map_script(before))
    assert not any(p.name in script for p in places)
    # Only the count and "page 1 of N" change; the list stays at 20 entries.
    assert abs(len(after) - len(before)) < 40


# --- one place ---------------------------------------------------------------------------------


def test_place_page_shows_name_kind_and_hours(client, make_place):
    place = make_place(name="小杉の集会所", kind="community_hall")
    source = page(client, f"/places/{place.id}", **{"Accept-Language": "en"})
    assert '<h1 lang="ja">小杉の集会所</h1>' in source
    assert "Community hall" in source
    assert re.search(r"Monday</th>\s*<td>09:00–21:00</td>", source)
    assert re.search(r"Sunday</th>\s*<td>Closed</td>", source)
    assert "川崎市中原区小杉町3丁目600" in source  # an exact place shows its address


@pytest.mark.parametrize("status", ["draft", "pending", "changes_requested", "rejected"])
def test_unpublished_place_is_an_html_404_for_visitors(client, make_place, status):
    place = make_place(status=status, name="まだ非公開の場所")
    source = page(client, f"/places/{place.id}", status=404)
    assert html_lang(source) == "ja"
    assert "まだ非公開の場所" not in source


@pytest.mark.parametrize("path", ["/places/999999", "/places/abc", f"/places/{10**25}"])
def test_unknown_place_is_an_html_404(client, path):
    assert html_lang(page(client, path, status=404)) == "ja"


def test_approximate_place_page_source_hides_the_home(app, client, make_place):
    place = make_place(
        kind="vacant_house", sector="private", location_precision="approximate",
        location=list(SECRET_POINT), address=SECRET_ADDRESS, name="中原の離れ",
    )  # fmt: skip
    with app.app_context():
        public = db.session.execute(
            select(func.ST_X(Place.public_location), func.ST_Y(Place.public_location)).where(
                Place.id == place.id
            )
        ).one()
    for headers in ({}, {"Accept-Language": "en"}):
        source = page(client, f"/places/{place.id}", **headers)
        assert "中原の離れ" in source
        assert not reveals_point(source, *SECRET_POINT)
        assert not mentions(source, SECRET_ADDRESS) and not mentions(source, "ひみつ荘")
        assert reveals_point(map_script(source), *public)  # the map shows the public point
    listing = page(client, "/")
    assert not mentions(listing, "ひみつ荘")


def test_hostile_place_name_is_escaped_everywhere(client, make_place):
    place = make_place(name=HOSTILE_NAME, name_kana=FIRST_KANA)
    for path in (f"/places/{place.id}", "/"):
        source = page(client, path)
        assert "<script>alert" not in source
        assert "&lt;script&gt;alert(1)&lt;/script&gt;${alert(2)}`" in source
        assert not any("alert(" in body for _tag, body in inline_scripts(source))


# --- language ----------------------------------------------------------------------------------


def test_japanese_by_default_and_english_on_request(client):
    assert html_lang(page(client, "/")) == "ja"
    assert html_lang(page(client, "/", **{"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert html_lang(page(client, "/no-such-page", status=404)) == "ja"


def test_language_switch_sets_a_cookie_that_wins_over_the_browser(client):
    response = client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": "/"})
    assert response.status_code in (302, 303)
    assert any(c.startswith("hiroba_lang=en;") for c in response.headers.getlist("Set-Cookie"))
    assert html_lang(page(client, "/", **{"Accept-Language": "ja"})) == "en"


def test_language_switch_without_csrf_token_is_refused(client):
    response = client.post("/lang/en", data={"next": "/"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "hiroba_lang" not in " ".join(response.headers.getlist("Set-Cookie"))
    assert html_lang(page(client, "/")) == "ja"


OPEN_REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "https://evil.example",
    "HTTPS://evil.example/path",
    "https://localhost@evil.example/",
    "//localhost@evil.example",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\x7f/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "/" + "a" * 5000,
    "//" + "evil." * 1000 + "example",
    "/\r\nSet-Cookie: hiroba_lang=xx",
    "/\r\nLocation: https://evil.example",
    "／／evil.example",
    "\u3000//evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS, ids=range(len(OPEN_REDIRECTS)))
def test_language_switch_only_redirects_within_the_site(client, target):
    response = client.post("/lang/en", data={"csrf_token": csrf_token(client), "next": target})
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    # Browsers drop tabs and newlines inside URLs and read a backslash as a slash.
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip("\x00 ")
    parts = urlsplit(seen)
    if parts.scheme or parts.netloc:
        assert (parts.scheme, parts.netloc) in {("http", "localhost"), ("https", "localhost")}
    else:
        assert seen.startswith("/") and not seen.startswith("//"), location
    assert "evil" not in parts.netloc
    assert all("\n" not in v and "\r" not in v for _k, v in response.headers.items())


def test_language_switch_keeps_a_relative_next(client):
    response = client.post(
        "/lang/en", data={"csrf_token": csrf_token(client), "next": "/places/12?page=2"}
    )
    assert response.headers["Location"] in (
        "/places/12?page=2",
        "http://localhost/places/12?page=2",
    )


# --- headers, errors and probes ----------------------------------------------------------------


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[-1] for d in policy.split("; ")}


@pytest.mark.parametrize("path", ["/", "/places/{id}", "/no-such-page"])
def test_html_pages_carry_security_headers_and_a_fresh_nonce(client, make_place, path):
    path = path.format(id=make_place().id)
    nonces = []
    for _ in range(2):
        response = client.get(path)
        csp = csp_of(response)
        assert "'unsafe-inline'" not in csp["script-src"]
        assert "*" not in csp["script-src"].split()
        assert csp["frame-ancestors"] == "'none'"
        assert csp["object-src"] == "'none'"
        nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
        for tag, _body in inline_scripts(response.get_data(as_text=True)):
            assert f'nonce="{nonce}"' in tag
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in (
            "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
        )  # fmt: skip
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_map_page_runs_its_map_script_under_the_nonce(client):
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", csp_of(response)["script-src"]).group(1)
    source = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in source
    assert "L.map(" in map_script(source)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/no-such-thing", 404),
        ("get", "/api/collections/places/items/999999", 404),
        ("post", "/api/collections/places/items", 405),
    ],
)
def test_api_errors_are_problem_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["status"] == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("method", "path", "status"), [("get", "/nope", 404), ("put", "/", 405)])
def test_page_errors_are_html(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<p class="status-code">' + str(status) in response.get_data(as_text=True)


def test_health_probes(client):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"
