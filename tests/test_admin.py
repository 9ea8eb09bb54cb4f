"""Administration of users: admins only, roles and staff wards, the last admin, create-admin."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hiroba.accounts.models import Role, User
from hiroba.accounts.passwords import verify_password
from hiroba.accounts.services import find_user_by_email, set_role_and_wards
from hiroba.errors import PermissionDenied, ValidationFailed
from hiroba.extensions import db
from tests.auth_helpers import EN, logged_in, page_token
from tests.factories import NAKAHARA, PASSWORD

KAWASAKI_KU = "141313"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, display_name="管理者", email="admin@example.jp")


@pytest.fixture
def admin_client(app, admin):
    return logged_in(app.test_client(), admin)


def reload(app, user) -> User:
    with app.app_context():
        return db.session.get(User, user.id, options=[selectinload(User.wards)])


def save_role(client, user, role: str, wards=()):
    token = page_token(client, f"/admin/users/{user.id}")
    data = {"csrf_token": token, "role": role, "wards": list(wards)}
    return client.post(f"/admin/users/{user.id}", data=data, headers=EN)


def listed_names(source: str) -> list[str]:
    return re.findall(r'<td><a href="/admin/users/\d+">([^<]*)</a></td>', source)


# --- who may use the admin pages ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["resident", "staff"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/admin/users"), ("get", "/admin/users/{id}"), ("post", "/admin/users/{id}")],
)
def test_admin_pages_are_forbidden_to_non_admins(app, make_user, role, method, path):
    user = make_user(role, wards=[NAKAHARA] if role == "staff" else [])
    victim = make_user(display_name="被害者")
    client = logged_in(app.test_client(), user)
    url = path.format(id=victim.id)
    if method == "get":
        response = client.get(url)
    else:
        data = {"csrf_token": page_token(client, "/me"), "role": "admin"}
        response = client.post(url, data=data)
    assert response.status_code == 403
    assert reload(app, victim).role == Role.RESIDENT
    assert reload(app, user).role == Role(role)


def test_admin_pages_send_visitors_to_login(client, make_user):
    victim = make_user()
    for path in ("/admin/users", f"/admin/users/{victim.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=%2Fadmin%2Fusers")


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/999999999").status_code == 404
    assert admin_client.get(f"/admin/users/{10**25}").status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_list_searches_email_and_name_and_filters_by_role(admin_client, make_user):
    make_user(display_name="山田花子", email="hanako@example.jp")
    make_user(display_name="佐藤太郎", email="taro.sato@example.jp")
    make_user(Role.STAFF, wards=[NAKAHARA], display_name="区職員一郎", email="ichiro@city.jp")

    def names(**params):
        response = admin_client.get("/admin/users", query_string=params)
        assert response.status_code == 200
        return listed_names(response.get_data(as_text=True))

    assert {"山田花子", "佐藤太郎", "区職員一郎", "管理者"} <= set(names())
    assert names(q="HANAKO@") == ["山田花子"]
    assert names(q="太郎") == ["佐藤太郎"]
    assert names(role="staff") == ["区職員一郎"]
    assert names(q="example", role="staff") == []
    assert names(q="%") == [] and names(q="_") == []  # wildcards are plain characters
    assert names(q="\x00") == []
    assert "山田花子" in names(role="nonsense")  # an unknown role filters nothing


def test_list_is_paginated_and_keeps_the_filters(admin_client, make_user):
    for i in range(55):
        make_user(display_name=f"住民{i:02d}", email=f"resident{i:02d}@example.jp")
    first = admin_client.get("/admin/users?q=resident").get_data(as_text=True)
    assert len(listed_names(first)) == 50
    assert 'rel="next" href="/admin/users?page=2&amp;q=resident"' in first
    second = admin_client.get("/admin/users?q=resident&page=2").get_data(as_text=True)
    assert len(listed_names(second)) == 5
    assert admin_client.get("/admin/users?page=abc").status_code == 200


def test_hostile_names_are_escaped_in_the_admin_pages(admin_client, make_user):
    user = make_user(display_name="<script>alert(1)</script>")
    for path in ("/admin/users", f"/admin/users/{user.id}"):
        source = admin_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in source
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source


# --- roles and wards ---------------------------------------------------------------------------


def test_admin_makes_a_resident_staff_of_two_wards_and_back(app, admin_client, make_user):
    user = make_user()
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert page.count('type="checkbox"') == 7  # one per Kawasaki ward
    response = save_role(admin_client, user, "staff", [NAKAHARA, KAWASAKI_KU])
    assert response.status_code == 302
    stored = reload(app, user)
    assert stored.role == Role.STAFF and stored.ward_codes == {NAKAHARA, KAWASAKI_KU}
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{NAKAHARA}"', page)

    save_role(admin_client, user, "resident", [NAKAHARA])
    stored = reload(app, user)
    assert stored.role == Role.RESIDENT and stored.ward_codes == set()


@pytest.mark.parametrize(
    ("role", "wards", "field", "message"),
    [
        ("staff", [], "wards", "at least one ward"),
        ("staff", ["999999"], "wards", "not a valid choice"),
        ("owner", [], "role", "Not a valid choice"),
        ("", [], "role", "Choose a role"),
    ],
    ids=["staff-without-wards", "unknown-ward", "unknown-role", "no-role"],
)
def test_bad_role_changes_are_refused_and_change_nothing(
    app, admin_client, make_user, role, wards, field, message
):
    user = make_user(Role.STAFF, wards=[NAKAHARA])
    response = save_role(admin_client, user, role, wards)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    stored = reload(app, user)
    assert stored.role == Role.STAFF and stored.ward_codes == {NAKAHARA}


def test_the_last_admin_cannot_stop_being_admin(app, admin, admin_client):
    response = save_role(admin_client, admin, "resident")
    assert response.status_code == 422
    assert "last administrator" in response.get_data(as_text=True)
    assert reload(app, admin).role == Role.ADMIN


def test_an_admin_can_step_down_when_another_remains(app, admin, admin_client, make_user):
    make_user(Role.ADMIN)
    response = save_role(admin_client, admin, "resident")
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert reload(app, admin).role == Role.RESIDENT
    assert admin_client.get("/admin/users").status_code == 403


def test_role_changes_take_effect_on_the_next_request(app, admin_client, make_user):
    user = make_user()
    client = logged_in(app.test_client(), user)
    assert client.get("/admin/users").status_code == 403
    save_role(admin_client, user, "admin")
    assert client.get("/admin/users").status_code == 200
    save_role(admin_client, user, "staff", [NAKAHARA])
    assert client.get("/admin/users").status_code == 403


def test_service_refuses_a_non_admin_actor(app, make_user):
    staff = make_user(Role.STAFF, wards=[NAKAHARA])
    resident = make_user()
    with app.app_context():
        with pytest.raises(PermissionDenied):
            set_role_and_wards(staff, resident, Role.ADMIN, [])
        with pytest.raises(ValidationFailed):
            set_role_and_wards(make_user(Role.ADMIN), resident, Role.STAFF, ["141000"])


# --- flask create-admin ------------------------------------------------------------------------


def admins(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.email).where(User.role == Role.ADMIN)))


def create_admin(runner, email="root@example.jp", name="最初の管理者", **kwargs):
    return runner.invoke(args=["create-admin", "--email", email, "--name", name], **kwargs)


def test_create_admin_asks_for_the_password_twice_without_echoing_it(app, runner):
    result = create_admin(runner, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert result.output.count("Password") >= 1 and "created" in result.output
    assert admins(app) == ["root@example.jp"]
    with app.app_context():
        assert verify_password(find_user_by_email("root@example.jp").password_hash, PASSWORD)


def test_create_admin_reads_the_password_from_the_environment(app, runner):
    result = create_admin(runner, env={"HIROBA_ADMIN_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert admins(app) == ["root@example.jp"]


def test_create_admin_twice_changes_nothing(app, runner):
    create_admin(runner, env={"HIROBA_ADMIN_PASSWORD": PASSWORD})
    again = create_admin(
        runner, email="ROOT@example.jp", env={"HIROBA_ADMIN_PASSWORD": "other pw 1234"}
    )
    assert again.exit_code == 0 and "already an administrator" in again.output
    assert admins(app) == ["root@example.jp"]
    with app.app_context():
        assert verify_password(find_user_by_email("root@example.jp").password_hash, PASSWORD)


def test_create_admin_refuses_an_email_of_another_account(app, runner, make_user):
    make_user(email="root@example.jp")
    result = create_admin(runner, env={"HIROBA_ADMIN_PASSWORD": PASSWORD})
    assert result.exit_code == 1
    assert "already exists and is not an administrator" in result.output
    assert admins(app) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"env": {"HIROBA_ADMIN_PASSWORD": "short"}}, "password"),
        ({"input": f"{PASSWORD}\nsomething else\n"}, "do not match"),
        ({"email": "not-an-email", "env": {"HIROBA_ADMIN_PASSWORD": PASSWORD}}, "email"),
    ],
    ids=["short-password", "mismatch", "bad-email"],
)
def test_create_admin_refuses_bad_input_and_creates_nothing(app, runner, kwargs, message):
    result = create_admin(runner, **kwargs)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
