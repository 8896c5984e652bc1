"""Deal services: stage rules, the lost reason, amounts from lines, the time in a stage, the won post."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from djmoney.money import Money

from crm.choices import StageKind, TimelineKind
from crm.models import CrmSettings, Deal, DealStageChange, TimelineEntry
from crm.services import deals as services
from portal.core.errors import Invalid, NotAllowed
from portal.stream.models import Entry
from tests.crm.factories import DealFactory, PipelineFactory, ProductFactory, give_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def crm_roles(db):
    """The default CRM roles, even after a live-server test flushed the database."""
    from tests.crm.test_permissions_deals import default_roles

    return default_roles()


def stage(pipeline, kind, n=0):
    return list(pipeline.stages.filter(kind=kind).order_by("sort"))[n]


@pytest.fixture
def pipeline():
    return PipelineFactory()


def test_create_defaults_to_the_first_open_stage_and_its_probability(org, pipeline):
    first = stage(pipeline, StageKind.OPEN)
    first.probability = 20
    first.save()
    deal = services.deal_create(
        actor=org.east_rep, title="Boxes", pipeline=pipeline, amount=Money("10", "USD")
    )
    assert deal.stage == first and deal.probability == 20 and deal.responsible == org.east_rep
    assert deal.stage_kind == StageKind.OPEN and deal.closed_at is None
    assert TimelineEntry.objects.filter(deal=deal, kind=TimelineKind.CREATED).exists()
    assert DealStageChange.objects.filter(deal=deal, from_stage=None, to_stage=first).count() == 1


def test_create_refuses_a_responsible_out_of_reach(org, pipeline):
    with pytest.raises(Invalid) as exc:
        services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline, responsible=org.developer)
    assert "responsible" in exc.value.fields
    assert not Deal.objects.exists()


def test_move_to_lost_needs_a_reason_and_changes_nothing_without_it(org, pipeline):
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline)
    with pytest.raises(Invalid) as exc:
        services.deal_move(actor=org.east_rep, deal=deal, stage=stage(pipeline, StageKind.LOST))
    assert "lost_reason" in exc.value.fields
    deal.refresh_from_db()
    assert deal.stage_kind == StageKind.OPEN and DealStageChange.objects.filter(deal=deal).count() == 1


def test_moves_close_and_reopen_and_count_seconds_in_stage(org, pipeline):
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline)
    Deal.objects.filter(pk=deal.pk).update(stage_changed_at=timezone.now() - datetime.timedelta(hours=2))
    deal.refresh_from_db()
    lost = stage(pipeline, StageKind.LOST)
    deal = services.deal_move(actor=org.east_rep, deal=deal, stage=lost, lost_reason="Too expensive")
    assert (
        deal.stage_kind == StageKind.LOST
        and deal.closed_at is not None
        and deal.lost_reason == "Too expensive"
    )
    change = DealStageChange.objects.filter(deal=deal).latest("changed_at")
    assert 7190 <= change.seconds_in_stage <= 7300
    assert change.from_stage == stage(pipeline, StageKind.OPEN) and change.to_stage == lost
    entry = TimelineEntry.objects.filter(deal=deal, kind=TimelineKind.STAGE).get()
    assert entry.text == "Too expensive" and entry.data["to"] == lost.name
    deal = services.deal_move(actor=org.east_rep, deal=deal, stage=stage(pipeline, StageKind.OPEN, 1))
    assert deal.stage_kind == StageKind.OPEN and deal.closed_at is None and deal.lost_reason == ""


def test_a_person_without_edit_rights_cannot_move(org, pipeline):
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep)
    with pytest.raises(NotAllowed):
        services.deal_move(actor=org.developer, deal=deal, stage=stage(pipeline, StageKind.WON))


def test_lines_set_the_amount_exactly(org, pipeline):
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline, amount=Money("5", "USD"))
    product = ProductFactory(price=Money("19.99", "USD"))
    services.deal_lines_set(
        actor=org.east_rep,
        deal=deal,
        lines=[
            {"product": product, "quantity": Decimal("3")},  # 59.97
            {"name": "Setup", "quantity": "1", "price": "0.10", "discount": "0"},  # 0.10
            {
                "name": "Rounding",
                "quantity": "3",
                "price": Money("0.333", "USD"),
                "discount": "10",
            },  # the price is kept in cents (0.33): 0.891 -> 0.89
        ],
    )
    deal.refresh_from_db()
    assert deal.amount == Money(Decimal("60.96"), "USD")
    assert [line.name for line in deal.lines.all()] == [product.name, "Setup", "Rounding"]


def test_a_line_in_another_currency_is_refused(org, pipeline):
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline, amount=Money("5", "USD"))
    with pytest.raises(Invalid) as exc:
        services.deal_lines_set(
            actor=org.east_rep, deal=deal, lines=[{"name": "A", "quantity": 1, "price": Money("1", "EUR")}]
        )
    assert "lines-0-price" in exc.value.fields
    deal.refresh_from_db()
    assert deal.amount == Money("5", "USD") and not deal.lines.exists()


def test_observers_see_the_deal(org, pipeline):
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline)
    assert not Deal.objects.visible_to(org.developer).filter(pk=deal.pk).exists()
    services.deal_observers_set(actor=org.east_rep, deal=deal, observers=[org.developer])
    assert Deal.objects.visible_to(org.developer).filter(pk=deal.pk).exists()


def _won_posts(deal):
    return Entry.objects.filter(
        verb=services.WON_VERB, target_type=ContentType.objects.get_for_model(Deal), target_id=str(deal.pk)
    )


def test_a_won_deal_over_the_threshold_is_posted_to_the_department_once(
    org, pipeline, django_capture_on_commit_callbacks
):
    settings = CrmSettings.current()
    settings.won_post_enabled, settings.won_post_threshold = True, Money("1000", "USD")
    settings.save()
    small = services.deal_create(
        actor=org.east_rep, title="Small", pipeline=pipeline, amount=Money("999", "USD")
    )
    big = services.deal_create(
        actor=org.east_rep, title="Big", pipeline=pipeline, amount=Money("1000", "USD")
    )
    euro = services.deal_create(
        actor=org.east_rep, title="Euro", pipeline=pipeline, amount=Money("5000", "EUR")
    )
    won = stage(pipeline, StageKind.WON)
    with django_capture_on_commit_callbacks(execute=True):
        for deal in (small, big, euro):
            services.deal_move(actor=org.east_rep, deal=deal, stage=won)
    assert not _won_posts(small).exists() and not _won_posts(euro).exists()
    entry = _won_posts(big).get()
    assert list(entry.audience.values_list("department_id", flat=True)) == [org.east.pk]
    assert Entry.objects.visible_to(org.field_rep).filter(pk=entry.pk).exists()  # a sub-department reads it
    assert not Entry.objects.visible_to(org.developer).filter(pk=entry.pk).exists()
    services.deal_won_post(deal_id=big.pk, actor_id=org.east_rep.pk)  # a repeat posts nothing more
    assert _won_posts(big).count() == 1


def test_no_post_when_switched_off(org, pipeline, django_capture_on_commit_callbacks):
    settings = CrmSettings.current()
    settings.won_post_enabled = False
    settings.save()
    deal = services.deal_create(actor=org.east_rep, title="X", pipeline=pipeline)
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_move(actor=org.east_rep, deal=deal, stage=stage(pipeline, StageKind.WON))
    assert not _won_posts(deal).exists()


def test_delete_needs_the_right(org, pipeline):
    deal = DealFactory(pipeline=pipeline, responsible=org.east_rep)
    with pytest.raises(NotAllowed):
        services.deal_delete(actor=org.sales_head, deal=deal)
    from tests.crm.test_permissions_deals import default_roles

    give_role(default_roles()["Head of department"], user=org.sales_head)
    from crm import rights

    rights.forget(org.sales_head)
    services.deal_delete(actor=org.sales_head, deal=deal)
    assert not Deal.objects.filter(pk=deal.pk).exists()
