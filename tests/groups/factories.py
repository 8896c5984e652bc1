import datetime

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.groups.choices import GroupKind, GroupVisibility, MemberRole
from portal.groups.models import GroupFile, Membership, Workgroup


class WorkgroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workgroup

    name = factory.Sequence(lambda n: f"Group {n}")
    description = "A group for tests."
    kind = GroupKind.GROUP
    visibility = GroupVisibility.OPEN


class ProjectFactory(WorkgroupFactory):
    kind = GroupKind.PROJECT
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(WorkgroupFactory)
    user = factory.SubFactory("tests.people.factories.UserFactory")
    role = MemberRole.MEMBER


class GroupFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupFile

    group = factory.SubFactory(WorkgroupFactory)
    name = factory.Sequence(lambda n: f"file{n}.txt")
    file = factory.django.FileField(filename="file.txt", data=b"hello")
    size = 5
    content_type = "text/plain"


def upload(name: str = "notes.txt", content: bytes = b"hello world", content_type: str = "text/plain"):
    """An uploaded file as a form or the API receives it."""
    return SimpleUploadedFile(name, content, content_type=content_type)
