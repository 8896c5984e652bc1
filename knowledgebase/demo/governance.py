"""The governance part of the demo knowledge base (`manage.py seed_demo`), after the spaces and pages: the Rules
space's discussion is moderated (a question answered, a comment waiting for the editor's approval), and a
running familiarisation campaign "Rules of work" asks Sales (with its sub-departments) to read the rules:
some people confirmed, one is overdue, the newcomers still have time.

Written through the services (notifications, counters and audit rows as real use leaves them), then moved in
time where the story needs it (the campaign started two weeks ago, its deadline passed). Idempotent: nothing
is added when the campaign is there; skipped when the Rules space has no pages yet.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.core.demo import demo_email, in_demo_language

TEXTS = {
    "en": {
        "campaign": "Rules of work",
        "message": "Please read the rules of work and confirm: they are short, and they are how we work.",
        "question": "Who answers for a page of the knowledge base?",
        "options": ["Whoever edited it last", "Its responsible editor", "Nobody"],
        "asked": "Does “a day” in the deadlines mean a working day or a calendar day?",
        "answer": "A working day: holidays and weekends do not count. I will add it to the text.",
        "thanks": "Thanks, that settles it.",
        "waiting": "Could the daily report have a line for help asked from other departments?",
    },
    "ru": {
        "campaign": "Правила работы",
        "message": "Прочитайте, пожалуйста, правила работы и подтвердите: они короткие, и по ним мы работаем.",
        "question": "Кто отвечает за страницу базы знаний?",
        "options": ["Тот, кто правил её последним", "Её ответственный редактор", "Никто"],
        "asked": "«День» в сроках — это рабочий день или календарный?",
        "answer": "Рабочий: выходные и праздники не считаются. Допишу это в текст.",
        "thanks": "Спасибо, теперь ясно.",
        "waiting": "Можно добавить в ежедневный отчёт строку о помощи, которую просили у других отделов?",
    },
}


def _people() -> dict:
    from portal.people.models import User

    domain = demo_email("")
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=domain, is_active=True)}


@transaction.atomic
def seed_demo_kb_governance(*, stdout=None) -> dict[str, int]:
    """The moderated discussion and the running campaign of the demo (see the module)."""
    from portal.notifications.counters import counters_recount
    from portal.people.models import Department, User

    from ..choices import PageStatus
    from ..models import Campaign, Page, PageComment, ReadingAssignment, Space
    from ..services import discussion, familiarisation, spaces

    created = {"comments": 0, "campaigns": 0, "confirmations": 0}
    texts = in_demo_language(TEXTS)
    people = _people()
    space = Space.objects.filter(key="rules").select_related("responsible").first()
    pages = list(
        Page.objects.filter(space=space, status=PageStatus.PUBLISHED).order_by("parent_id", "position", "pk")
    )
    sales = Department.objects.filter(head__email=demo_email("sales.head")).first()
    if space is None or not pages or sales is None or "sales.manager" not in people:
        if stdout is not None:
            stdout.write("Knowledge base governance demo skipped: the Rules space has no pages yet.")
        return created
    if Campaign.objects.filter(space=space, title=texts["campaign"]).exists():
        return created
    editor = space.responsible
    now = timezone.now()
    today = timezone.localdate()

    # The discussion: moderated; a question answered in a thread, one comment waiting for approval.
    if not space.moderated:
        spaces.space_update(actor=editor, space=space, moderated=True)
        space.refresh_from_db()
    rules = pages[0]
    asker = people["sales.manager"]
    waiting_author = people.get("inside.head", asker)
    question = discussion.comment_add(actor=asker, page=rules, body=texts["asked"])
    discussion.comment_approve(actor=editor, comment=question)
    reply = discussion.comment_add(actor=editor, page=rules, body=texts["answer"], parent=question)
    discussion.comment_like_toggle(actor=asker, comment=reply)
    thanks = discussion.comment_add(actor=asker, page=rules, body=texts["thanks"], parent=question)
    discussion.comment_approve(actor=editor, comment=thanks)
    discussion.comment_add(actor=waiting_author, page=rules, body=texts["waiting"])
    created["comments"] = 4
    for age, comment in enumerate(PageComment.objects.filter(page=rules).order_by("pk")):
        PageComment.objects.filter(pk=comment.pk).update(created_at=now - datetime.timedelta(days=6 - age))

    # The campaign: Sales with its sub-departments reads the first pages of the rules, with a question.
    campaign = familiarisation.campaign_create(
        actor=editor,
        space=space,
        title=texts["campaign"],
        message=texts["message"],
        pages=pages[:2],
        deadline=today + datetime.timedelta(days=7),
        departments=[sales],
        newcomers=True,
        question=texts["question"],
        options=texts["options"],
        answer=1,
    )
    created["campaigns"] = 1
    asked = list(
        dict.fromkeys(
            ReadingAssignment.objects.filter(campaign=campaign)
            .order_by("user__last_name", "user_id")
            .values_list("user_id", flat=True)
        )
    )
    readers = {u.pk: u for u in User.objects.filter(pk__in=asked)}
    # A third confirmed everything, one is overdue, the others are newcomers who still have time.
    third = max(1, len(asked) // 3)
    for user_id in asked[:third]:
        for page in campaign.pages.all():
            familiarisation.reading_confirm(actor=readers[user_id], page=page, answers={campaign.pk: 1})
            created["confirmations"] += 1
    started = now - datetime.timedelta(days=14)
    deadline = today - datetime.timedelta(days=3)
    Campaign.objects.filter(pk=campaign.pk).update(created_at=started, deadline=deadline)
    rows = ReadingAssignment.objects.filter(campaign=campaign)
    rows.update(assigned_at=started, due_on=deadline)
    # One person overdue: a supervisor's morning round meets it among the day's other signals.
    rows.filter(user_id__in=asked[third + 1 :]).update(
        assigned_at=now - datetime.timedelta(days=2), due_on=today + datetime.timedelta(days=12)
    )
    rows.filter(confirmed_at__isnull=False).update(confirmed_at=now - datetime.timedelta(days=10))
    counters_recount(asked, familiarisation.READING_COUNTERS)
    if stdout is not None:
        stdout.write("Knowledge base governance: " + ", ".join(f"{n} {k}" for k, n in created.items()))
    return created


def demo_hints(base_url: str) -> list[str]:
    return [
        f"Knowledge base: the campaign “Rules of work” and its progress: {base_url}/kb/campaigns/ "
        f"(as {demo_email('admin')}); a comment waits in {base_url}/kb/moderation/",
    ]
