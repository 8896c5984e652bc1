"""Every route of deals, pipelines and products (pages and API), called as every role.

The deal of a row is made fresh per role, its responsible person east_rep (`member`, own level through the
default role); sales_head (`supervisor`) holds "Head of department" (sub-tree) so sees and changes it;
developer (`outsider`, own level) gets 404; the portal admin does everything. Pipelines and products are
settings: only a CRM admin changes them (others 404); the catalogue and the pipelines are read by all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from crm.choices import Level, StageKind
from crm.models import CrmRole, Deal, Pipeline, Product, Stage
from tests.crm.factories import DealFactory, PipelineFactory, ProductFactory, give_role, role_with
from tests.utils import ROLES, Endpoint, assert_matrix, rows, tables

pytestmark = pytest.mark.django_db

LOGIN = 302
API_ANON = (401, 403)


def _page(**statuses) -> dict:
    return {"anonymous": LOGIN, **statuses}


def _api(**statuses) -> dict:
    return {"anonymous": API_ANON, **statuses}


def _all(status, anonymous=LOGIN) -> dict:
    return {role: (anonymous if role == "anonymous" else status) for role in ROLES}


def default_roles() -> dict:
    """The roles migration 0003 makes (a test that flushed the database, as live-server tests do, took them)."""
    if not CrmRole.objects.filter(name="Employee").exists():
        role_with("Employee", Level.OWN, is_default=True)
    if not CrmRole.objects.filter(name="Head of department").exists():
        role_with("Head of department", Level.SUBTREE)
    return {role.name: role for role in CrmRole.objects.all()}


@pytest.fixture
def deal_endpoints(org, roles):
    give_role(default_roles()["Head of department"], user=org.sales_head)
    pipeline = PipelineFactory()
    open_stage, offer = pipeline.stages.filter(kind=StageKind.OPEN).order_by("sort")
    product = ProductFactory()

    def fresh_deal(role=None):
        return DealFactory(pipeline=pipeline, stage=open_stage, responsible=org.east_rep)

    def deal_url(name, suffix=""):
        return lambda role: reverse(name, args=[fresh_deal(role).pk]) + suffix

    def api_deal(suffix=""):
        return lambda role: f"/api/v1/crm/deals/{fresh_deal(role).pk}/{suffix}"

    def fresh_pipeline(role=None):
        return PipelineFactory()

    def fresh_stage(role=None):
        return Stage.objects.create(
            pipeline=pipeline, name=f"Extra {Stage.objects.count()}", kind="open", sort=5
        )

    deal_rule = dict(outsider=404, member=200, supervisor=200, admin=200)
    admin_only = dict(outsider=404, member=404, supervisor=404, admin=302)
    deals_probe = tables(Deal)
    return [
        # --- deal pages
        Endpoint("kanban", "GET", reverse("crm:deal_kanban"), _all(200)),
        Endpoint(
            "kanban of a pipeline", "GET", reverse("crm:deal_kanban") + f"?pipeline={pipeline.pk}", _all(200)
        ),
        Endpoint(
            "kanban more",
            "GET",
            reverse("crm:deal_kanban_more") + f"?pipeline={pipeline.pk}&stage={open_stage.pk}&offset=0",
            _all(200),
        ),
        Endpoint("deal page", "GET", deal_url("crm:deal"), _page(**deal_rule)),
        Endpoint("deal create form", "GET", reverse("crm:deal_create"), _all(200)),
        Endpoint(
            "deal create",
            "POST",
            reverse("crm:deal_create"),
            _all(302),
            lambda role: {
                "title": f"By {role}",
                "pipeline": pipeline.pk,
                "currency": "USD",
                "responsible": roles[role].pk if roles[role] else "",
                "lines-TOTAL_FORMS": "0",
                "lines-INITIAL_FORMS": "0",
            },
            "form",
            changed=rows(Deal),
        ),
        Endpoint("deal edit form", "GET", deal_url("crm:deal_edit"), _page(**deal_rule)),
        Endpoint(
            "deal edit",
            "POST",
            deal_url("crm:deal_edit"),
            _page(outsider=404, member=302, supervisor=302, admin=302),
            lambda role: {
                "title": f"Edited by {role}",
                "amount": "5",
                "currency": "USD",
                "responsible": org.east_rep.pk,
                "lines-TOTAL_FORMS": "0",
                "lines-INITIAL_FORMS": "0",
            },
            "form",
            changed=rows(Deal, "title"),
            unchanged_for=(),
        ),
        Endpoint("deal delete form", "GET", deal_url("crm:deal_delete"), _page(**deal_rule)),
        Endpoint(
            "deal delete",
            "POST",
            deal_url("crm:deal_delete"),
            _page(outsider=404, member=302, supervisor=302, admin=302),
            {},
            "form",
            changed=rows(Deal),
        ),
        Endpoint(
            "deal move",
            "POST",
            deal_url("crm:deal_move"),
            _page(outsider=404, member=302, supervisor=302, admin=302),
            {"stage": offer.pk},
            "form",
            changed=rows(Deal, "stage_id"),
        ),
        # --- pipelines (settings)
        Endpoint(
            "pipeline list",
            "GET",
            reverse("crm:pipeline_list"),
            _page(outsider=404, member=404, supervisor=404, admin=200),
        ),
        Endpoint(
            "pipeline create form",
            "GET",
            reverse("crm:pipeline_create"),
            _page(outsider=404, member=404, supervisor=404, admin=200),
        ),
        Endpoint(
            "pipeline create",
            "POST",
            reverse("crm:pipeline_create"),
            _page(**admin_only),
            lambda role: {"name": f"New by {role}", "idle_days": 5},
            "form",
            changed=rows(Pipeline),
        ),
        Endpoint(
            "pipeline edit form",
            "GET",
            lambda role: reverse("crm:pipeline_edit", args=[pipeline.pk]),
            _page(outsider=404, member=404, supervisor=404, admin=200),
        ),
        Endpoint(
            "pipeline edit",
            "POST",
            lambda role: reverse("crm:pipeline_edit", args=[fresh_pipeline().pk]),
            _page(**admin_only),
            lambda role: {"name": f"Renamed by {role}", "idle_days": 3, "is_active": "on"},
            "form",
            changed=rows(Pipeline, "name"),
        ),
        Endpoint(
            "pipeline delete",
            "POST",
            lambda role: reverse("crm:pipeline_delete", args=[fresh_pipeline().pk]),
            _page(**admin_only),
            {},
            "form",
            changed=rows(Pipeline),
        ),
        Endpoint(
            "stage create",
            "POST",
            reverse("crm:stage_create", args=[pipeline.pk]),
            _page(**admin_only),
            lambda role: {
                "new-name": f"Stage {role}",
                "new-kind": "open",
                "new-probability": 5,
                "new-color": "#112233",
            },
            "form",
            changed=rows(Stage),
        ),
        Endpoint(
            "stage edit",
            "POST",
            lambda role: f"{reverse('crm:stage_edit', args=[0])[:-2]}{fresh_stage().pk}/",
            _page(**admin_only),
            lambda role: {
                f"stage-{Stage.objects.latest('pk').pk}-name": f"Renamed {role}",
                f"stage-{Stage.objects.latest('pk').pk}-kind": "open",
                f"stage-{Stage.objects.latest('pk').pk}-probability": 1,
                f"stage-{Stage.objects.latest('pk').pk}-color": "#112233",
            },
            "form",
            changed=rows(Stage, "name"),
        ),
        Endpoint(
            "stage delete",
            "POST",
            lambda role: reverse("crm:stage_delete", args=[fresh_stage().pk]),
            _page(**admin_only),
            {},
            "form",
            changed=rows(Stage),
        ),
        Endpoint(
            "stage move",
            "POST",
            lambda role: reverse("crm:stage_move", args=[fresh_stage().pk]),
            _page(**admin_only),
            {"direction": "down"},
            "form",
            changed=rows(Stage, "sort"),
        ),
        Endpoint(
            "stage reorder",
            "POST",
            reverse("crm:stage_reorder", args=[pipeline.pk]),
            _page(outsider=404, member=404, supervisor=404, admin=200),
            lambda role: {"stage": list(pipeline.stages.order_by("-sort").values_list("pk", flat=True))},
            "form",
            changed=rows(Stage.objects.filter(pipeline=pipeline), "sort"),
        ),
        # --- products
        Endpoint("product list", "GET", reverse("crm:product_list"), _all(200)),
        Endpoint(
            "product create form",
            "GET",
            reverse("crm:product_create"),
            _page(outsider=404, member=404, supervisor=404, admin=200),
        ),
        Endpoint(
            "product create",
            "POST",
            reverse("crm:product_create"),
            _page(**admin_only),
            lambda role: {"name": f"P {role}", "sku": f"SKU-{role}", "price": "3", "currency": "USD"},
            "form",
            changed=rows(Product),
        ),
        Endpoint(
            "product edit form",
            "GET",
            reverse("crm:product_edit", args=[product.pk]),
            _page(outsider=404, member=404, supervisor=404, admin=200),
        ),
        Endpoint(
            "product edit",
            "POST",
            reverse("crm:product_edit", args=[product.pk]),
            _page(**admin_only),
            lambda role: {
                "name": f"Renamed {role}",
                "sku": product.sku,
                "price": "4",
                "currency": "USD",
                "is_active": "on",
            },
            "form",
            changed=rows(Product, "name"),
        ),
        Endpoint(
            "product deactivate",
            "POST",
            lambda role: reverse("crm:product_deactivate", args=[ProductFactory().pk]),
            _page(**admin_only),
            {"active": "0"},
            "form",
            changed=rows(Product, "is_active"),
        ),
        # --- the API
        Endpoint("api deals", "GET", "/api/v1/crm/deals/", _all(200, API_ANON)),
        Endpoint("api deal", "GET", api_deal(), _api(**deal_rule)),
        Endpoint(
            "api deal create",
            "POST",
            "/api/v1/crm/deals/",
            _all(201, API_ANON),
            {"title": "From the API", "stage": open_stage.pk, "amount": "10.00", "currency": "USD"},
            changed=rows(Deal),
        ),
        Endpoint(
            "api deal update",
            "PATCH",
            api_deal(),
            _api(outsider=404, member=200, supervisor=200, admin=200),
            lambda role: {"title": f"API {role}"},
            changed=rows(Deal, "title"),
        ),
        Endpoint(
            "api deal delete",
            "DELETE",
            api_deal(),
            _api(outsider=404, member=204, supervisor=204, admin=204),
            changed=rows(Deal),
        ),
        Endpoint(
            "api deal move",
            "POST",
            api_deal("move/"),
            _api(outsider=404, member=200, supervisor=200, admin=200),
            {"stage": offer.pk},
            changed=rows(Deal, "stage_id"),
        ),
        Endpoint("api deal lines", "GET", api_deal("lines/"), _api(**deal_rule)),
        Endpoint(
            "api deal lines set",
            "PUT",
            api_deal("lines/"),
            _api(outsider=404, member=200, supervisor=200, admin=200),
            {"lines": [{"name": "Box", "quantity": "2", "price": "3.50"}]},
            changed=deals_probe,
        ),
        Endpoint("api pipelines", "GET", "/api/v1/crm/pipelines/", _all(200, API_ANON)),
        Endpoint("api pipeline", "GET", f"/api/v1/crm/pipelines/{pipeline.pk}/", _all(200, API_ANON)),
        Endpoint(
            "api pipeline create",
            "POST",
            "/api/v1/crm/pipelines/",
            _api(outsider=404, member=404, supervisor=404, admin=201),
            lambda role: {"name": f"API pipeline {role}"},
            changed=rows(Pipeline),
        ),
        Endpoint(
            "api pipeline update",
            "PATCH",
            lambda role: f"/api/v1/crm/pipelines/{fresh_pipeline().pk}/",
            _api(outsider=404, member=404, supervisor=404, admin=200),
            lambda role: {"name": f"API renamed {role}"},
            changed=rows(Pipeline, "name"),
        ),
        Endpoint(
            "api pipeline delete",
            "DELETE",
            lambda role: f"/api/v1/crm/pipelines/{fresh_pipeline().pk}/",
            _api(outsider=404, member=404, supervisor=404, admin=204),
            changed=rows(Pipeline),
        ),
        Endpoint(
            "api pipeline order",
            "POST",
            f"/api/v1/crm/pipelines/{pipeline.pk}/order/",
            _api(outsider=404, member=404, supervisor=404, admin=200),
            lambda role: {"stages": list(pipeline.stages.order_by("-sort").values_list("pk", flat=True))},
            changed=rows(Stage.objects.filter(pipeline=pipeline), "sort"),
        ),
        Endpoint("api stages", "GET", f"/api/v1/crm/stages/?pipeline={pipeline.pk}", _all(200, API_ANON)),
        Endpoint("api stage", "GET", f"/api/v1/crm/stages/{open_stage.pk}/", _all(200, API_ANON)),
        Endpoint(
            "api stage create",
            "POST",
            "/api/v1/crm/stages/",
            _api(outsider=404, member=404, supervisor=404, admin=201),
            lambda role: {"pipeline": pipeline.pk, "name": f"API stage {role}"},
            changed=rows(Stage),
        ),
        Endpoint(
            "api stage update",
            "PATCH",
            lambda role: f"/api/v1/crm/stages/{fresh_stage().pk}/",
            _api(outsider=404, member=404, supervisor=404, admin=200),
            lambda role: {"name": f"API stage renamed {role}"},
            changed=rows(Stage, "name"),
        ),
        Endpoint(
            "api stage delete",
            "DELETE",
            lambda role: f"/api/v1/crm/stages/{fresh_stage().pk}/",
            _api(outsider=404, member=404, supervisor=404, admin=204),
            changed=rows(Stage),
        ),
        Endpoint("api products", "GET", "/api/v1/crm/products/", _all(200, API_ANON)),
        Endpoint("api product", "GET", f"/api/v1/crm/products/{product.pk}/", _all(200, API_ANON)),
        Endpoint(
            "api product create",
            "POST",
            "/api/v1/crm/products/",
            _api(outsider=403, member=403, supervisor=403, admin=201),
            lambda role: {"name": f"API product {role}", "price": "2.00", "currency": "EUR"},
            changed=rows(Product),
        ),
        Endpoint(
            "api product update",
            "PATCH",
            f"/api/v1/crm/products/{product.pk}/",
            _api(outsider=403, member=403, supervisor=403, admin=200),
            lambda role: {"name": f"API product renamed {role}"},
            changed=rows(Product, "name"),
        ),
    ]


def test_deals_pipelines_products_matrix(roles, deal_endpoints):
    assert_matrix(roles, deal_endpoints)
