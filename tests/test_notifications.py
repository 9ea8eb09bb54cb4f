"""Notifications: the in-app list and unread count, and email through a real SMTP server.

The email tests run on committed data in a scratch database, with an app configured for an
aiosmtpd server on 127.0.0.1, so that "the decision is committed even when the mail server is
down" is checked for real.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import socket
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import select

from hiroba.accounts.models import Role
from hiroba.accounts.services import create_user
from hiroba.extensions import db
from hiroba.notifications.models import Notification, NotificationKind
from hiroba.notifications.services import SUBJECTS, deliver
from hiroba.places.models import Place, PlaceStatus
from hiroba.places.services import create_place
from hiroba.review import services as review
from tests.conftest import migrated_app
from tests.factories import NAKAHARA, PASSWORD, place_values

TOKEN = re.compile(r'name="(?:[a-z]+-)?csrf_token"[^>]*value="([^"]+)"')
BASE_URL = "https://hiroba.example.jp"


def log_in(client, user, language: str = "en"):
    """Log ``client`` in as ``user`` (the session Flask-Login reads) and choose the language."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True
    client.set_cookie("hiroba_lang", language)
    return client


def items(source: str) -> list[dict]:
    """Each notification on the page: id, unread or not, link and message, in page order."""
    found = []
    for chunk in source.split('<li class="notification')[1:]:
        chunk = chunk.split("</li>")[0]
        link = re.search(r'<a class="notification-message" href="([^"]+)">([^<]*)</a>', chunk)
        found.append(
            {
                "id": int(re.search(r'data-notification-id="(\d+)"', chunk).group(1)),
                "unread": chunk.startswith(" unread"),
                "href": link.group(1) if link else None,
                "message": link.group(2) if link else None,
                "chunk": chunk,
            }
        )
    return found


# --- the list ------------------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/me/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_owners_read_decisions_with_the_reason_newest_first(
    app, client, make_user, make_place, make_staff
):
    owner = make_user()
    staff = make_staff(NAKAHARA)
    sent_back = make_place(owner, status="pending", name="差し戻しの場所")
    published = make_place(owner, status="pending", name="公開の場所")
    with app.app_context():
        review.request_changes(db.session.get(Place, sent_back.id), staff, "写真が暗いです")
        review.approve(db.session.get(Place, published.id), staff)
        db.session.commit()

    source = log_in(client, owner).get("/me/notifications").get_data(as_text=True)
    newest, oldest = items(source)
    assert newest["message"] == "Your place is published: 公開の場所"
    assert newest["href"] == f"/places/{published.id}"
    assert oldest["message"] == "Changes requested for 差し戻しの場所"
    assert oldest["href"] == f"/places/{sent_back.id}/edit"  # where the owner makes the changes
    assert "写真が暗いです" in oldest["chunk"]
    assert newest["unread"] and oldest["unread"]
    assert 'data-unread="2"' in source
    assert "区職員" in oldest["chunk"]  # who decided


def test_staff_are_told_of_new_submissions_with_a_link_to_review(client, make_place, make_staff):
    staff = make_staff(NAKAHARA)
    place = make_place(status="pending", name="新しい場所")
    source = log_in(client, staff).get("/me/notifications").get_data(as_text=True)
    (item,) = items(source)
    assert item["message"] == "New place to review: 新しい場所"
    assert item["href"] == f"/staff/places/{place.id}"


def test_each_user_sees_only_their_own(client, make_user, make_place):
    make_place(status="approved")  # notifies its own owner
    source = log_in(client, make_user()).get("/me/notifications").get_data(as_text=True)
    assert items(source) == []
    assert "No notifications yet." in source


def test_reasons_are_escaped(app, client, make_user, make_place, make_staff):
    owner = make_user()
    place = make_place(owner, status="pending")
    with app.app_context():
        review.reject(db.session.get(Place, place.id), make_staff(NAKAHARA), "<b>太字</b>")
        db.session.commit()
    source = log_in(client, owner).get("/me/notifications").get_data(as_text=True)
    assert "<b>太字</b>" not in source and "&lt;b&gt;太字&lt;/b&gt;" in source


def test_mark_all_read(app, client, make_user, make_place):
    owner, other = make_user(), make_user()
    make_place(owner, status="approved")
    make_place(other, status="approved")
    log_in(client, owner)
    source = client.get("/me/notifications").get_data(as_text=True)
    assert all(item["unread"] for item in items(source))

    response = client.post("/me/notifications/read", data={"csrf_token": TOKEN.search(source)[1]})
    assert response.status_code == 302
    source = client.get("/me/notifications").get_data(as_text=True)
    assert items(source) and not any(item["unread"] for item in items(source))
    assert 'data-unread="0"' in source
    assert "/me/notifications/read" not in source  # nothing left to mark
    with app.app_context():
        unread_of_other = db.session.scalars(
            select(Notification).where(
                Notification.user_id == other.id, Notification.read_at.is_(None)
            )
        ).all()
    assert len(unread_of_other) == 1


def test_mark_all_read_needs_the_csrf_token(app, client, make_user, make_place):
    owner = make_user()
    make_place(owner, status="approved")
    response = log_in(client, owner).post("/me/notifications/read")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(
            select(Notification.read_at).where(Notification.user_id == owner.id)
        ) is None  # fmt: skip


def test_unread_count_for_the_header(app, make_user, make_place):
    owner = make_user()
    make_place(owner, status="approved")
    make_place(owner, status="rejected")
    template = "{{ unread_notifications() }}/{{ unread_notifications() }}"
    with app.test_request_context("/"):
        assert render_template_string(template) == "0/0"  # logged out
        login_user(owner)
        assert render_template_string(template) == "2/2"


