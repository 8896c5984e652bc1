"""Writes of familiarisation: start and close a campaign, enrol its audience (and, later, the newcomers who
join it), confirm a page read, and ask again after a major revision of a page.

Enrolment is idempotent (one row per campaign, page and person, made with `ignore_conflicts`), so a job that
runs twice, or a person who joins two departments of one audience, is asked once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.notifications.counters import counters_recount
from portal.notifications.services import notify

from ..choices import PageStatus
from ..models.familiarisation import Campaign, CampaignStatus, ReadingAssignment
from ..models.pages import Page
from ..models.spaces import Space
from ..selectors.familiarisation import space_reader_ids
from ..selectors.spaces import space_may_edit

TO_READ_COUNTER = "kb.to_read"
OVERDUE_COUNTER = "kb.reading_overdue"
READING_COUNTERS = [TO_READ_COUNTER, OVERDUE_COUNTER]
KIND_READING = "kb_reading"
REASK_DAYS = 7
QUESTION_OPTIONS_MAX = 6


def _today() -> datetime.date:
    return timezone.localdate()


# --- the audience -----------------------------------------------------------------------------------------


def audience_people(campaign: Campaign) -> QuerySet:
    """Active people the campaign's audience names: its people, the members of its departments (with their
    sub-departments) and of its groups. One query (the department paths are a subquery of prefixes)."""
    from portal.people.models import Department

    people = get_user_model().objects.filter(is_active=True)
    condition = Q(pk__in=campaign.people.values("pk"))
    for path in Department.objects.filter(pk__in=campaign.departments.values("pk")).values_list(
        "path", flat=True
    ):
        condition |= Q(department__path__startswith=path)
    group_ids = list(campaign.groups.values_list("pk", flat=True))
    if group_ids:
        condition |= Q(pk__in=_group_members(group_ids))
    return people.filter(condition)


def _group_members(group_ids: list[int]):
    from portal.groups.models import Membership

    return Membership.objects.filter(group_id__in=group_ids).values("user_id")


def in_audience(campaign: Campaign, user) -> bool:
    return audience_people(campaign).filter(pk=user.pk).exists()


def _enrol(campaign: Campaign, user_ids: Iterable[int], *, due_on: datetime.date, actor=None) -> list[int]:
    """Ask `user_ids` (those who may read the space) to read the campaign's pages; returns who is newly asked.
    Tells them and recounts their counters after commit."""
    readers = space_reader_ids(campaign.space, user_ids)
    if not readers:
        return []
    page_ids = list(
        campaign.pages.filter(status=PageStatus.PUBLISHED).order_by("pk").values_list("pk", flat=True)
    )
    if not page_ids:
        return []
    before = set(
        ReadingAssignment.objects.filter(campaign=campaign, user_id__in=readers).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    ReadingAssignment.objects.bulk_create(
        [
            ReadingAssignment(
                campaign=campaign, page_id=page_id, user_id=user_id, assigned_at=now, due_on=due_on
            )
            for user_id in readers
            for page_id in page_ids
        ],
        ignore_conflicts=True,
    )
    fresh = [uid for uid in readers if uid not in before]
    if fresh:
        notify(
            recipients=fresh,
            kind=KIND_READING,
            title=i18n.message(
                gettext_lazy("Please read “%(campaign)s” by %(deadline)s"),
                campaign=campaign.title,
                deadline=i18n.deferred(date_format, due_on, "DATE_FORMAT"),
            ),
            actor=actor,
            body=campaign.message[:300],
            url=campaign.get_absolute_url(),
            target=campaign,
        )
    counters_recount(readers, READING_COUNTERS)
    return fresh


# --- campaigns --------------------------------------------------------------------------------------------


def _subtree_ids(space: Space, roots: list[int]) -> list[int]:
    """The pages under `roots` in the space's tree, roots included (one query: the space's parent links)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Page.objects.filter(space=space).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: list[int] = []
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def _clean_question(question: str, options: list[str], answer) -> tuple[str, list[str], int | None]:
    question = (question or "").strip()
    options = [o.strip() for o in (options or []) if o and o.strip()]
    if not question:
        return "", [], None
    errors = {}
    if not 2 <= len(options) <= QUESTION_OPTIONS_MAX:
        errors["options"] = [_("Give between 2 and %(n)d answers.") % {"n": QUESTION_OPTIONS_MAX}]
    elif answer is None or not 0 <= int(answer) < len(options):
        errors["answer"] = [_("Say which answer is right.")]
    if errors:
        raise Invalid(errors)
    return question[:300], [o[:200] for o in options], int(answer)


