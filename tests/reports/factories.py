"""Factories for the reports app. They only lay data; tests of rules call services."""

import datetime

import factory
from django.utils import timezone

from reports.choices import DayState, ReportPeriod, ReportStatus
from reports.models import WorkDay, WorkReport, WorkSchedule


class WorkScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkSchedule

    name = factory.Sequence(lambda n: f"Schedule {n}")
    working_days = [0, 1, 2, 3, 4]
    start = datetime.time(9, 0)
    end = datetime.time(18, 0)


class WorkDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkDay

    user = factory.SubFactory("tests.people.factories.UserFactory")
    date = factory.LazyFunction(timezone.localdate)
    state = DayState.OPEN
    started_at = factory.LazyFunction(timezone.now)


class WorkReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkReport

    author = factory.SubFactory("tests.people.factories.UserFactory")
    period = ReportPeriod.DAY
    period_start = factory.LazyFunction(timezone.localdate)
    period_end = factory.SelfAttribute("period_start")
    facts = "Did the work."
    status = ReportStatus.DRAFT


class ReportSettingsFactory(factory.django.DjangoModelFactory):
    """Report settings of a department (work reports part)."""

    class Meta:
        model = "reports.ReportSettings"

    department = factory.SubFactory("tests.people.factories.DepartmentFactory")
    period = ReportPeriod.DAY
    due_time = datetime.time(19, 0)
    due_weekday = 4


class DigestPreferenceFactory(factory.django.DjangoModelFactory):
    """A person's digest time and personal switch (digests part)."""

    class Meta:
        model = "reports.DigestPreference"

    user = factory.SubFactory("tests.people.factories.UserFactory")
    digest_time = datetime.time(9, 0)
    personal_digest = False


class DigestFactory(factory.django.DjangoModelFactory):
    """A stored digest (digests part); its content is whatever the test gives as `data`."""

    class Meta:
        model = "reports.Digest"

    recipient = factory.SubFactory("tests.people.factories.UserFactory")
    kind = "supervisor"
    date = factory.LazyFunction(timezone.localdate)
    data = factory.LazyAttribute(
        lambda o: {"version": 1, "kind": o.kind, "date": o.date.isoformat(), "signals": 0}
    )
    signals = 0


def _content_type_of(instance):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(instance)


class ControlCheckFactory(factory.django.DjangoModelFactory):
    """A "touch" check (control part): `item` is any model instance, e.g. a WorkDay of the subject."""

    class Meta:
        model = "reports.ControlCheck"
        exclude = ("item",)

    supervisor = factory.SubFactory("tests.people.factories.UserFactory")
    subject = factory.SubFactory("tests.people.factories.UserFactory")
    item = factory.SubFactory(
        WorkDayFactory,
        user=factory.SelfAttribute("..subject"),
        date=factory.Sequence(lambda n: timezone.localdate() - datetime.timedelta(days=n + 1)),
    )
    item_type = factory.LazyAttribute(lambda o: _content_type_of(o.item))
    item_id = factory.LazyAttribute(lambda o: str(o.item.pk))
    item_repr = factory.LazyAttribute(lambda o: str(o.item))
    item_url = ""


class ControlTimeFactory(factory.django.DjangoModelFactory):
    """Measured control time of a supervisor on one date (control part)."""

    class Meta:
        model = "reports.ControlTime"

    supervisor = factory.SubFactory("tests.people.factories.UserFactory")
    date = factory.LazyFunction(timezone.localdate)
    seconds = 0
    last_beat_at = None


class TimesheetConfirmationFactory(factory.django.DjangoModelFactory):
    """A confirmed month (timesheets part); the totals are whatever the test needs."""

    class Meta:
        model = "reports.TimesheetConfirmation"

    user = factory.SubFactory("tests.people.factories.UserFactory")
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    totals = factory.LazyFunction(dict)
    confirmed_by = factory.SubFactory("tests.people.factories.UserFactory")