# --- email through a real SMTP server ----------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_app(cluster, smtp):
    """The app on its own migrated database, sending mail to the test SMTP server."""
    with migrated_app(
        cluster,
        "mail",
        MAIL_SMTP_HOST="127.0.0.1",
        MAIL_SMTP_PORT=smtp.port,
        MAIL_SMTP_STARTTLS=False,
        MAIL_FROM="hiroba <no-reply@hiroba.example.jp>",
        PUBLIC_BASE_URL=BASE_URL,
    ) as app:
        yield app


@pytest.fixture
def mailer(mail_app, smtp):
    """Sessions as in production on the scratch database (not the per-test rollback's one
    connection), and an SMTP server that is up and has an empty mailbox."""
    rolled_back = db.session
    db.session = db._make_scoped_session({})
    if smtp.controller is None:
        smtp.start()
    smtp.mailbox.messages.clear()
    try:
        yield mail_app
    finally:
        db.session = rolled_back


_serial = itertools.count(1)


def pending_case(app, smtp, locale: str = "en") -> SimpleNamespace:
    """An owner (writing in ``locale``), a reviewer and the owner's pending place, committed;
    the reviewers' "new place" emails already sent."""
    with app.app_context():
        n = next(_serial)
        owner = create_user(f"mail-owner{n}@test.example", "持ち主", PASSWORD)
        owner.locale = locale
        staff = create_user(f"mail-staff{n}@test.example", "職員", PASSWORD, Role.STAFF, [NAKAHARA])
        place = create_place(owner, place_values(NAKAHARA, name=f"メールの場所{n}"))
        review.submit(place, owner)
        db.session.commit()
        case = SimpleNamespace(
            owner=owner.id, owner_email=owner.email, staff_token=staff.session_token,
            place=place.id, name=place.name,
        )  # fmt: skip
    with app.app_context():
        deliver()
    smtp.mailbox.messages.clear()
    return case


def decide_through_the_page(app, case, decision: str, reason: str):
    client = log_in(app.test_client(), SimpleNamespace(session_token=case.staff_token))
    source = client.get(f"/staff/places/{case.place}").get_data(as_text=True)
    version = re.search(r'name="place-version" type="hidden" value="(\d+)"', source)[1]
    data = {
        "place-csrf_token": TOKEN.search(source)[1],
        "place-version": version,
        "place-decision": decision,
        "place-reason": reason,
    }
    return client.post(f"/staff/places/{case.place}/decision", data=data)


def owners_notification(app, case) -> SimpleNamespace:
    with app.app_context():
        notification = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == case.owner)
            .order_by(Notification.id.desc())
        ).first()
        return SimpleNamespace(
            kind=notification.kind,
            reason=notification.reason,
            emailed_at=notification.emailed_at,
            email_attempts=notification.email_attempts,
        )


def test_approving_emails_the_owner_with_the_reason(mailer, smtp):
    case = pending_case(mailer, smtp, locale="en")
    response = decide_through_the_page(mailer, case, "approve", "写真も見やすいです。")
    assert response.status_code == 302

    (message,) = smtp.mailbox.to(case.owner_email)
    assert message["Subject"] == f"Your place is published: {case.name}"
    assert message["From"] == "hiroba <no-reply@hiroba.example.jp>"
    body = message.get_content()
    assert "Reason:" in body and "写真も見やすいです。" in body
    assert f"{BASE_URL}/me/places" in body
    sent = owners_notification(mailer, case)
    assert sent.kind == NotificationKind.PLACE_APPROVED
    assert sent.emailed_at is not None and sent.email_attempts == 1


def test_the_email_is_in_the_owners_language(mailer, smtp):
    case = pending_case(mailer, smtp, locale="ja")
    decide_through_the_page(mailer, case, "request_changes", "営業時間を書いてください。")
    (message,) = smtp.mailbox.to(case.owner_email)
    with mailer.test_request_context(headers={"Cookie": "hiroba_lang=en"}), force_locale("ja"):
        expected = str(SUBJECTS[NotificationKind.CHANGES_REQUESTED] % {"place": case.name})
    assert message["Subject"] == expected
    assert "営業時間を書いてください。" in message.get_content()


def test_a_decision_survives_a_mail_server_that_is_down(mailer, smtp):
    case = pending_case(mailer, smtp)
    smtp.stop()
    response = decide_through_the_page(mailer, case, "request_changes", "住所を消してください。")
    assert response.status_code == 302  # the reviewer is not bothered with the mail server

    with mailer.app_context():
        assert db.session.get(Place, case.place).status == PlaceStatus.CHANGES_REQUESTED
    unsent = owners_notification(mailer, case)
    assert (unsent.kind, unsent.reason) == (
        NotificationKind.CHANGES_REQUESTED,
        "住所を消してください。",
    )
    assert unsent.emailed_at is None and unsent.email_attempts == 1

    smtp.start()
    runner = mailer.test_cli_runner()
    result = runner.invoke(args=["send-notifications"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent: 1"
    (message,) = smtp.mailbox.to(case.owner_email)
    assert "住所を消してください。" in message.get_content()
    sent = owners_notification(mailer, case)
    assert sent.emailed_at is not None and sent.email_attempts == 2

    again = runner.invoke(args=["send-notifications"])
    assert again.output.strip() == "sent: 0"  # each notification is emailed once
    assert len(smtp.mailbox.to(case.owner_email)) == 1
