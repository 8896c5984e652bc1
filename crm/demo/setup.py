"""The CRM settings of the demo company, made by its administrator through the settings' services: the roles,
the pipelines and their stages, the catalogue, a web form, a store, a mailbox and the PBX."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from django.conf import settings
from djmoney.money import Money

from . import plan


def demo_pbx_token() -> str:
    """The demo PBX's token: derived from the secret key, so that `make run` can print it again on every start
    (only its hash is stored) and no two installations share one."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"lumen crm demo pbx", hashlib.sha256).hexdigest()
    return f"pbx_demo_{digest[:32]}"


class DemoSetup:
    """The steps that need the CRM administrator."""

    def roles(self) -> None:
        """The head of Sales sees the department's records ("Head of department"); the rest keep "Employee"."""
        from ..choices import Action, Entity, Level
        from ..models import CrmRole
        from ..services.rights import role_update

        role = CrmRole.objects.filter(name="Head of department").first()
        if role is None:
            from ..services.rights import role_create

            table = {(e, a): Level.SUBTREE for e in Entity.values for a in Action.values}
            role_create(
                actor=self.admin, name="Head of department", levels=table, users=[self.people[plan.HEAD]]
            )
            return
        levels = {(p.entity, p.action): p.level for p in role.permissions.all()}
        holders = list(role.assignments.all())
        users = {a.user_id for a in holders if a.user_id} | {self.people[plan.HEAD].pk}
        role_update(
            actor=self.admin,
            role=role,
            name=role.name,
            is_admin=role.is_admin,
            is_default=role.is_default,
            levels=levels,
            users=sorted(users),
            departments=[
                a.department_id for a in holders if a.department_id and not a.include_subdepartments
            ],
            subtree_departments=[
                a.department_id for a in holders if a.department_id and a.include_subdepartments
            ],
        )

    def crm_settings(self) -> None:
        """Phones read in the company's country; won deals from a round sum posted to the department."""
        from ..models import CrmSettings
        from ..services.rights import crm_settings_update

        crm_settings_update(
            actor=self.admin,
            default_region=self.texts.PHONE_REGION,
            won_post_enabled=True,
            lead_take_minutes=30,
        )
        # The threshold directly: the settings service saves a money value without its currency column.
        threshold = Decimal("5000") if self.texts.CURRENCY == "USD" else Decimal("500000")
        CrmSettings.objects.filter(pk=CrmSettings.current().pk).update(
            won_post_threshold=threshold, won_post_threshold_currency=self.texts.CURRENCY
        )

    def pipelines(self) -> None:
        """ "Sales" (the CRM's first pipeline) named in the demo's language; "Store orders" with the stages of an
        order's life."""
        from ..choices import StageKind
        from ..models import Stage
        from ..services import pipelines as services
        from ..services.deals import default_pipeline

        texts = self.texts
        sales = default_pipeline()
        if sales.name != texts.SALES_PIPELINE:
            sales = services.pipeline_update(
                actor=self.admin,
                pipeline=sales,
                name=texts.SALES_PIPELINE,
                idle_days=sales.idle_days,
                is_default=True,
                is_active=True,
            )
        stages = list(Stage.objects.filter(pipeline=sales).order_by("sort", "id"))
        for stage, name in zip(stages, texts.SALES_STAGES, strict=False):
            if stage.name != name:
                services.stage_update(
                    actor=self.admin,
                    stage=stage,
                    name=name,
                    kind=stage.kind,
                    probability=stage.probability,
                    color=stage.color,
                )
        self.sales = sales
        self.sales_stages = list(Stage.objects.filter(pipeline=sales).order_by("sort", "id"))

        store = services.pipeline_create(actor=self.admin, name=texts.STORE_PIPELINE, idle_days=7)
        new, paid, won, lost = list(Stage.objects.filter(pipeline=store).order_by("sort", "id"))
        names = texts.STORE_STAGES
        for stage, name, probability in ((new, names[0], 20), (paid, names[1], 60), (won, names[3], 100)):
            services.stage_update(
                actor=self.admin,
                stage=stage,
                name=name,
                kind=stage.kind,
                probability=probability,
                color=stage.color,
            )
        services.stage_update(
            actor=self.admin, stage=lost, name=names[4], kind=StageKind.LOST, probability=0, color=lost.color
        )
        shipped = services.stage_create(
            actor=self.admin,
            pipeline=store,
            name=names[2],
            kind=StageKind.OPEN,
            probability=90,
            color="#6610f2",
        )
        services.stages_reorder(
            actor=self.admin, pipeline=store, stage_ids=[new.pk, paid.pk, shipped.pk, won.pk, lost.pk]
        )
        self.store_pipeline = store
        self.store_stages = [new, paid, shipped, won, lost]

    def products(self) -> None:
        from ..services.products import product_create

        self.catalogue = [
            product_create(
                actor=self.admin, name=name, sku=sku, price=Money(Decimal(price), self.texts.CURRENCY)
            )
            for name, sku, price in self.texts.PRODUCTS
        ]

    def webform(self):
        from ..choices import Entity
        from ..services.webforms import webform_create

        spec = self.texts.WEBFORM
        return webform_create(
            actor=self.admin,
            name=spec["name"],
            title=spec["title"],
            thank_you=spec["thank_you"],
            target=Entity.LEAD,
            responsible=self.people[plan.WEBFORM_OWNER],
            fields=[
                {"name": name, "label": label, "target": target, "type": kind, "required": required}
                for name, label, target, kind, required in spec["fields"]
            ],
        )

    def store(self) -> tuple:
        """The WooCommerce shop: its order statuses mapped to the stages of "Store orders"; returns the connection
        and its secret (to sign the orders the demo delivers)."""
        from ..choices import StoreAdapter
        from ..services.stores import store_create, store_update

        connection, secret = store_create(
            actor=self.admin,
            name=self.texts.STORE["name"],
            adapter=StoreAdapter.WOOCOMMERCE,
            pipeline=self.store_pipeline,
            responsible=self.people[plan.STORE_RESPONSIBLE],
        )
        status_map = {
            status: self.store_stages[index].pk for status, index in plan.STORE_STATUS_STAGES.items()
        }
        connection = store_update(actor=self.admin, connection=connection, status_map=status_map)
        return connection, secret

    def mailbox(self):
        """A mailbox not connected: inactive, its page saying what to fill in (kept where a fetch's error goes)."""
        from ..models import Mailbox
        from ..services.mailboxes import mailbox_create

        spec = self.texts.MAILBOX
        mailbox = mailbox_create(
            actor=self.admin,
            name=spec["name"],
            host=spec["host"],
            login=spec["login"],
            password="not-connected",
            responsible=self.people[plan.WEBFORM_OWNER],
            is_active=False,
        )
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=spec["note"])
        return mailbox

    def pbx(self):
        """The office PBX with an extension per sales person; its token is the demo's (`demo_pbx_token`), so
        the simulator command `make run` prints works."""
        from ..models import PbxConnection
        from ..services.telephony import pbx_create, token_hash

        connection, _random_token = pbx_create(
            actor=self.admin,
            name=self.texts.PBX["name"],
            extensions=[(extension, self.people[local]) for extension, local in plan.EXTENSIONS],
        )
        token = demo_pbx_token()
        PbxConnection.objects.filter(pk=connection.pk).update(
            token_hash=token_hash(token), token_prefix=token[:8]
        )
        return connection
