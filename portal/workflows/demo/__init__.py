"""The approvals and absences of the demo company, written through the workflows' services (so the routes,
delegations, histories, absences, notifications and counters are what weeks of real use leave behind).

`seed_demo_workflows()` runs in the `content` stage, after the company, its groups, tasks and CRM exist:
- the company calendar of this year and the next (public holidays, a moved working day), everybody's vacation
  allowance for this year, and the built-in process roles held (HR, accountants, the lawyer, the CFO);
- the vacation schedule of the year, a few vacations overlapping, and this week: the heads of Key Accounts and
  Marketing on vacation (Marketing with a deputy), a sick leave, a business trip and a day off ahead;
- automation rules: approved payments are announced to the accountants and approved leave to the office
  manager (both fire in the demo, on the requests below), and, to try by hand, a rule of the website relaunch
  project (a task done) and one of the CRM's "Won" stage (send the invoice);
- requests in every state: waiting (for the head of Sales, the CFO, the lawyer, the accountants, Marketing's
  deputy, the head of Sales standing in for an absent head), escalated past its deadline, approved (a vacation
  now on the chart, a payment in the register, a paid one), rejected, returned for rework and withdrawn.

Then each request is moved back to when it happened (its history keeps its order). Deterministic and
idempotent: when the demo's requests are there, only the calendar, allowances and role holders are completed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.core.demo import demo_email, demo_language, in_demo_language

from ..services.defaults import defaults_relabel
from . import plan, texts, texts_ru

__all__ = ["demo_hints", "seed_demo_workflows"]

TEXTS = {"en": texts, "ru": texts_ru}
KEYS = ("holidays", "allowances", "absences", "rules", "processes")


def demo_people() -> dict:
    from portal.people.models import User

    domain = demo_email("")
    return {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=domain, is_active=True)}


def demo_requests_exist(people: dict) -> bool:
    from ..models import Process

    return Process.objects.filter(requester_id__in=[p.pk for p in people.values()]).exists()


@transaction.atomic
def seed_demo_workflows(*, stdout=None, now: datetime.datetime | None = None) -> dict[str, int]:
    """The demo's approvals and absences (see the module). Returns how many of each thing were created."""
    people = demo_people()
    created = dict.fromkeys(KEYS, 0)
    missing = [local for local in plan.REQUIRED if local not in people]
    if missing:
        if stdout is not None:
            stdout.write("Workflows demo skipped: the demo company is not there.")
        return created
    # The built-ins were laid in the portal's language by the migration; the demo speaks its own.
    defaults_relabel(language=demo_language())
    seeder = DemoWorkflows(people=people, now=now or timezone.now())
    created["holidays"] = seeder.holidays()
    seeder.roles()
    created["allowances"] = seeder.allowances()
    if not demo_requests_exist(people):
        created["absences"] = seeder.absences()
        created["rules"] = seeder.rules()
        created["processes"] = seeder.requests()
    if stdout is not None:
        stdout.write("Workflows: " + ", ".join(f"{created[k]} {k}" for k in KEYS))
    return created


