"""`manage.py seed_demo`: a believable company through the real services, and idempotent."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from portal.core.demo import DEMO_DOMAIN, DEMO_LOGINS, DEMO_PASSWORD, demo_language_for, demo_speaking
from portal.groups.models import Membership, Workgroup
from portal.people import selectors
from portal.people.models import Department, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo_company, db):
    return demo_company


def test_seed_demo_builds_the_company(seeded):
    assert "Demo company ready" in seeded
    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert 38 <= people.count() <= 45
    departments = list(Department.objects.all())
    assert len(departments) >= 8 + 1  # eight departments under the company itself
    assert max(d.depth for d in departments) >= 3
    assert all(d.head_id for d in departments), "every demo department has a head"
    for dept in departments:
        assert User.objects.get(pk=dept.head_id).department_id == dept.pk
    assert {
        d.pk: d.members_count for d in departments if d.members_count
    } == selectors.department_head_counts()


def test_demo_logins_work_and_supervision_is_derived(seeded):
    for email, _role in DEMO_LOGINS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD), email
    assert User.objects.get(email=f"admin@{DEMO_DOMAIN}").is_superuser
    ceo = User.objects.get(email=f"ceo@{DEMO_DOMAIN}")
    sales_head = User.objects.get(email=f"sales.head@{DEMO_DOMAIN}")
    manager = User.objects.get(email=f"sales.manager@{DEMO_DOMAIN}")
    assert selectors.supervisor_of(manager) == sales_head
    assert selectors.supervisor_of(sales_head) == ceo
    assert selectors.supervisor_of(ceo) is None
    key_accounts = User.objects.get(email=f"ka.manager1@{DEMO_DOMAIN}")
    assert selectors.supervises(sales_head, key_accounts)
    assert not manager.is_staff


def test_demo_groups_of_every_visibility(seeded):
    groups = Workgroup.objects.all()
    assert {g.visibility for g in groups} == {"open", "closed", "secret"}
    assert {g.kind for g in groups} == {"group", "project"}
    news = Workgroup.objects.get(name="Company news")
    active = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_active=True).count()
    assert Membership.objects.filter(group=news).count() == active
    board = Workgroup.objects.get(name="Board")
    outsider = User.objects.get(email=f"sales.manager@{DEMO_DOMAIN}")
    assert not Workgroup.objects.visible_to(outsider).filter(pk=board.pk).exists()


def test_second_run_creates_nothing(seeded):
    counts = (
        User.objects.count(),
        Department.objects.count(),
        Workgroup.objects.count(),
        Membership.objects.count(),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 people, 0 departments, 0 groups, 0 memberships created." in out.getvalue()
    assert (
        User.objects.count(),
        Department.objects.count(),
        Workgroup.objects.count(),
        Membership.objects.count(),
    ) == counts


def test_if_empty_leaves_a_registered_portal_alone(db):
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "registered already" in out.getvalue()
    assert not User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").exists()


def test_the_demo_speaks_english_by_default(seeded):
    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert set(people.values_list("language", flat=True)) == {"en"}
    assert Department.objects.filter(name="Sales").exists()
    assert User.objects.get(email=f"ceo@{DEMO_DOMAIN}").full_name == "Anna Petrova"


CYRILLIC = re.compile("[А-Яа-яЁё]")


def _not_russian(texts) -> list[str]:
    """The texts among `texts` (blank ones aside) without a Cyrillic letter."""
    return [text for text in texts if text and not CYRILLIC.search(text)]


def test_seed_demo_in_russian(db):
    """`seed_demo --language ru` on an empty portal: the same company and logins, every text in Russian, the
    people reading the portal in Russian; a second run in another language completes it in Russian."""
    from portal.chat.models import Chat, Message
    from portal.notifications.models import Notification
    from portal.people.models import Company
    from portal.stream.models import Comment, Entry
    from reports.models import WorkDayEvent, WorkReport, WorkSchedule
    from tasks.models import ChecklistItem, Task, TaskComment, TaskTemplate

    Company.objects.all().delete()  # the demo registers its own company
    out = io.StringIO()
    call_command("seed_demo", "--language", "ru", stdout=out)
    assert "Demo company ready" in out.getvalue()

    people = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
    assert 38 <= people.count() <= 45
    assert set(people.values_list("language", flat=True)) == {"ru"}
    for email, _role in DEMO_LOGINS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD), email
    assert User.objects.get(email=f"ceo@{DEMO_DOMAIN}").full_name == "Анна Петрова"
    assert not _not_russian(f"{p.first_name} {p.last_name} {p.position}" for p in people)
    assert Company.objects.get().name == "Северный ветер"
    sales = Department.objects.get(head__email=f"sales.head@{DEMO_DOMAIN}")
    assert sales.name == "Отдел продаж"
    assert selectors.supervisor_of(User.objects.get(email=f"sales.manager@{DEMO_DOMAIN}")).email == (
        f"sales.head@{DEMO_DOMAIN}"
    )
    assert not _not_russian(Department.objects.values_list("name", flat=True))
    assert not _not_russian(Workgroup.objects.values_list("name", flat=True))
    assert not _not_russian(Workgroup.objects.values_list("description", flat=True))

    # The talking part: posts, comments, chats, notifications.
    assert Entry.objects.filter(is_important=True, body__contains="Добро пожаловать").exists()
    assert not _not_russian(Entry.objects.values_list("body", flat=True))
    assert not _not_russian(Comment.objects.values_list("body", flat=True))
    assert Chat.objects.filter(workgroup__name="Новый сайт").exists()
    assert not _not_russian(Chat.objects.exclude(title="").values_list("title", flat=True))
    assert Message.objects.count() >= 15 and not _not_russian(Message.objects.values_list("body", flat=True))
    assert not _not_russian(Notification.objects.values_list("title", flat=True))

    # Tasks: the projects' plans, the everyday work, comments, checklists, templates.
    tasks = Task.objects.all()
    assert 150 <= tasks.count() <= 400
    assert Task.objects.filter(group__name="Переход на новую ERP").count() >= 15
    assert not _not_russian(tasks.values_list("title", flat=True))
    assert not _not_russian(tasks.values_list("description", flat=True))
    assert not _not_russian(TaskComment.objects.values_list("body", flat=True))
    assert not _not_russian(ChecklistItem.objects.values_list("text", flat=True))
    assert not _not_russian(TaskTemplate.objects.values_list("title", flat=True))

    # Working days and reports.
    assert WorkReport.objects.count() >= 100
    for field in ("facts", "results", "plans", "rating_comment"):
        assert not _not_russian(WorkReport.objects.values_list(field, flat=True)), field
    assert not _not_russian(WorkSchedule.objects.exclude(name="").values_list("name", flat=True))
    assert not _not_russian(WorkDayEvent.objects.values_list("comment", flat=True))

    # A second run, even asked for English, completes the Russian demo: nothing new, nothing English.
    counts = (User.objects.count(), Department.objects.count(), Workgroup.objects.count(), tasks.count())
    again = io.StringIO()
    call_command("seed_demo", "--language", "en", stdout=again)
    assert "there already in 'ru'" in again.getvalue()
    assert "0 people, 0 departments, 0 groups, 0 memberships created." in again.getvalue()
    assert (
        User.objects.count(),
        Department.objects.count(),
        Workgroup.objects.count(),
        tasks.count(),
    ) == counts


def _shape(value):
    """A table with its texts blanked out: what must be the same in every language (people, days, keys)."""
    if isinstance(value, str):
        return "text" if CYRILLIC.search(value) or " " in value or value[:1].isupper() else value
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shape(item) for item in value]
    return value


def test_the_russian_tables_match_the_english_ones():
    """Every per-language table has a Russian entry of the English one's shape: the same people (by e-mail),
    departments under the same heads, the same groups, project plans, teams and report areas."""
    from portal.chat import demo as chat
    from portal.groups import demo as groups
    from portal.notifications import demo as notifications
    from portal.people import demo as people
    from portal.stream import demo as stream
    from reports.demo import texts as reports_en
    from reports.demo import texts_ru as reports_ru
    from tasks.demo import content as tasks_en
    from tasks.demo import content_ru as tasks_ru

    def heads(rows):
        return [(row[2], None if row[1] is None else "sub") for row in rows]

    assert [p[0] for p in people.PEOPLE["ru"]] == [p[0] for p in people.PEOPLE["en"]]
    assert heads(people.DEPARTMENTS["ru"]) == heads(people.DEPARTMENTS["en"])
    by_name = {name: head for name, _parent, head, _who, _position in people.DEPARTMENTS["ru"]}
    by_name_en = {name: head for name, _parent, head, _who, _position in people.DEPARTMENTS["en"]}
    assert [by_name.get(p[4]) for p in people.PEOPLE["ru"]] == [
        by_name_en.get(p[4]) for p in people.PEOPLE["en"]
    ]
    assert groups.GROUP_TEXTS["ru"].keys() == groups.GROUP_TEXTS["en"].keys() == {g[0] for g in groups.GROUPS}
    assert stream.TEXTS["ru"].keys() == stream.TEXTS["en"].keys()
    assert _shape(chat.CHATS["ru"]) == _shape(chat.CHATS["en"])
    assert _shape(notifications.DEMO_NOTIFICATIONS["ru"]) == _shape(notifications.DEMO_NOTIFICATIONS["en"])

    for english, russian in ((tasks_en, tasks_ru), (reports_en, reports_ru)):
        names = {name for name in dir(russian) if name.isupper()}
        assert names == {name for name in dir(english) if name.isupper()} - {"DOMAIN", "SEED"}
        for name in names - {"PROJECT_TAGS", "PERSONAL_TAGS", "MONTHS", "CLIENTS"}:
            assert _shape(getattr(russian, name)) == _shape(getattr(english, name)), name
    for name in ("PROJECT_TAGS", "PERSONAL_TAGS", "MONTHS", "CLIENTS"):
        assert len(getattr(tasks_ru, name)) == len(getattr(tasks_en, name)), name
    assert {area: list(bank) for area, bank in reports_ru.REPORTS.items()} == {
        area: list(bank) for area, bank in reports_en.REPORTS.items()
    }


def test_the_demo_language(db, settings):
    """Asked for, else the portal's LANGUAGE_CODE when the demo speaks it, else English; a demo that is there
    keeps its own."""
    from django.utils import translation

    assert demo_language_for("ru") == "ru"
    assert demo_language_for() == "en"
    settings.LANGUAGE_CODE = "ru"
    assert demo_language_for() == "ru"
    settings.LANGUAGE_CODE = "de"
    assert demo_language_for() == "en"
    with pytest.raises(ValueError):
        demo_language_for("de")
    with demo_speaking("ru") as language:
        assert language == "ru" and translation.get_language() == "ru"
    User.objects.create_user(email=f"admin@{DEMO_DOMAIN}", password="x", first_name="A", language="ru")
    assert demo_language_for("en") == "ru"
