"""The coverage pages: who may see them, bad parameters, and the CSV and GeoJSON downloads."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from shapely.geometry import shape

from hiroba.accounts.models import Role
from hiroba.places.vocabulary import PlaceStatus
from tests.auth_helpers import EN, logged_in
from tests.factories import NAKAHARA, WARD_POINTS
from tests.test_coverage_gaps import (
    NEIGHBOUR,
    WARD,
    A,
    B,
    assert_close,
    expected_uncovered_m2,
    places,  # noqa: F401 - fixtures
    square_wards,  # noqa: F401
)

TAKATSU = "141348"
STEP_FREE = "accessibility=step_free_entrance"


def dashboard(code: str = WARD, query: str = "") -> str:
    return f"/staff/districts/{code}" + (f"?{query}" if query else "")


def share_on(page: str) -> float:
    return float(re.search(r'data-share="([0-9.]+)"', page).group(1))


@pytest.fixture
def ward_staff(make_staff, square_wards):  # noqa: F811
    return make_staff(WARD)


def test_staff_see_the_share_of_their_ward_left_uncovered(client, ward_staff, places):  # noqa: F811
    logged_in(client, ward_staff)

    response = client.get(dashboard(query=f"distance=800&{STEP_FREE}"), headers=EN)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    ward_m2 = 30_004_059
    assert_close(share_on(page) * ward_m2, expected_uncovered_m2([A, B], 800), 0.001)
    assert "87.7% of the ward is farther than 800 m from every matching place." in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert 'class="coverage-gap"' not in page  # drawn by Leaflet from the map's data
    assert '"className": "coverage-gap"' in page
    # Counts: every listing by status, published ones by kind, sector, who and accessibility.
    counts = re.search(r'id="counts-status".*?</table>', page, re.S).group(0)
    assert re.search(r'data-value="approved">\s*<th scope="row">Published</th>\s*'
                     r'<td class="number">3</td>', counts)  # fmt: skip
    assert re.search(r'data-value="pending">.*?<td class="number">1</td>', counts, re.S)


def test_a_longer_distance_shows_a_smaller_share(client, ward_staff, places):  # noqa: F811
    logged_in(client, ward_staff)

    near = share_on(client.get(dashboard(query="distance=300")).get_data(as_text=True))
    default = share_on(client.get(dashboard()).get_data(as_text=True))
    far = share_on(client.get(dashboard(query="distance=3000")).get_data(as_text=True))

    assert near > default > far


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("distance=abc", "Must be a whole number."),
        ("distance=800.5", "Must be a whole number."),
        ("distance=-5", "Must be between 100 and 3000."),
        ("distance=0", "Must be between 100 and 3000."),
        ("distance=99", "Must be between 100 and 3000."),
        ("distance=3001", "Must be between 100 and 3000."),
        ("distance=999999999999", "Must be between 100 and 3000."),
        ("distance=1e9", "Must be a whole number."),
        ("distance=%3Cscript%3Ealert(1)%3C/script%3E", "Must be a whole number."),
        ("distance=800&distance=900", "Must be a whole number."),
        ("kind=castle", "Unknown value: castle."),
        ("accessibility=%3Cimg%20src=x%3E", "Unknown value: &lt;img src=x&gt;."),
        ("day=8&time=10:00", "Must be between 1 and 7."),
        ("day=1", "Choose a time for the day of the week."),
        ("time=10:00", "Choose a day of the week for the time."),
        ("day=1&time=25:00", "Use hours and minutes, for example 10:00."),
        ("q=hall", "Unknown parameter."),
        ("%3Cb%3Ex=1", "Unknown parameter."),
    ],
)
def test_bad_parameters_are_refused_on_the_page(client, ward_staff, query, message):
    logged_in(client, ward_staff)

    response = client.get(dashboard(query=query), headers=EN)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="filter-error" role="alert"' in page
    assert message in page
    assert "<script>alert" not in page and "<img src=x>" not in page and "<b>x" not in page
    assert 'id="coverage-distance"' in page  # the form is there to correct it


@pytest.mark.parametrize("path", ["/gaps.geojson?distance=nope", ".csv?distance=nope"])
def test_bad_parameters_are_refused_for_downloads(client, ward_staff, make_user, path):
    admin = make_user(Role.ADMIN)
    logged_in(client, admin)
    url = (dashboard() + path) if path.startswith("/") else "/staff/districts" + path

    response = client.get(url, headers=EN)

    assert response.status_code == 400
    assert "Must be a whole number." in response.get_data(as_text=True)


def test_residents_and_staff_of_other_wards_cannot_see_a_ward(client, make_user, make_staff,
                                                             square_wards):  # noqa: F811  # fmt: skip
    for user in (make_user(), make_staff(NEIGHBOUR), make_staff(NAKAHARA)):
        logged_in(client, user)
        for path in ("", "/counts.csv", "/gaps.geojson"):
            assert client.get(dashboard() + path).status_code == 403
        client.post("/logout", data={"csrf_token": _token(client)})


def _token(client) -> str:
    page = client.get("/me").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_residents_cannot_see_the_comparison(client, make_user):
    logged_in(client, make_user())
    assert client.get("/staff/districts").status_code == 403
    assert client.get("/staff/districts.csv").status_code == 403


def test_visitors_are_asked_to_log_in(client, square_wards):  # noqa: F811
    response = client.get(dashboard())
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("code", ["999999", "14133", "abc", "1413300"])
def test_an_unknown_ward_is_not_found(client, make_user, code):
    logged_in(client, make_user(Role.ADMIN))
    assert client.get(dashboard(code)).status_code == 404


def test_admins_see_every_ward(client, make_user, places):  # noqa: F811
    logged_in(client, make_user(Role.ADMIN))

    assert client.get(dashboard()).status_code == 200
    assert client.get(dashboard(NAKAHARA)).status_code == 200
    page = client.get("/staff/districts", headers=EN).get_data(as_text=True)
    codes = re.findall(r'<tr data-code="([0-9]{6})">', page)
    assert set(codes) >= {*WARD_POINTS, WARD, NEIGHBOUR}


def test_staff_compare_their_own_wards_only(client, make_staff, places):  # noqa: F811
    logged_in(client, make_staff(WARD, TAKATSU))

    page = client.get("/staff/districts", headers=EN).get_data(as_text=True)

    assert re.findall(r'<tr data-code="([0-9]{6})">', page) == [TAKATSU, WARD]


def test_the_gaps_download_as_geojson(client, ward_staff, places):  # noqa: F811
    logged_in(client, ward_staff)

    response = client.get(dashboard() + f"/gaps.geojson?distance=800&{STEP_FREE}")

    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "attachment" in response.headers["Content-Disposition"]
    collection = json.loads(response.get_data(as_text=True))
    assert collection["type"] == "FeatureCollection"
    assert collection["distance_m"] == 800
    assert collection["filters"] == {"distance": "800", "accessibility": "step_free_entrance"}
    [feature] = collection["features"]
    assert shape(feature["geometry"]).is_valid
    props = feature["properties"]
    assert_close(props["area_m2"], expected_uncovered_m2([A, B], 800), 0.001)
    assert props["nearest_place_id"] in {places["A"].id, places["B"].id}
    assert 798 <= props["nearest_place_m"] <= 800


def test_the_counts_download_as_csv(client, ward_staff, places, make_place):  # noqa: F811
    make_place(location=[140.41, 36.01], status=PlaceStatus.APPROVED, kind="park",
               accessibility=["step_free_entrance", "elevator"])  # fmt: skip
    logged_in(client, ward_staff)

    response = client.get(dashboard() + "/counts.csv", headers=EN)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    counts = {(r["group"], r["value"]): int(r["places"]) for r in rows}
    assert {r["district_code"] for r in rows} == {WARD}
    assert counts[("status", "approved")] == 4
    assert counts[("status", "pending")] == 1
    assert counts[("kind", "park")] == 1
    assert counts[("kind", "community_hall")] == 3
    assert counts[("accessibility", "step_free_entrance")] == 3
    assert counts[("accessibility", "elevator")] == 1
    assert counts[("who", "anyone")] == 4
    assert counts[("sector", "public")] == 4


def test_the_comparison_downloads_as_csv(client, make_staff, places):  # noqa: F811
    logged_in(client, make_staff(WARD, NEIGHBOUR))

    response = client.get(f"/staff/districts.csv?distance=800&{STEP_FREE}")

    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["district_code"] for r in rows] == [WARD, NEIGHBOUR]
    ward = rows[0]
    assert (ward["published"], ward["waiting_for_review"], ward["distance_m"]) == ("3", "1", "800")
    assert_close(float(ward["uncovered_km2"]) * 1e6, expected_uncovered_m2([A, B], 800), 0.001)
    assert float(rows[1]["uncovered_share"]) < 1  # B reaches across the boundary