class DemoWorkflows:
    """The steps of the workflows demo."""

    def __init__(self, *, people: dict, now: datetime.datetime) -> None:
        self.people = people
        self.admin = people[plan.ADMIN]
        self.now = now
        self.today = timezone.localdate(now)
        self.texts = in_demo_language(TEXTS)

    def person(self, local: str):
        return self.people.get(local)

    def day(self, offset: int) -> datetime.date:
        return self.today + datetime.timedelta(days=offset)

    # --- the calendar, the roles, the allowances -------------------------------------------------------------

    def holidays(self) -> int:
        """This year's and next year's public holidays and moved working day (dates already in the calendar
        stay as an admin left them)."""
        from ..choices import HolidayKind
        from ..models import Holiday
        from ..services.holidays import holiday_set

        have = set(Holiday.objects.values_list("date", flat=True))
        made = 0
        for year in (self.today.year, self.today.year + 1):
            days = [
                (datetime.date(year, m, d), name, HolidayKind.HOLIDAY) for m, d, name in self.texts.HOLIDAYS
            ]
            days.append((datetime.date(year, 12, 31), self.texts.BRIDGE_DAY, HolidayKind.HOLIDAY))
            days.append((_second_saturday(year, 11), self.texts.MOVED_WORKDAY, HolidayKind.WORKDAY))
            for date, name, kind in days:
                if date not in have:
                    holiday_set(actor=self.admin, date=date, name=name, kind=kind)
                    have.add(date)
                    made += 1
        return made

    def roles(self) -> None:
        """The built-in roles held by the demo's HR manager, accountants, lawyer and CFO (a role someone holds
        already is left as it is)."""
        from ..models import ProcessRole
        from ..services.roles import role_members_set

        for role in ProcessRole.objects.filter(key__in=list(plan.ROLE_HOLDERS)).prefetch_related("members"):
            if role.members.exists():
                continue
            holders = [self.people[local] for local in plan.ROLE_HOLDERS[role.key] if local in self.people]
            if holders:
                role_members_set(actor=self.admin, role=role, members=holders)

    def allowances(self) -> int:
        from ..models import LeaveAllowance
        from ..services.absences import allowance_set

        year = self.today.year
        have = set(LeaveAllowance.objects.filter(year=year).values_list("user_id", flat=True))
        made = 0
        for local, person in sorted(self.people.items()):
            if person.pk in have:
                continue
            allowance_set(
                actor=self.admin,
                user=person,
                year=year,
                days=Decimal(self.texts.ALLOWANCE_DAYS),
                carried_over=Decimal(plan.CARRIED_OVER.get(local, 0)),
            )
            made += 1
        return made

    # --- the absences ----------------------------------------------------------------------------------------

    def absences(self) -> int:
        """The year's vacation schedule, this week's absences and the deputy, entered by HR."""
        from portal.core.errors import Invalid

        from ..models import AbsenceType
        from ..services.absences import absence_create
        from ..services.deputies import deputy_set

        types = {t.key: t for t in AbsenceType.objects.exclude(key=None)}
        hr = self.person("hr") or self.admin
        wanted = [
            (local, "vacation", datetime.date(self.today.year, month, number), days)
            for local, month, number, days in plan.VACATIONS
        ]
        wanted += [(local, key, self.day(offset), days) for local, key, offset, days in plan.AROUND_TODAY]
        made = 0
        for local, key, start, days in wanted:
            person = self.person(local)
            if person is None or key not in types:
                continue
            try:
                absence_create(
                    actor=hr,
                    user=person,
                    type=types[key],
                    start=start,
                    end=start + datetime.timedelta(days=days - 1),
                )
            except Invalid:  # this week's absence falls on a planned vacation: the vacation stands
                continue
            made += 1
        for local, deputy, offset, days in plan.DEPUTIES:
            if self.person(local) and self.person(deputy):
                deputy_set(
                    actor=self.person(local),
                    user=self.person(local),
                    deputy=self.person(deputy),
                    start=self.day(offset),
                    end=self.day(offset + days - 1),
                )
        return made

    # --- the automation rules --------------------------------------------------------------------------------

    def rules(self) -> int:
        """Two rules on the requests' end (they fire on the requests below), and two to try: a task of the
        website relaunch done, a deal won. Those of an app that is not there are left out."""
        from portal.core.registry import registry

        from ..models import ProcessTemplate
        from ..services.rules import rule_create

        made = 0
        templates = dict(
            ProcessTemplate.objects.filter(key__in=["payment", "leave"]).values_list("key", "pk")
        )
        approved = [{"field": "status", "op": "eq", "value": "approved"}]
        accountants = [self.people[p].pk for p in plan.ROLE_HOLDERS["accountant"] if p in self.people]
        office = [self.people[p].pk for p in ("office",) if p in self.people]
        for key, (name, text), to in (
            ("payment", self.texts.RULE_PAYMENT, accountants),
            ("leave", self.texts.RULE_LEAVE, office),
        ):
            if key in templates and to:
                rule_create(
                    actor=self.admin,
                    scope=f"template:{templates[key]}",
                    name=name,
                    trigger="workflows.process_finished",
                    conditions=approved,
                    actions=[_notify(to, text)],
                )
                made += 1
        tasks = registry.automation_triggers.get("tasks.status_changed")
        owner = self.person("marketing.head")
        project = _relaunch_project()
        if tasks is not None and owner is not None and project is not None:
            name, text = self.texts.RULE_TASKS
            rule_create(
                actor=owner,
                scope=f"group:{project.pk}",
                name=name,
                trigger=tasks.key,
                conditions=[{"field": "status", "op": "eq", "value": "completed"}],
                actions=[_notify([owner.pk], text)],
            )
            made += 1
        deals = registry.automation_triggers.get("crm.deal_stage_changed")
        if deals is not None:
            won = [
                key
                for key, label in deals.scope_choices(user=self.admin)
                if str(label).endswith(f": {self.texts.WON_STAGE}")
            ]
            if won:
                name, text = self.texts.RULE_WON
                rule_create(
                    actor=self.admin,
                    scope=won[0],
                    name=name,
                    trigger=deals.key,
                    actions=[{"action": "workflows.notify", "params": {"to": "owner", "text": text}}],
                )
                made += 1
        return made

    # --- the requests ----------------------------------------------------------------------------------------

    def requests(self) -> int:
        from ..models import ProcessTemplate

        templates = {
            t.key: t
            for t in ProcessTemplate.objects.filter(
                key__in={s.template for s in plan.STORIES}, is_active=True
            )
            .exclude(current_version=None)
            .select_related("current_version")
        }
        made = 0
        # The oldest first: the history of the calendar follows the order things happened in.
        for story in sorted(plan.STORIES, key=lambda s: -s.hours_ago):
            requester = self.person(story.requester)
            template = templates.get(story.template)
            if requester is None or template is None:
                continue
            self.request(story, template, requester)
            made += 1
        return made

    def request(self, story: plan.Story, template, requester):
        """Start the request as its requester, act on it as the plan says, then move it back in time."""
        from ..services.processes import process_act, process_start, process_withdraw

        data, uploads = self.values(story, template)
        mark = timezone.now()
        process = process_start(actor=requester, template=template, data=data, uploads=uploads)
        _shift(process, since=mark, by=-datetime.timedelta(hours=story.hours_ago))
        for act in story.acts:
            process.refresh_from_db()
            actor = self.person(act.by) if act.by else _waiting_for(process)
            if actor is None:
                break
            mark = timezone.now()
            comment = self.texts.COMMENTS.get(act.comment, "")
            process = process_act(actor=actor, process=process, action=act.action, comment=comment)
            _shift(process, since=mark, by=-datetime.timedelta(hours=story.hours_ago - act.hours))
        if story.withdraw_after is not None:
            mark = timezone.now()
            process = process_withdraw(actor=requester, process=process)
            _shift(process, since=mark, by=-datetime.timedelta(hours=story.hours_ago - story.withdraw_after))
        if story.paid_after is not None:
            self.pay(process, hours_ago=story.hours_ago - story.paid_after)
        if story.late_by_hours is not None:
            self.escalate(process, late_by=datetime.timedelta(hours=story.late_by_hours))
        return process

    def pay(self, process, *, hours_ago: float) -> None:
        from ..services.payments import payment_mark_paid

        accountant = self.person("accountant")
        if accountant is None:
            return
        mark = timezone.now()
        payment_mark_paid(actor=accountant, process=process)
        _shift(process, since=mark, by=-datetime.timedelta(hours=hours_ago))

    def escalate(self, process, *, late_by: datetime.timedelta) -> None:
        """Make the waiting step `late_by` past its deadline, and let the deadline sweep do what the beat would
        have done meanwhile: remind when it passed, escalate a day later."""
        from ..models import ProcessStep
        from ..services.deadlines import deadlines_sweep, escalate_after

        process.refresh_from_db()
        if process.current_step_id is None:
            return
        now = timezone.now()
        due = now - late_by
        ProcessStep.objects.filter(pk=process.current_step_id).update(due_at=due)
        for moment in (
            due + datetime.timedelta(minutes=10),
            due + escalate_after() + datetime.timedelta(minutes=10),
        ):
            mark = timezone.now()
            deadlines_sweep(now=moment)
            _shift(process, since=mark, by=moment - timezone.now(), fields_of_steps=False)

    def values(self, story: plan.Story, template) -> tuple[dict, dict]:
        """The form's values (definitions.py shape) and uploads for the story, field by field of the template's
        current version, so that a template an admin edited still gets what it asks for."""
        from ..choices import FieldType
        from ..definitions import field_defs
        from ..models import AbsenceType

        currency = (
            self.texts.CURRENCY if self.texts.CURRENCY in settings.CURRENCIES else settings.DEFAULT_CURRENCY
        )
        data: dict = {}
        uploads: dict = {}
        fields = field_defs(template.current_version)
        lines = [
            {
                "date": self.day(-2).isoformat(),
                "description": self.texts.LINES[key],
                "amount": f"{amount}.00",
                "currency": currency,
                "receipt": None,
            }
            for key, amount in story.lines
        ]
        for f in fields:
            kind = f.type
            if kind == FieldType.TEXT:
                if f.purpose == "counterparty" and story.counterparty is not None:
                    data[f.key] = self.texts.COUNTERPARTIES[story.counterparty]
                elif story.text:
                    data[f.key] = self.texts.TEXTS[story.text]
                elif f.required:
                    data[f.key] = template.name
            elif kind == FieldType.LONGTEXT and (story.about or f.required):
                data[f.key] = self.texts.TEXTS.get(story.about, template.name)
            elif kind == FieldType.MONEY:
                total = sum(amount for _key, amount in story.lines) if story.lines else story.amount
                if total is not None:
                    data[f.key] = {"amount": f"{total}.00", "currency": currency}
            elif kind == FieldType.DATE:
                data[f.key] = self.day(story.due_in).isoformat()
            elif kind == FieldType.DATERANGE and story.period is not None:
                first, days = story.period
                data[f.key] = {
                    "start": self.day(first).isoformat(),
                    "end": self.day(first + days - 1).isoformat(),
                }
            elif kind == FieldType.ABSENCE_TYPE:
                data[f.key] = (
                    AbsenceType.objects.filter(key=story.absence).values_list("pk", flat=True).first()
                )
            elif kind == FieldType.LINES:
                data[f.key] = lines
            elif kind == FieldType.FILE and f.required:
                uploads[f.key] = [
                    _pdf(f"{f.key}-{story.key}.pdf", title=data.get("counterparty") or template.name)
                ]
            elif kind == FieldType.BOOLEAN:
                data[f.key] = False
            elif kind == FieldType.CHOICE and f.required and f.choices:
                data[f.key] = f.choices[0]
            elif kind == FieldType.NUMBER and f.required:
                data[f.key] = "1"
            elif kind == FieldType.PERSON and f.required:
                data[f.key] = self.person(story.requester).pk
        return data, uploads


