"""Notifications, their e-mail copies and the control digests read in the recipient's language
(`User.language`), whatever the language of the person who acted."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from portal.core import i18n
from portal.notifications import services
from portal.notifications.models import Notification
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def person(email: str, language: str, **extra):
    first, _at, _domain = email.partition("@")
    return UserFactory(
        email=email, first_name=first.capitalize(), last_name="Test", language=language, **extra
    )


def title_of(user, **filters) -> str:
    return Notification.objects.get(recipient=user, **filters).title


# --- the helper ----------------------------------------------------------------------------------------


def test_a_message_is_translated_when_turned_into_text():
    text = i18n.message(gettext_lazy("%(name)s gave you a task: %(title)s"), name="Ann", title="Offer")
    with translation.override("ru"):
        assert str(text) == "Ann поручил(а) вам задачу: Offer"
    with translation.override("en"):
        assert str(text) == "Ann gave you a task: Offer"


def test_plural_and_deferred_parameters_follow_the_active_language():
    voted = i18n.message(
        ngettext_lazy("%(count)d person voted.", "%(count)d people voted.", "count"), count=5
    )
    day = i18n.deferred(lambda: str(gettext_lazy("Reports waiting for a rating")))
    nested = i18n.message(gettext_lazy("Important: %(text)s"), text=day)
    with translation.override("en"):
        assert str(voted) == "5 people voted."
        assert str(nested) == "Important: Reports waiting for a rating"
    with translation.override("ru"):
        assert str(voted) == "Проголосовали 5 человек."
        assert str(nested).startswith("Важное: ") and "Reports" not in str(nested)
    assert i18n.render(None) == "" and i18n.render("plain") == "plain"


# --- notifications -----------------------------------------------------------------------------------


def test_a_task_assignment_reads_in_each_recipients_language(commit):
    from tasks import services as task_services

    english_boss = person("boss@acme.test", "en")
    russian_boss = person("nachalnik@acme.test", "ru")
    russian_worker = person("ivan@acme.test", "ru")
    english_worker = person("jane@acme.test", "en")

    # Each actor acts in their own language, as the middleware sets it for their request.
    with translation.override("en"), commit():
        task_services.task_create(actor=english_boss, title="Prepare the offer", responsible=russian_worker)
    with translation.override("ru"), commit():
        task_services.task_create(actor=russian_boss, title="Подготовить КП", responsible=english_worker)

    assert title_of(russian_worker, kind="task") == "Boss Test поручил(а) вам задачу: Prepare the offer"
    assert title_of(english_worker, kind="task") == "Nachalnik Test gave you a task: Подготовить КП"


def test_one_notification_to_people_of_two_languages_gives_each_their_own(commit):
    from tasks import services as task_services

    boss = person("nachalnik@acme.test", "ru")
    worker = person("jane@acme.test", "en")
    helper = person("ivan@acme.test", "ru")
    watcher = person("bob@acme.test", "en")
    with translation.override("ru"), commit():
        task = task_services.task_create(
            actor=boss, title="Offer", responsible=worker, participants=[helper], observers=[watcher]
        )
    assert title_of(helper, kind="task") == "Nachalnik Test добавил(а) вас в задачу: Offer"
    assert title_of(watcher, kind="task") == "Nachalnik Test added you to a task: Offer"

    Notification.objects.all().delete()
    with translation.override("en"), commit():
        task_services.task_transition(actor=worker, task=task, action="start")
    # The status label is translated for the reader too.
    assert title_of(boss, kind="task") == "Jane Test изменил(а) статус задачи «Offer» на «Выполняется»"

    Notification.objects.all().delete()
    with translation.override("en"), commit():
        task_services.task_transition(actor=worker, task=task, action="complete")
    assert title_of(helper, kind="task") == "Jane Test завершил(а) задачу: Offer"
    assert title_of(boss, kind="task") == "Jane Test завершил(а) задачу: Offer"
    assert title_of(watcher, kind="task") == "Jane Test completed the task: Offer"


def test_a_chat_mention_reads_in_the_recipients_language(commit):
    from portal.chat import services as chat_services

    author = person("anna@acme.test", "en")
    russian = person("ivan@acme.test", "ru")
    english = person("jane@acme.test", "en")
    chat = chat_services.chat_group_create(actor=author, title="Launch", members=[russian, english])
    with translation.override("en"), commit():
        chat_services.message_send(actor=author, chat=chat, body="@ivan @jane the release is ready")
    assert title_of(russian, kind="mention") == "Anna Test упомянул(а) вас в чате «Launch»"
    assert title_of(english, kind="mention") == "Anna Test mentioned you in “Launch”"

    # And the other way round: a Russian author, an English reader.
    Notification.objects.all().delete()
    with translation.override("ru"), commit():
        chat_services.message_send(actor=russian, chat=chat, body="@jane посмотри, пожалуйста")
    assert title_of(english, kind="mention") == "Ivan Test mentioned you in “Launch”"


def test_the_e_mail_copy_is_in_the_recipients_language(commit, mailoutbox):
    from portal.chat import services as chat_services

    author = person("anna@acme.test", "en")
    russian = person("ivan@acme.test", "ru")
    english = person("jane@acme.test", "en")
    chat = chat_services.chat_group_create(actor=author, title="Launch", members=[russian, english])
    with translation.override("en"), commit():  # mentions come by e-mail by default
        chat_services.message_send(actor=author, chat=chat, body="@ivan @jane the release is ready")
    mails = {m.to[0]: m for m in mailoutbox}
    assert mails["ivan@acme.test"].subject == "Anna Test упомянул(а) вас в чате «Launch»"
    assert mails["ivan@acme.test"].body.startswith("Здравствуйте Ivan,")
    assert "«Меня упомянули»" in mails["ivan@acme.test"].body
    assert "Здравствуйте" in mails["ivan@acme.test"].alternatives[0][0]
    assert mails["jane@acme.test"].subject == "Anna Test mentioned you in “Launch”"
    assert mails["jane@acme.test"].body.startswith("Hello Jane,")


def test_a_lazy_body_and_a_late_reminder_are_rendered_per_recipient(commit):
    from tasks.services.sweeps import due_reminders_send
    from tests.tasks.factories import TaskFactory

    russian = person("ivan@acme.test", "ru", time_zone="UTC")
    now = datetime.datetime(2026, 1, 14, 12, 0, tzinfo=datetime.UTC)
    TaskFactory(
        responsible=russian, creator=russian, title="Отчёт", deadline=now - datetime.timedelta(hours=1)
    )
    with translation.override("en"), commit():
        assert due_reminders_send(now=now) == 1
    row = Notification.objects.get(recipient=russian, kind="task_due")
    assert row.title == "Ваши задачи на сегодня: со сроком сегодня — 0, просроченных — 1"
    assert "Отчёт" in row.body and "overdue" not in row.body


def test_a_plain_title_is_stored_as_given_and_an_empty_one_is_refused(commit):
    russian = person("ivan@acme.test", "ru")
    with commit():
        [row] = services.notify(recipients=[russian], kind="system", title="Server\nrestarted", body="ok")
    assert (row.title, row.body) == ("Server restarted", "ok")
    with pytest.raises(ValueError):
        services.notify(recipients=[russian], kind="system", title="  ")
    with pytest.raises(ValueError):
        services.notify(recipients=[russian], kind="system", title=i18n.message(gettext_lazy(" ")))


def test_notify_costs_the_same_queries_for_2_or_10_recipients_of_two_languages(commit):
    people = [person(f"p{n}@acme.test", "ru" if n % 2 else "en") for n in range(10)]
    title = i18n.message(gettext_lazy("%(name)s mentioned you"), name="Anna")

    def queries_for(recipients) -> int:
        with CaptureQueriesContext(connection) as queries:
            services.notify(recipients=recipients, kind="comment", title=title, body="text")
        return len(queries)

    few = queries_for(people[:2])
    many = queries_for(people)
    assert many == few
    titles = set(Notification.objects.filter(recipient__in=people).values_list("title", flat=True))
    with translation.override("ru"):
        russian = str(title)
    assert titles == {"Anna mentioned you", russian} and russian != "Anna mentioned you"


# --- digests -------------------------------------------------------------------------------------------


def test_a_control_digest_for_a_russian_head_is_in_russian(mailoutbox):
    from reports import services as report_services
    from tests.reports.factories import DigestFactory

    russian_head = person("nachalnik@acme.test", "ru")
    english_head = person("boss@acme.test", "en")
    today = datetime.date(2026, 1, 14)
    with translation.override("en"):  # the beat's worker runs in the site's language
        for head in (russian_head, english_head):
            digest = DigestFactory(
                recipient=head, date=today, data={"reports_waiting": {"total": 0, "items": []}}
            )
            assert report_services.digest_send(digest_id=digest.pk) is True
    mails = {m.to[0]: m for m in mailoutbox}
    russian_mail = mails["nachalnik@acme.test"]
    assert russian_mail.subject == "Сводка контроля за 14 января 2026 г.: всё в порядке"
    assert "Отчёты" in russian_mail.body and "Reports waiting" not in russian_mail.body
    assert mails["boss@acme.test"].subject == "Control digest for Jan. 14, 2026: all is fine"
    assert "Reports waiting for a rating" in mails["boss@acme.test"].body


# --- in the browser ------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_russian_reader_sees_the_english_actors_notification_in_russian(
    page, live_server, login, screenshot
):
    from django.urls import reverse
    from playwright.sync_api import expect

    from tasks import services as task_services

    boss = person("boss@acme.test", "en")
    reader = person("ivan@acme.test", "ru")
    with translation.override("en"):
        task_services.task_create(actor=boss, title="Prepare the offer", responsible=reader)
    login(page, live_server, reader.email, "pass-word-123")
    page.goto(live_server.url + reverse("notifications:list"))
    expect(page.get_by_text("Boss Test поручил(а) вам задачу: Prepare the offer")).to_be_visible()
    expect(page.get_by_text("gave you a task")).to_have_count(0)
    screenshot("notifications-language-ru")
