"""Ward pages (the list of wards, one ward's places, counts by kind, its centre's contact), the
admin form for the centre contact, and centre contacts read from district files."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from hiroba.accounts.models import Role
from hiroba.districts.importing import read_districts
from hiroba.districts.models import CENTRE_FIELDS, District
from hiroba.districts.services import import_districts
from hiroba.extensions import db
from hiroba.seeding import SEEDS
from tests.auth_helpers import EN, logged_in, page_token
from tests.conftest import KAWASAKI_WARDS
from tests.factories import NAKAHARA
from tests.test_pages import inline_scripts, page

KAWASAKI_KU = "141313"
WARD_COUNT = 7


def listed_names(source: str) -> list[str]:
    return re.findall(r'<a class="place-name" href="/places/\d+"[^>]*>([^<]*)</a>', source)


def kind_counts(source: str) -> dict[str, int]:
    """Kind key → count, read from the ward page's table."""
    table = re.search(r'<table class="kind-counts">(.*?)</table>', source, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = re.findall(r'class="kind kind-(\w+)".*?<td class="number">(\d+)</td>', body, re.S)
    return {kind: int(count) for kind, count in rows}


def centre(app, code: str) -> dict:
    with app.app_context():
        district = db.session.get(District, code)
        return {field: getattr(district, field) for field in CENTRE_FIELDS}


# --- the list of wards ---------------------------------------------------------------------------


def test_every_ward_is_listed_with_its_number_of_places(client, make_place):
    make_place(ward=NAKAHARA)
    make_place(ward=NAKAHARA)
    make_place(ward=NAKAHARA, status="pending")
    make_place(ward=KAWASAKI_KU)
    source = page(client, "/districts", **EN)
    links = re.findall(
        r'href="/districts/(\d{6})">\s*<span class="ward-name">([^<]+)</span>\s*'
        r'<span class="ward-count">(\d+) places?</span>',
        source,
    )
    assert len(links) == WARD_COUNT
    counts = {code: int(n) for code, _name, n in links}
    assert counts[NAKAHARA] == 2 and counts[KAWASAKI_KU] == 1
    assert ("141330", "Nakahara-ku") in {(c, n) for c, n, _ in links}


def test_the_site_links_to_the_wards(client):
    assert 'href="/districts"' in page(client, "/")


# --- one ward ------------------------------------------------------------------------------------


def test_ward_page_lists_its_published_places_only(client, make_place):
    mine = [make_place(name=f"中原の場所{i}", name_kana="アアア") for i in range(3)]
    make_place(name="審査待ちの場所", status="pending")
    make_place(name="川崎区の場所", ward=KAWASAKI_KU)
    source = page(client, f"/districts/{NAKAHARA}", **EN)
    assert "<h1>Nakahara-ku</h1>" in source and "中原区" in source
    assert sorted(listed_names(source)) == sorted(p.name for p in mine)
    assert "3 places" in source


def test_counts_by_kind_match_a_hand_count(client, make_place):
    kinds = ["park", "park", "cafe", "community_hall", "shrine_temple", "park"]
    for kind in kinds:
        make_place(kind=kind)
    make_place(kind="cafe", status="pending")  # not published: not counted
    make_place(kind="cafe", ward=KAWASAKI_KU)  # another ward
    source = page(client, f"/districts/{NAKAHARA}", **EN)
    assert kind_counts(source) == dict(Counter(kinds))
    assert re.search(r"Total</th><td class=\"number\">6</td>", source)
    # Each kind has its icon (or dot) and its words, and links to the map filtered to it.
    assert 'href="/?district=141330&amp;kind=park"' in source
    assert "Park, green or plaza" in source


def test_ward_page_pages_through_its_list(client, make_place, make_user, make_staff):
    owner, staff = make_user(), make_staff(NAKAHARA)
    for i in range(21):
        make_place(owner=owner, reviewer=staff, name=f"ページ{i:02d}", name_kana="アアア")
    first = page(client, f"/districts/{NAKAHARA}")
    second = page(client, f"/districts/{NAKAHARA}?page=2")
    assert len(listed_names(first)) == 20 and listed_names(second) == ["ページ20"]
    assert f'rel="next" href="/districts/{NAKAHARA}?page=2"' in first
    assert '<ol class="place-list" start="21">' in second


def test_ward_page_map_loads_the_wards_places_from_the_api(client, make_place):
    place = make_place(name="地図に出る場所")
    source = page(client, f"/districts/{NAKAHARA}")
    assert f'data-api="/api/collections/places/items?district={NAKAHARA}&amp;limit=1000"' in source
    assert '<script src="/static/js/ward-map.js"></script>' in source
    (map_script,) = [body for _tag, body in inline_scripts(source)]
    assert place.name not in map_script  # places come from the API, never baked into folium
    data = json.loads(re.search(r'id="hiroba-ward-map-data">(.*?)</script>', source, re.S).group(1))
    assert data["icons"]["park"] == "/static/icons/kinds/park.svg"
    api = client.get(f"/api/collections/places/items?district={NAKAHARA}&limit=1000").get_json()
    assert [f["id"] for f in api["features"]] == [place.id]


def test_ward_page_links_to_print_and_csv(client):
    source = page(client, f"/districts/{NAKAHARA}")
    assert f'href="/districts/{NAKAHARA}/print"' in source
    assert f'href="/api/collections/places/items?district={NAKAHARA}&amp;f=csv"' in source
    assert f'action="/districts/{NAKAHARA}/print"' in source  # print only some places
    assert 'name="accessibility" value="step_free_entrance"' in source


def test_ward_page_shows_the_centre_contact(app, client):
    with app.app_context():
        district = db.session.get(District, NAKAHARA)
        district.centre_name = "中原区ソーシャルデザインセンター"
        district.centre_email = "sdc@example.jp"
        db.session.commit()
    source = page(client, f"/districts/{NAKAHARA}")
    aside = re.search(r'<aside class="ward-centre".*?</aside>', source, re.S).group(0)
    assert "中原区ソーシャルデザインセンター" in aside and 'href="mailto:sdc@example.jp"' in aside


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/districts/14133", f"/districts/{NAKAHARA}"),
        ("/districts/14133?page=2", f"/districts/{NAKAHARA}?page=2"),
        ("/districts/14133/print?kind=park", f"/districts/{NAKAHARA}/print?kind=park"),
        ("/districts/14133?_external=1&code=1", f"/districts/{NAKAHARA}"),
    ],
)
def test_five_digit_codes_redirect_to_six(client, path, target):
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "code", ["999999", "141331", "1413300", "abcdef", "14133a", "１４１３３０", "99999"]
)
def test_unknown_wards_are_404(client, code):
    assert client.get(f"/districts/{code}").status_code in (404, 301)
    final = client.get(f"/districts/{code}", follow_redirects=True)
    assert final.status_code == 404
    assert final.mimetype == "text/html"


