"""Factories for the company core. Tests that exercise rules call services; factories only lay data."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.people.models import Company, Department, Invitation


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = "Acme Ltd"


class DepartmentFactory(factory.django.DjangoModelFactory):
    """`DepartmentFactory(parent=dept)` adds a child; without a parent it adds (or reuses) the root."""

    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Department {n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is not None:
            return parent.add_child(**kwargs)
        return model_class.add_root(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@acme.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    position = "Specialist"
    is_active = True
    password = factory.django.Password("pass-word-123")


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True
    position = "Administrator"


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@acme.test")
    secret = factory.Sequence(lambda n: f"secret-{n:032d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
