"""Factories for tasks. They only lay data; tests of rules call services."""

import datetime

import factory
from django.utils import timezone

from tasks.choices import LinkKind, MemberRole, TaskStatus
from tasks.models import (
    ChecklistItem,
    Tag,
    Task,
    TaskComment,
    TaskLink,
    TaskMember,
    TaskTag,
    TaskTemplate,
    TimeEntry,
)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Task {n}")
    description = "Do the thing."
    creator = factory.SubFactory("tests.people.factories.UserFactory")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")
    status = TaskStatus.NEW


class TaskMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskMember

    task = factory.SubFactory(TaskFactory)
    user = factory.SubFactory("tests.people.factories.UserFactory")
    role = MemberRole.PARTICIPANT


class TaskLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskLink

    predecessor = factory.SubFactory(TaskFactory)
    successor = factory.SubFactory(TaskFactory)
    kind = LinkKind.FINISH_TO_START


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")
    owner = factory.SubFactory("tests.people.factories.UserFactory")


class TaskTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskTag

    task = factory.SubFactory(TaskFactory)
    tag = factory.SubFactory(TagFactory)


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    task = factory.SubFactory(TaskFactory)
    text = factory.Sequence(lambda n: f"Step {n}")
    position = factory.Sequence(lambda n: n)


class TaskCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskComment

    task = factory.SubFactory(TaskFactory)
    author = factory.SubFactory("tests.people.factories.UserFactory")
    body = factory.Sequence(lambda n: f"Comment {n}")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    task = factory.SubFactory(TaskFactory)
    user = factory.SubFactory("tests.people.factories.UserFactory")
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    ended_at = factory.LazyFunction(timezone.now)
    seconds = 3600


class TaskTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskTemplate

    creator = factory.SubFactory("tests.people.factories.UserFactory")
    title = factory.Sequence(lambda n: f"Template {n}")


class TaskFileFactory(factory.django.DjangoModelFactory):
    """A file attached to a task (stored through the test media root)."""

    class Meta:
        model = "tasks.TaskFile"

    task = factory.SubFactory(TaskFactory)
    name = factory.Sequence(lambda n: f"file{n}.txt")
    file = factory.django.FileField(filename="file.txt", data=b"hello")
    size = 5
    content_type = "text/plain"
    uploaded_by = factory.SubFactory("tests.people.factories.UserFactory")
