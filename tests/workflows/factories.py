"""Factories for the workflows app. They only lay data (tests of rules call services)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from portal.workflows.choices import TemplateKind
from portal.workflows.models import (
    Absence,
    AbsenceType,
    Deputy,
    Holiday,
    LeaveAllowance,
    ProcessRole,
    ProcessTemplate,
    TemplateVersion,
)
from tests.people.factories import UserFactory

SIMPLE_FIELDS = [
    {"key": "subject", "label": "Subject", "type": "text", "required": True},
    {"key": "amount", "label": "Amount", "type": "money", "required": False, "purpose": "amount"},
]
SIMPLE_STEPS = [{"key": "boss", "name": "Supervisor", "kind": "approval", "rule": {"kind": "supervisor"}}]


class ProcessRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessRole
        django_get_or_create = ("key",)
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"role{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class ProcessTemplateFactory(factory.django.DjangoModelFactory):
    """A template with a first version: `fields`/`steps` lists (definitions.py shape) or the simple defaults."""

    class Meta:
        model = ProcessTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Template {n}")
    kind = TemplateKind.CUSTOM

    @factory.post_generation
    def version(self, create, extracted, fields=None, steps=None, **kwargs):
        if not create:
            return
        version = TemplateVersion.objects.create(
            template=self,
            number=1,
            fields=fields if fields is not None else SIMPLE_FIELDS,
            steps=steps if steps is not None else SIMPLE_STEPS,
        )
        self.current_version = version
        self.save(update_fields=["current_version"])


class AbsenceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AbsenceType
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"type{n}")
    name = factory.LazyAttribute(lambda o: o.key.title())


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    user = factory.SubFactory(UserFactory)
    type = factory.SubFactory(AbsenceTypeFactory, key="vacation", name="Vacation", counts_allowance=True)
    start = factory.LazyFunction(lambda: timezone.localdate())
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=4))


class LeaveAllowanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeaveAllowance

    user = factory.SubFactory(UserFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    days = 28


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    name = "Holiday"


class DeputyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deputy

    user = factory.SubFactory(UserFactory)
    deputy = factory.SubFactory(UserFactory)
    start = factory.LazyFunction(lambda: timezone.localdate())
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=7))


def process_laid(
    *,
    requester,
    approvers=(),
    template=None,
    title="Request",
    status="running",
    started_at=None,
    due_at=None,
    counterparty="",
    decided=(),
):
    """A process laid directly, without the engine (SCALE+DEMO+CONTROL's lists, counters and search): one
    step, active while the process runs, assigned to `approvers` (those in `decided` approved already)."""
    from portal.workflows.models import Process, ProcessStep, StepAssignment

    template = template or ProcessTemplateFactory()
    now = timezone.now()
    started_at = started_at or now
    process = Process.objects.create(
        template=template,
        version=template.current_version,
        kind=template.kind,
        title=title,
        requester=requester,
        status=status,
        submitted_at=started_at,
        counterparty=counterparty,
        finished_at=None if status in ("running", "returned") else now,
    )
    step = ProcessStep.objects.create(
        process=process,
        index=0,
        key="boss",
        name="Supervisor",
        status="active" if status == "running" else "approved",
        started_at=started_at,
        due_at=due_at,
    )
    for user in approvers:
        StepAssignment.objects.create(
            step=step,
            user=user,
            decision="approve" if user in decided else "",
            decided_at=now if user in decided else None,
        )
    process.current_step = step
    process.save(update_fields=["current_step"])
    return process