@transaction.atomic
def campaign_create(
    *,
    actor,
    space: Space,
    title: str,
    pages: Iterable[Page],
    deadline: datetime.date,
    subtree: bool = False,
    departments: Iterable = (),
    groups: Iterable = (),
    people: Iterable = (),
    newcomers: bool = False,
    message: str = "",
    question: str = "",
    options: list[str] | None = None,
    answer: int | None = None,
) -> Campaign:
    """Start a campaign (an editor of the space): the chosen pages (with their sub-pages when `subtree`), the
    audience, the deadline. Everyone in the audience who may read the space is asked at once."""
    if not Space.objects.visible_to(actor).filter(pk=space.pk).exists():
        raise NotFound()
    if not space_may_edit(user=actor, space=space):
        raise NotAllowed(_("Only an editor of the space starts a familiarisation campaign."))
    errors: dict[str, list] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    if deadline is None or deadline < _today():
        errors["deadline"] = [_("The deadline cannot be in the past.")]
    chosen = [p.pk for p in pages]
    readable = set(
        Page.objects.visible_to(actor).filter(space=space, pk__in=chosen).values_list("pk", flat=True)
    )
    if not chosen or set(chosen) - readable:
        errors["pages"] = [_("Choose pages of this space.")]
    departments, groups, people = list(departments), list(groups), list(people)
    if not (departments or groups or people or newcomers):
        errors["audience"] = [_("Choose who should read the pages.")]
    if errors:
        raise Invalid(errors)
    question, options, answer = _clean_question(question, options or [], answer)
    page_ids = _subtree_ids(space, chosen) if subtree else chosen
    campaign = Campaign.objects.create(
        space=space,
        title=title[:200],
        message=(message or "").strip(),
        deadline=deadline,
        newcomers=newcomers,
        question=question,
        options=options,
        answer=answer,
        created_by=actor,
    )
    campaign.pages.set(Page.objects.filter(pk__in=page_ids, status=PageStatus.PUBLISHED))
    campaign.departments.set(departments)
    campaign.groups.set(groups)
    campaign.people.set(people)
    asked = _enrol(
        campaign, audience_people(campaign).values_list("pk", flat=True), due_on=deadline, actor=actor
    )
    audit_record(
        actor=actor,
        action="kb.campaign_create",
        target=campaign,
        changes={"pages": sorted(page_ids), "deadline": deadline.isoformat(), "asked": len(asked)},
    )
    return campaign


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    """Stop a campaign (its author or an editor of the space): nobody is asked any more, counters drop it."""
    campaign = _require_editor(actor, campaign)
    if campaign.status == CampaignStatus.CLOSED:
        return campaign
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    audit_record(actor=actor, action="kb.campaign_close", target=campaign)
    people = ReadingAssignment.objects.filter(campaign=campaign).values_list("user_id", flat=True).distinct()
    counters_recount(list(people), READING_COUNTERS)
    return campaign


def _require_editor(actor, campaign: Campaign) -> Campaign:
    if not Campaign.objects.visible_to(actor).filter(pk=campaign.pk).exists():
        raise NotFound()
    campaign = Campaign.objects.select_related("space").get(pk=campaign.pk)
    if not may_manage(actor, campaign):
        raise NotAllowed(_("Only an editor of the space manages this campaign."))
    return campaign


def may_manage(user, campaign: Campaign) -> bool:
    """Who sees everyone's progress and changes the campaign: its author and the space's editors."""
    return campaign.created_by_id == getattr(user, "pk", None) or space_may_edit(
        user=user, space=campaign.space
    )


# --- confirmations ----------------------------------------------------------------------------------------


