"""Pipelines and stages: the kinds a pipeline keeps, stages with deals, the order, the default pipeline; the
settings pages for a CRM administrator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from crm.choices import StageKind
from crm.models import Pipeline, Stage
from crm.services import pipelines as services
from portal.core.errors import Invalid, NotAllowed
from tests.crm.factories import DealFactory, PipelineFactory

pytestmark = pytest.mark.django_db


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_pipeline_has_open_won_and_lost_stages(org):
    pipeline = services.pipeline_create(actor=org.admin, name="Wholesale")
    assert set(pipeline.stages.values_list("kind", flat=True)) == {
        StageKind.OPEN,
        StageKind.WON,
        StageKind.LOST,
    }
    with pytest.raises(Invalid):
        services.pipeline_create(actor=org.admin, name="wholesale")


def test_only_a_crm_admin_changes_pipelines(org):
    with pytest.raises(NotAllowed):
        services.pipeline_create(actor=org.east_rep, name="Mine")


def test_the_last_stage_of_a_kind_stays(org):
    pipeline = PipelineFactory()
    won = pipeline.stages.get(kind=StageKind.WON)
    with pytest.raises(Invalid):
        services.stage_delete(actor=org.admin, stage=won)
    with pytest.raises(Invalid):
        services.stage_update(
            actor=org.admin, stage=won, name="Won", kind=StageKind.OPEN, probability=0, color="#000000"
        )
    assert Stage.objects.filter(pk=won.pk, kind=StageKind.WON).exists()


def test_a_stage_with_deals_is_not_deleted_and_the_message_counts_them(org):
    pipeline = PipelineFactory()
    first = pipeline.stages.order_by("sort").first()
    DealFactory.create_batch(3, pipeline=pipeline, stage=first)
    with pytest.raises(Invalid) as exc:
        services.stage_delete(actor=org.admin, stage=first)
    assert "3 deals" in exc.value.message
    empty = pipeline.stages.order_by("sort")[1]
    services.stage_delete(actor=org.admin, stage=empty)
    assert not Stage.objects.filter(pk=empty.pk).exists()


def test_reorder_and_move(org):
    pipeline = PipelineFactory()
    ids = list(pipeline.stages.order_by("sort").values_list("pk", flat=True))
    services.stages_reorder(actor=org.admin, pipeline=pipeline, stage_ids=list(reversed(ids)))
    assert list(pipeline.stages.order_by("sort").values_list("pk", flat=True)) == list(reversed(ids))
    with pytest.raises(Invalid):
        services.stages_reorder(actor=org.admin, pipeline=pipeline, stage_ids=ids[:2])
    services.stage_move(actor=org.admin, stage=Stage.objects.get(pk=ids[3]), direction="down")
    assert list(pipeline.stages.order_by("sort").values_list("pk", flat=True)) == [
        ids[2],
        ids[3],
        ids[1],
        ids[0],
    ]


def test_one_default_pipeline(org):
    first = services.pipeline_create(actor=org.admin, name="A", is_default=True)
    second = services.pipeline_create(actor=org.admin, name="B")
    services.pipeline_update(actor=org.admin, pipeline=second, name="B", idle_days=5, is_default=True)
    assert list(Pipeline.objects.filter(is_default=True)) == [second]
    with pytest.raises(Invalid):
        services.pipeline_delete(actor=org.admin, pipeline=second)
    services.pipeline_delete(actor=org.admin, pipeline=Pipeline.objects.get(pk=first.pk))


def test_the_pages(org):
    pipeline = PipelineFactory(name="Retail")
    admin = client_as(org.admin)
    assert admin.get(reverse("crm:pipeline_list")).status_code == 200
    page = admin.get(reverse("crm:pipeline_edit", args=[pipeline.pk]))
    assert page.status_code == 200 and b"crm-stage-list" in page.content
    response = admin.post(
        reverse("crm:stage_create", args=[pipeline.pk]),
        {"new-name": "Contract", "new-kind": "open", "new-probability": 70, "new-color": "#123456"},
    )
    assert response.status_code == 302 and pipeline.stages.filter(name="Contract", probability=70).exists()
    first = pipeline.stages.order_by("sort").first()
    DealFactory(pipeline=pipeline, stage=first)
    response = admin.post(reverse("crm:stage_delete", args=[first.pk]), follow=True)
    assert "1 deal is in this stage" in response.content.decode()
    ids = list(pipeline.stages.order_by("-sort").values_list("pk", flat=True))
    response = admin.post(reverse("crm:stage_reorder", args=[pipeline.pk]), {"stage": ids})
    assert response.status_code == 200 and response.json()["stages"] == ids
    assert client_as(org.east_rep).get(reverse("crm:pipeline_list")).status_code == 404