# --- the admin form for the centre contact -------------------------------------------------------

GOOD = {
    "centre_name": "中原区ソーシャルデザインセンター",
    "centre_address": "川崎市中原区 デモ町1-1",
    "centre_hours": "平日 9:00〜17:00\n土曜 10:00〜15:00",
    "centre_phone": "０４４－０００－００００",
    "centre_email": "sdc@example.jp",
    "centre_url": "https://example.jp/sdc/",
    "centre_note": "予約は不要です。",
}


@pytest.fixture
def admin_client(app, make_user):
    return logged_in(app.test_client(), make_user(Role.ADMIN, display_name="管理者"))


def save_centre(client, code: str, values: dict):
    token = page_token(client, f"/admin/districts/{code}")
    return client.post(f"/admin/districts/{code}", data={"csrf_token": token, **values}, headers=EN)


@pytest.mark.parametrize("role", ["resident", "staff"])
def test_centre_form_is_for_administrators_only(app, make_user, role):
    user = make_user(role, wards=[NAKAHARA] if role == "staff" else [])
    client = logged_in(app.test_client(), user)
    assert client.get("/admin/districts").status_code == 403
    assert client.get(f"/admin/districts/{NAKAHARA}").status_code == 403
    token = page_token(client, "/me")
    response = client.post(f"/admin/districts/{NAKAHARA}", data={"csrf_token": token, **GOOD})
    assert response.status_code == 403
    assert centre(app, NAKAHARA)["centre_name"] is None