@transaction.atomic
def reading_confirm(*, actor, page: Page, answers: dict[int, int] | None = None) -> list[ReadingAssignment]:
    """ "I have read and understood": confirms the actor's open requests to read `page` (of every running
    campaign). A campaign with a question needs its right answer; a wrong one confirms nothing."""
    if not Page.objects.visible_to(actor).filter(pk=page.pk).exists():
        raise NotFound()
    page = Page.objects.get(pk=page.pk)
    rows = list(
        ReadingAssignment.objects.open()
        .filter(page=page, user=actor)
        .select_related("campaign")
        .select_for_update(of=("self",))
    )
    if not rows:
        raise Invalid(
            _("Nobody asked you to confirm this page, or you confirmed it already."),
            code="nothing_to_confirm",
        )
    answers = {int(k): v for k, v in (answers or {}).items()}
    wrong = [
        row.campaign
        for row in rows
        if row.campaign.question and _answer(answers.get(row.campaign_id)) != row.campaign.answer
    ]
    if wrong:
        raise Invalid({"answer": [_("That is not the right answer: read the page again.")]})
    now = timezone.now()
    for row in rows:
        row.confirmed_at, row.confirmed_revision = now, page.revision
    ReadingAssignment.objects.bulk_update(rows, ["confirmed_at", "confirmed_revision"])
    audit_record(
        actor=actor,
        action="kb.reading_confirm",
        target=page,
        changes={"campaigns": sorted(r.campaign_id for r in rows), "revision": page.revision},
    )
    counters_recount([actor.pk], READING_COUNTERS)
    return rows


def _answer(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- newcomers and revisions --------------------------------------------------------------------------------


@transaction.atomic
def reading_enrol_person(*, user_id: int, joined_company: bool = False) -> list[int]:
    """Enrol a person who joined an audience (a new person, one moved to a department, a new member of a
    group) in every running campaign whose audience includes them now; a new person also in the campaigns of
    "every newcomer". Safe to repeat. Returns the campaigns that asked them anew."""
    person = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        return []
    today = _today()
    asked = []
    running = Campaign.objects.filter(status=CampaignStatus.RUNNING).select_related("space").order_by("pk")
    for campaign in running:
        if not ((joined_company and campaign.newcomers) or in_audience(campaign, person)):
            continue
        due_on = max(campaign.deadline, today + datetime.timedelta(days=campaign.newcomer_days))
        if _enrol(campaign, [person.pk], due_on=due_on):
            asked.append(campaign.pk)
    return asked


@transaction.atomic
def reading_reask(*, page_id: int, revision: int, minor: bool, actor=None) -> int:
    """After a page's new revision: a major one asks everyone who confirmed the page (in a running campaign)
    to read it again, with a week at least; a minor one changes nothing. Safe to repeat (a row confirmed at
    this revision or later is left alone). Returns how many were asked again."""
    if minor:
        return 0
    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return 0
    rows = list(
        ReadingAssignment.objects.filter(
            page=page, confirmed_at__isnull=False, campaign__status=CampaignStatus.RUNNING
        )
        .filter(Q(confirmed_revision__lt=revision) | Q(confirmed_revision__isnull=True))
        .select_related("campaign")
    )
    if not rows:
        return 0
    now, today = timezone.now(), _today()
    for row in rows:
        row.confirmed_at = None
        row.asked_again_at = now
        row.due_on = max(row.campaign.deadline, today + datetime.timedelta(days=REASK_DAYS))
    ReadingAssignment.objects.bulk_update(rows, ["confirmed_at", "asked_again_at", "due_on"])
    people = sorted({row.user_id for row in rows})
    notify(
        recipients=people,
        kind=KIND_READING,
        title=i18n.message(gettext_lazy("“%(page)s” has changed: please read it again"), page=page.title),
        actor=actor,
        url=page.get_absolute_url(),
        target=page,
    )
    audit_record(
        actor=actor, action="kb.reading_reask", target=page, changes={"revision": revision, "people": people}
    )
    counters_recount(people, READING_COUNTERS)
    return len(rows)


def reading_overdue_recount(*, day: datetime.date | None = None) -> int:
    """The daily sweep: people whose requests fell due yesterday (or on `day`) get their counters recounted
    (overdue is a matter of the date, no write makes it). Returns how many people."""
    day = day or (_today() - datetime.timedelta(days=1))
    people = list(
        ReadingAssignment.objects.open().filter(due_on=day).values_list("user_id", flat=True).distinct()
    )
    if people:
        from portal.notifications.counters import counters_store

        counters_store(people, READING_COUNTERS)
    return len(people)
