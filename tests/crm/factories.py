"""Factories for the CRM. They only lay data (tests of rules call services). Money fields take `Money`."""

from decimal import Decimal

import factory
from djmoney.money import Money

from crm.choices import ActivityKind, Entity, StageKind
from crm.models import (
    Activity,
    Company,
    Contact,
    CrmRole,
    CrmRoleAssignment,
    CrmRolePermission,
    Deal,
    Lead,
    Pipeline,
    Product,
    Stage,
)


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")
    sort = factory.Sequence(lambda n: 100 + n)

    @factory.post_generation
    def stages(self, create, extracted, **kwargs):
        """Four stages unless `stages=[...]` names them: Talk, Offer (open), Won, Lost."""
        if not create:
            return
        names = extracted or [
            ("Talk", StageKind.OPEN),
            ("Offer", StageKind.OPEN),
            ("Won", StageKind.WON),
            ("Lost", StageKind.LOST),
        ]
        for sort, (name, kind) in enumerate(names, start=1):
            Stage.objects.create(pipeline=self, name=name, kind=kind, sort=sort * 10)


def first_stage(pipeline: Pipeline) -> Stage:
    return pipeline.stages.order_by("sort").first()


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    title = factory.Sequence(lambda n: f"Lead {n}")
    first_name = "Olga"
    last_name = factory.Sequence(lambda n: f"Client{n}")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "Ivan"
    last_name = factory.Sequence(lambda n: f"Petrov{n}")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Client company {n}")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    pipeline = factory.SubFactory(PipelineFactory)
    stage = factory.LazyAttribute(lambda deal: first_stage(deal.pipeline))
    amount = Money(Decimal("1000.00"), "USD")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n}")
    price = Money(Decimal("19.99"), "USD")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.TODO
    subject = factory.Sequence(lambda n: f"Call back {n}")
    responsible = factory.SubFactory("tests.people.factories.UserFactory")


def role_with(
    name: str, level: int, *, entities=None, actions=None, is_admin=False, is_default=False
) -> CrmRole:
    """A role holding `level` for every (entity, action) given (all of them by default)."""
    role = CrmRole.objects.create(name=name, is_admin=is_admin, is_default=is_default)
    CrmRolePermission.objects.bulk_create(
        CrmRolePermission(role=role, entity=entity, action=action, level=level)
        for entity in (entities or Entity.values)
        for action in (actions or ["view", "add", "edit", "delete", "export", "import"])
    )
    return role


def give_role(role: CrmRole, *, user=None, department=None, include_subdepartments=True) -> CrmRoleAssignment:
    """Give the role (again: an assignment that exists is kept, so matrices sharing one database may repeat it)."""
    assignment, _ = CrmRoleAssignment.objects.get_or_create(
        role=role,
        user=user,
        department=department,
        defaults={"include_subdepartments": include_subdepartments},
    )
    return assignment