def test_centre_form_sends_visitors_to_log_in(client):
    response = client.get(f"/admin/districts/{NAKAHARA}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_centre_form_needs_a_csrf_token(app, admin_client):
    response = admin_client.post(f"/admin/districts/{NAKAHARA}", data=GOOD)
    assert response.status_code in (400, 422)
    assert centre(app, NAKAHARA)["centre_name"] is None


def test_saved_centre_contact_appears_on_place_pages(app, admin_client, client, make_place):
    listing = page(admin_client, "/admin/districts")
    assert f'href="/admin/districts/{NAKAHARA}"' in listing
    response = save_centre(admin_client, NAKAHARA, GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/districts/{NAKAHARA}"
    saved = centre(app, NAKAHARA)
    assert saved["centre_phone"] == "044-000-0000"  # full-width digits normalised
    assert saved["centre_hours"] == GOOD["centre_hours"]
    place = make_place()
    source = page(client, f"/places/{place.id}")
    box = re.search(r'<section class="ask-to-use".*?</section>', source, re.S).group(0)
    assert "中原区ソーシャルデザインセンター" in box
    assert 'href="tel:044-000-0000"' in box and 'href="https://example.jp/sdc/"' in box
    assert "予約は不要です。" in box
    # Emptying a field removes it.
    save_centre(admin_client, NAKAHARA, {**GOOD, "centre_phone": ""})
    assert centre(app, NAKAHARA)["centre_phone"] is None
    assert "tel:" not in page(client, f"/places/{place.id}").split('class="ask-to-use"')[1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("centre_url", "http://example.jp/sdc/"),
        ("centre_url", "javascript:alert(1)"),
        ("centre_url", "https://"),
        ("centre_url", "https://exa mple.jp/"),
        ("centre_email", "not-an-email"),
        ("centre_phone", "call us"),
        ("centre_phone", "044"),
        ("centre_name", "名" * 121),
        ("centre_note", "x" * 501),
        ("centre_address", "住所\x00"),
    ],
)
def test_bad_centre_values_are_refused_next_to_their_field(app, admin_client, field, value):
    save_centre(admin_client, NAKAHARA, GOOD)
    before = centre(app, NAKAHARA)
    response = save_centre(admin_client, NAKAHARA, {**GOOD, "centre_name": "新しい名前",
                                                    field: value})  # fmt: skip
    assert response.status_code == 422
    source = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]+)</p>', source)
    assert error, source
    assert centre(app, NAKAHARA) == before  # nothing saved, not even the good fields


# --- centre contacts in district files -----------------------------------------------------------


def test_seed_file_carries_demo_contacts_without_phone_numbers():
    data = json.loads((SEEDS / "districts.geojson").read_text(encoding="utf-8"))
    for feature in data["features"]:
        props = feature["properties"]
        assert props["centre_name"] == props["name_ja"] + "ソーシャルデザインセンター"
        assert props["centre_email"].endswith("@example.jp")
        assert props["centre_url"].startswith("https://example.jp/")
        assert "centre_phone" not in props
        assert "デモ" in props["centre_note"]


def test_district_files_fill_empty_centre_contacts_and_keep_edited_ones(app_context, tmp_path):
    seeds = read_districts(SEEDS / "districts.geojson", [NAKAHARA])
    assert seeds[0].centre["centre_name"] == "中原区ソーシャルデザインセンター"
    assert read_districts(KAWASAKI_WARDS, [NAKAHARA])[0].centre is None

    assert import_districts(seeds) == {NAKAHARA: "updated"}  # the test ward had no contact
    district = db.session.get(District, NAKAHARA)
    assert district.centre_email == "sdc-nakahara@example.jp"
    assert import_districts(seeds) == {NAKAHARA: "unchanged"}  # a second run changes nothing

    # A file without contacts (N03, or ../shared/data) keeps the contact…
    import_districts(read_districts(KAWASAKI_WARDS, [NAKAHARA]))
    assert db.session.get(District, NAKAHARA).centre_email == "sdc-nakahara@example.jp"
    # …and so does a file with other contacts once one is set (administrators edit it).
    district.centre_email = "real@example.jp"
    db.session.flush()
    import_districts(seeds)
    assert db.session.get(District, NAKAHARA).centre_email == "real@example.jp"


def test_a_district_file_with_a_bad_contact_is_refused(app_context, tmp_path):
    data = json.loads((SEEDS / "districts.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in data["features"] if f["properties"]["code6"] == NAKAHARA)
    feature["properties"]["centre_url"] = "http://example.jp/"
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps({**data, "features": [feature]}), encoding="utf-8")
    from hiroba.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        import_districts(read_districts(path))
    assert db.session.scalar(select(District.centre_url).where(District.code == NAKAHARA)) is None