def _notify(people: list[int], text: str) -> dict:
    return {"action": "workflows.notify", "params": {"to": "people", "people": people, "text": text}}


def _relaunch_project():
    from portal.groups.demo import demo_group

    return demo_group("relaunch")


def _second_saturday(year: int, month: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(5 - first.weekday()) % 7 + 7)


def _waiting_for(process):
    """The first person the request's current step waits for."""
    from ..models import StepAssignment

    found = (
        StepAssignment.objects.filter(step_id=process.current_step_id, decision="", active=True)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return found.user if found else None


def _pdf(name: str, *, title: str) -> SimpleUploadedFile:
    """A one-page PDF (an invoice, a contract draft) to attach."""
    text = title.encode("latin-1", "replace").decode("latin-1").replace("(", "[").replace(")", "]")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _shift(
    process, *, since: datetime.datetime, by: datetime.timedelta, fields_of_steps: bool = True
) -> None:
    """Move everything of `process` stamped at or after `since` by `by` (the demo's history: what the services
    just did, as if it had happened then). Deadlines move with the steps they belong to."""
    from ..models import Process, ProcessAction, ProcessStep, StepAssignment

    if not by:
        return
    mine = {"pk": process.pk}
    for name in ("submitted_at", "created_at", "updated_at", "finished_at", "paid_at"):
        Process.objects.filter(**mine, **{f"{name}__gte": since}).update(**{name: F(name) + by})
    step_fields = ["started_at", "finished_at", "reminded_at", "escalated_at"]
    if fields_of_steps:
        step_fields.append("due_at")
    for name in step_fields:
        ProcessStep.objects.filter(process_id=process.pk, **{f"{name}__gte": since}).update(
            **{name: F(name) + by}
        )
    StepAssignment.objects.filter(step__process_id=process.pk, decided_at__gte=since).update(
        decided_at=F("decided_at") + by
    )
    ProcessAction.objects.filter(process_id=process.pk, created_at__gte=since).update(
        created_at=F("created_at") + by
    )


# --- what `manage.py demo_logins` (make run) prints -----------------------------------------------------------


def demo_hints(base_url: str = "") -> list[str]:
    """ "Approvals: sign in as … to approve …" for the demo people requests wait for now (read from the
    database, so that it says what is true), and where the absence chart is."""
    from ..models import Process, StepAssignment
    from ..selectors.control import waiting_assignments

    domain = demo_email("")
    rows = (
        waiting_assignments()
        .filter(user__email__endswith=domain, user__is_active=True)
        .order_by("user__email", "step__started_at")
        .values_list("user__email", "step__process__title")
    )
    waiting: dict[str, list[str]] = {}
    for email, title in rows:
        waiting.setdefault(email, []).append(title)
    if not waiting and not Process.objects.filter(requester__email__endswith=domain).exists():
        return []
    lines = []
    for email, titles in sorted(waiting.items(), key=lambda item: (-len(item[1]), item[0]))[:8]:
        shown = "; ".join(titles[:2]) + (f" and {len(titles) - 2} more" if len(titles) > 2 else "")
        lines.append(f"Approvals: sign in as {email} to approve {shown}")
    escalated = StepAssignment.objects.filter(
        reason="escalated", active=True, decision="", user__email__endswith=domain
    ).exists()
    if escalated:
        lines.append("Approvals: one request is past its deadline and escalated (see the CTO's list).")
    url = base_url.rstrip("/")
    lines.append(
        f"Absences: the vacation schedule is at {url}/workflows/absences/ (this week two heads are away)."
    )
    return lines
