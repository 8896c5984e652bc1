"""Deals: create, change, move through the stages, line items, observers, delete.

Every write checks the actor's CRM rights on "deal" (`actor=None` is the system: the intake of store orders
and the like, which have no person behind them), adds its timeline entry and its audit row in the same
transaction. A won deal over the threshold of the CRM settings is posted to the stream of its responsible
person's department once the move has committed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.automation import automation_event_send
from portal.core.errors import DomainError, Invalid, NotAllowed

from .. import rights
from ..choices import Action, Entity, LeadSource, StageKind, TimelineKind
from ..counters import recount_records
from ..models import CrmSettings, Deal, DealLine, DealObserver, DealStageChange, Pipeline, Product, Stage
from .timeline import timeline_add, timeline_fields_changed

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
FIELDS = [
    "title",
    "amount",
    "contact",
    "company",
    "lead",
    "responsible",
    "expected_close",
    "probability",
    "comment",
]
WON_VERB = "crm.deal_won"
WON_TEMPLATE = "crm/deals/stream/won.html"


# --- rights -------------------------------------------------------------------------------------------------


def _is_observer(user, deal: Deal) -> bool:
    return DealObserver.objects.filter(deal=deal, user=user).exists()


def _require(actor, action: str, deal: Deal | None = None) -> None:
    """The actor's right to `action` (on `deal`, when given); the system (`None`) may do everything."""
    if actor is None:
        return
    if deal is None:
        allowed = rights.may(actor, Entity.DEAL, action)
    else:
        allowed = rights.allows(actor, Entity.DEAL, action, deal, observers=lambda: _is_observer(actor, deal))
    if not allowed:
        raise NotAllowed(_("Your CRM role does not allow this on deals."))


def may_edit(user, deal: Deal) -> bool:
    """Whether the person may change (and move) the deal."""
    return rights.allows(user, Entity.DEAL, Action.EDIT, deal, observers=lambda: _is_observer(user, deal))


def _check_responsible(actor, responsible, action: str) -> None:
    """One may hand a deal only to the people one's right reaches (else it would vanish from one's sight)."""
    if actor is None or responsible is None:
        return
    reach = rights.people_in_reach(actor, Entity.DEAL, action)
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(reach, pk=responsible.pk, is_active=True).exists():
        raise Invalid(fields={"responsible": [_("You cannot give deals to this person.")]})


# --- money --------------------------------------------------------------------------------------------------


def line_total(*, price: Decimal, quantity: Decimal, discount: Decimal) -> Decimal:
    """A line's total in the currency's cents, rounded half up: price × quantity × (100 − discount) / 100."""
    return (price * quantity * (HUNDRED - discount) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _money(value, currency: str) -> Money:
    if isinstance(value, Money):
        return value
    return Money(Decimal(str(value if value not in (None, "") else "0")), currency)


def _currency(amount: Money | None) -> str:
    return str(amount.currency) if isinstance(amount, Money) else settings.DEFAULT_CURRENCY


def amount_in(amount: Money, currency: str) -> Money:
    """The same number in another currency (a deal whose currency is changed with its lines)."""
    return Money(amount.amount, currency)


def _clean_amount(amount) -> Money:
    if amount is None:
        return Money(Decimal("0"), settings.DEFAULT_CURRENCY)
    if not isinstance(amount, Money):
        raise Invalid(fields={"amount": [_("Give an amount with its currency.")]})
    if str(amount.currency) not in settings.CURRENCIES:
        raise Invalid(fields={"amount": [_("Choose one of the company's currencies.")]})
    if amount.amount < 0:
        raise Invalid(fields={"amount": [_("An amount is not negative.")]})
    return Money(amount.amount.quantize(CENT, rounding=ROUND_HALF_UP), amount.currency)


# --- pipelines and stages -----------------------------------------------------------------------------------


def default_pipeline(*, active_only: bool = False) -> Pipeline | None:
    """The default pipeline, else the first active one; else (unless `active_only`) the first of all."""
    ordered = Pipeline.objects.order_by("-is_default", "sort", "id")
    found = ordered.filter(is_active=True).first()
    if found is None and not active_only:
        found = ordered.first()
    return found


def first_open_stage(pipeline: Pipeline) -> Stage | None:
    return Stage.objects.filter(pipeline=pipeline, kind=StageKind.OPEN).order_by("sort", "id").first()


# --- create, update, delete ---------------------------------------------------------------------------------


@transaction.atomic
def deal_create(
    *,
    actor,
    title: str,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    amount: Money | None = None,
    contact=None,
    company=None,
    lead=None,
    responsible=None,
    observers: Iterable = (),
    expected_close: datetime.date | None = None,
    probability: int | None = None,
    lines: list[dict] | None = None,
    comment: str = "",
    custom: dict | None = None,
    source: str = LeadSource.MANUAL,
    lost_reason: str = "",
    amount_from_lines: bool = True,
    store=None,
    external_id: str = "",
    external_updated_at: datetime.datetime | None = None,
) -> Deal:
    """A new deal in `pipeline` (the default one) at `stage` (the pipeline's first open stage), with the
    stage's probability unless given; with `lines` its amount is their sum, unless `amount_from_lines` is
    False: then it keeps `amount` (a store order's total, which counts shipping and taxes its lines leave out).

    `store`, `external_id` and `external_updated_at` tie the deal to the online-store order it came from
    (unique per store: `crm.services.stores`). `actor=None` is the portal itself (the intake): no rights
    apply and the responsible person stays as given."""
    _require(actor, Action.ADD)
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the deal a title.")]
    if pipeline is None:
        pipeline = stage.pipeline if stage is not None else default_pipeline()
    if pipeline is None:
        errors["pipeline"] = [_("There is no pipeline yet: a CRM administrator makes one first.")]
    elif stage is None:
        stage = first_open_stage(pipeline)
        if stage is None:
            errors["stage"] = [_("The pipeline has no open stage.")]
    elif stage.pipeline_id != pipeline.pk:
        errors["stage"] = [_("The stage belongs to another pipeline.")]
    if stage is not None and stage.kind == StageKind.LOST and not (lost_reason or "").strip():
        errors["lost_reason"] = [_("Say why the deal was lost.")]
    if probability is not None and not 0 <= int(probability) <= 100:
        errors["probability"] = [_("From 0 to 100.")]
    if errors:
        raise Invalid(fields=errors)
    amount = _clean_amount(amount)
    if responsible is None and actor is not None:
        responsible = actor
    _check_responsible(actor, responsible, Action.ADD)
    now = timezone.now()
    deal = Deal(
        title=title[:300],
        pipeline=pipeline,
        stage=stage,
        stage_kind=stage.kind,
        stage_changed_at=now,
        amount=amount,
        contact=contact,
        company=company,
        lead=lead,
        responsible=responsible,
        created_by=actor,
        expected_close=expected_close,
        probability=stage.probability if probability is None else int(probability),
        comment=comment or "",
        custom=custom or {},
        source=source,
        lost_reason=(lost_reason or "").strip()[:300] if stage.kind == StageKind.LOST else "",
        closed_at=now if stage.kind != StageKind.OPEN else None,
        store=store,
        external_id=(external_id or "")[:100],
        external_updated_at=external_updated_at,
    )
    deal.save()
    DealStageChange.objects.create(
        deal=deal, pipeline=pipeline, from_stage=None, to_stage=stage, actor=actor, changed_at=now
    )
    if observers:
        _observers_write(deal, observers)
    if lines:
        _lines_write(deal, lines, total=amount_from_lines)
    timeline_add(
        kind=TimelineKind.CREATED,
        actor=actor,
        records=[deal, contact, company, lead],
        data={"deal": deal.pk, "title": deal.title},
    )
    audit_record(actor=actor, action="crm.deal.create", target=deal)
    if stage.kind == StageKind.WON:
        _schedule_won_post(deal, actor)
    recount_records(deal)
    return deal


@transaction.atomic
def deal_update(
    *,
    actor,
    deal: Deal,
    title: str,
    amount: Money | None = None,
    contact=None,
    company=None,
    lead=None,
    responsible=None,
    expected_close: datetime.date | None = None,
    probability: int | None = None,
    comment: str = "",
    custom: dict | None = None,
) -> Deal:
    """Change a deal's fields (its stage moves with `deal_move`, its lines with `deal_lines_set`). A deal
    with lines keeps the amount of its lines."""
    _require(actor, Action.EDIT, deal)
    title = (title or "").strip()
    if not title:
        raise Invalid(fields={"title": [_("Give the deal a title.")]})
    if probability is not None and not 0 <= int(probability) <= 100:
        raise Invalid(fields={"probability": [_("From 0 to 100.")]})
    if responsible is not None and responsible.pk != deal.responsible_id:
        _check_responsible(actor, responsible, Action.EDIT)
    before = snapshot(deal, FIELDS)
    before_responsible = deal.responsible_id
    before_custom = dict(deal.custom or {})
    has_lines = deal.lines.exists()
    if amount is not None and not has_lines:
        deal.amount = _clean_amount(amount)
    elif amount is not None and has_lines and str(amount.currency) != _currency(deal.amount):
        raise Invalid(fields={"amount": [_("The line items are in another currency.")]})
    deal.title = title[:300]
    deal.contact, deal.company, deal.lead = contact, company, lead
    if responsible is not None:
        deal.responsible = responsible
    deal.expected_close = expected_close
    if probability is not None:
        deal.probability = int(probability)
    deal.comment = comment or ""
    if custom is not None:
        deal.custom = custom
    deal.save(
        update_fields=[
            "title",
            "amount",
            "amount_currency",
            "contact",
            "company",
            "lead",
            "responsible",
            "expected_close",
            "probability",
            "comment",
            "custom",
            "updated_at",
        ]
    )
    changes = diff(before, snapshot(deal, FIELDS))
    for key in sorted(set(before_custom) | set(deal.custom or {})):
        if before_custom.get(key) != (deal.custom or {}).get(key):
            changes[key] = [before_custom.get(key), (deal.custom or {}).get(key)]
    if changes:
        timeline_fields_changed(actor=actor, record=deal, changes=changes)
        audit_record(actor=actor, action="crm.deal.update", target=deal, changes=changes)
    recount_records(deal, also=[before_responsible])
    return deal


@transaction.atomic
def deal_delete(*, actor, deal: Deal) -> None:
    """Delete a deal with its lines, observers and stage history."""
    _require(actor, Action.DELETE, deal)
    audit_record(actor=actor, action="crm.deal.delete", target=deal, changes={"title": deal.title})
    recount_records(deal)
    deal.delete()


# --- moves through the stages -------------------------------------------------------------------------------


@transaction.atomic
def deal_move(*, actor, deal: Deal, stage: Stage, lost_reason: str = "") -> Deal:
    """Move a deal to `stage` (of its pipeline or of another one: the deal changes pipeline with it).

    A lost stage needs a reason. The deal takes the stage's kind and probability; a won or lost deal is
    closed now, one moved back to an open stage is open again. The time spent in the previous stage is kept
    in a `DealStageChange` for the reports."""
    _require(actor, Action.EDIT, deal)
    deal = Deal.objects.select_for_update().select_related("stage").get(pk=deal.pk)
    if stage.pk == deal.stage_id:
        return deal
    lost_reason = (lost_reason or "").strip()
    if stage.kind == StageKind.LOST and not lost_reason:
        raise Invalid(fields={"lost_reason": [_("Say why the deal was lost.")]}, code="lost_reason")
    now = timezone.now()
    previous = deal.stage
    since = deal.stage_changed_at or deal.created_at or now
    seconds = max(0, int((now - since).total_seconds()))
    was_kind = deal.stage_kind
    deal.pipeline_id = stage.pipeline_id
    deal.stage = stage
    deal.stage_kind = stage.kind
    deal.stage_changed_at = now
    deal.probability = stage.probability
    deal.lost_reason = lost_reason[:300] if stage.kind == StageKind.LOST else ""
    if stage.kind == StageKind.OPEN:
        deal.closed_at = None
    elif was_kind != stage.kind or deal.closed_at is None:
        deal.closed_at = now
    deal.save(
        update_fields=[
            "pipeline",
            "stage",
            "stage_kind",
            "stage_changed_at",
            "probability",
            "lost_reason",
            "closed_at",
            "updated_at",
        ]
    )
    change = DealStageChange.objects.create(
        deal=deal,
        pipeline_id=stage.pipeline_id,
        from_stage=previous,
        to_stage=stage,
        actor=actor,
        changed_at=now,
        seconds_in_stage=seconds,
    )
    # Automation rules of the stage (run after commit, never holding this move up).
    automation_event_send(
        trigger="crm.deal_stage_changed",
        object_id=deal.pk,
        event_id=f"{deal.pk}:{stage.pk}:{change.pk}",
        scopes=[f"stage:{stage.pk}"],
        data={
            "stage": stage.pk,
            "old_stage": previous.pk,
            "stage_name": stage.name,
            "old_stage_name": previous.name,
            "amount": str(deal.amount.amount) if isinstance(deal.amount, Money) else "0",
            "currency": _currency(deal.amount),
            "title": deal.title,
        },
        actor_id=getattr(actor, "pk", None),
    )
    timeline_add(
        kind=TimelineKind.STAGE,
        actor=actor,
        records=[deal],
        text=deal.lost_reason,
        data={
            "from": previous.name,
            "from_id": previous.pk,
            "to": stage.name,
            "to_id": stage.pk,
            "kind": stage.kind,
            "seconds": seconds,
        },
    )
    audit_record(
        actor=actor,
        action="crm.deal.move",
        target=deal,
        changes={"stage": [previous.name, stage.name], "lost_reason": deal.lost_reason},
    )
    if stage.kind == StageKind.WON and was_kind != StageKind.WON:
        _schedule_won_post(deal, actor)
    recount_records(deal)
    return deal


# --- line items and observers -------------------------------------------------------------------------------


def _decimal(value, field: str, index: int, errors: dict, default: str) -> Decimal | None:
    try:
        return Decimal(str(value if value not in (None, "") else default))
    except (InvalidOperation, ValueError):
        errors.setdefault(f"lines-{index}-{field}", []).append(_("Not a number."))
        return None


def _lines_write(deal: Deal, lines: list[dict], *, total: bool = True) -> list[DealLine]:
    """Validate and store `lines` for `deal` (replacing its lines) and, with `total`, set the amount from
    them (else the lines are in the currency of the deal's amount, which stays)."""
    currency = _currency(deal.amount)
    product_ids = [
        getattr(line.get("product"), "pk", line.get("product")) for line in lines if line.get("product")
    ]
    products = Product.objects.in_bulk(product_ids) if product_ids else {}
    rows, errors = [], {}
    for index, line in enumerate(lines):
        product = line.get("product")
        product = products.get(getattr(product, "pk", product)) if product else None
        name = (line.get("name") or (product.name if product else "")).strip()
        if not name:
            errors.setdefault(f"lines-{index}-name", []).append(_("Choose a product or give a name."))
        quantity = _decimal(line.get("quantity"), "quantity", index, errors, "1")
        discount = _decimal(line.get("discount"), "discount", index, errors, "0")
        price = line.get("price")
        if price in (None, "") and product is not None:
            price = product.price
        if isinstance(price, Money):
            if str(price.currency) != currency:
                errors.setdefault(f"lines-{index}-price", []).append(
                    _("The price is in %(line)s, the deal in %(deal)s.")
                    % {"line": price.currency, "deal": currency}
                )
                continue
            price = price.amount
        price = _decimal(price, "price", index, errors, "0")
        if quantity is not None and quantity <= 0:
            errors.setdefault(f"lines-{index}-quantity", []).append(_("More than zero."))
        if discount is not None and not 0 <= discount <= 100:
            errors.setdefault(f"lines-{index}-discount", []).append(_("From 0 to 100 per cent."))
        if price is not None and price < 0:
            errors.setdefault(f"lines-{index}-price", []).append(_("A price is not negative."))
        if errors:
            continue
        rows.append(
            DealLine(
                deal=deal,
                product=product,
                name=name[:300],
                quantity=quantity,
                price=Money(price.quantize(CENT, rounding=ROUND_HALF_UP), currency),
                discount=discount,
                sort=index,
            )
        )
    if errors:
        raise Invalid(fields=errors)
    DealLine.objects.filter(deal=deal).delete()
    DealLine.objects.bulk_create(rows)
    if rows and total:
        deal.amount = Money(
            sum(
                (line_total(price=r.price.amount, quantity=r.quantity, discount=r.discount) for r in rows),
                Decimal("0.00"),
            ),
            currency,
        )
        deal.save(update_fields=["amount", "amount_currency", "updated_at"])
    return rows


@transaction.atomic
def deal_lines_set(*, actor, deal: Deal, lines: list[dict], amount: Money | None = None) -> list[DealLine]:
    """Replace a deal's line items: each {"product" (a Product or id, optional), "name" (the product's if
    empty), "quantity", "price" (Money in the deal's currency, or a number; the product's if empty),
    "discount" (per cent)}. With lines the deal's amount is their exact sum; a line in another currency is
    refused and nothing changes. With `amount` the deal takes that amount (and its currency) instead of the
    lines' sum (a store order's total, which counts shipping and taxes its lines leave out)."""
    _require(actor, Action.EDIT, deal)
    before = snapshot(deal, ["amount"])
    if amount is not None:
        deal.amount = _clean_amount(amount)
    rows = _lines_write(deal, lines, total=amount is None)
    if amount is not None:
        deal.save(update_fields=["amount", "amount_currency", "updated_at"])
    changes = diff(before, snapshot(deal, ["amount"]))
    audit_record(
        actor=actor,
        action="crm.deal.lines",
        target=deal,
        changes={**changes, "lines": [f"{r.name} × {r.quantity}" for r in rows]},
    )
    if changes:
        timeline_fields_changed(actor=actor, record=deal, changes=changes)
    return rows


def _observers_write(deal: Deal, observers: Iterable) -> set[int]:
    wanted = {getattr(person, "pk", person) for person in observers if person}
    current = set(DealObserver.objects.filter(deal=deal).values_list("user_id", flat=True))
    DealObserver.objects.filter(deal=deal, user_id__in=current - wanted).delete()
    DealObserver.objects.bulk_create(DealObserver(deal=deal, user_id=pk) for pk in wanted - current)
    return wanted


@transaction.atomic
def deal_observers_set(*, actor, deal: Deal, observers: Iterable) -> set[int]:
    """Replace the people who observe the deal (they see it as if it were theirs)."""
    _require(actor, Action.EDIT, deal)
    before = sorted(DealObserver.objects.filter(deal=deal).values_list("user_id", flat=True))
    after = sorted(_observers_write(deal, observers))
    if before != after:
        audit_record(
            actor=actor, action="crm.deal.observers", target=deal, changes={"observers": [before, after]}
        )
    return set(after)


# --- the won deal in the stream -----------------------------------------------------------------------------


def _schedule_won_post(deal: Deal, actor) -> None:
    deal_id, actor_id = deal.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: deal_won_post(deal_id=deal_id, actor_id=actor_id))


def won_post_due(deal: Deal, crm_settings: CrmSettings) -> bool:
    """Whether the settings want a post about this won deal: the post is on and the amount reaches the
    threshold (in the same currency; no threshold: every won deal)."""
    if deal.stage_kind != StageKind.WON or not crm_settings.won_post_enabled:
        return False
    threshold = crm_settings.won_post_threshold
    if threshold is None:
        return True
    if str(threshold.currency) != _currency(deal.amount):
        return False
    return deal.amount.amount >= threshold.amount


def deal_won_post(*, deal_id: int, actor_id: int | None = None):
    """Post a won deal to the stream of its responsible person's department (after the move committed).
    Safe to repeat: a deal is posted once, and nothing is posted when it is no longer won."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from portal.stream.models import Entry
    from portal.stream.services import Audience, entry_publish

    deal = (
        Deal.objects.select_related("responsible", "stage", "company", "pipeline").filter(pk=deal_id).first()
    )
    if deal is None or not won_post_due(deal, CrmSettings.current()):
        return None
    responsible = deal.responsible
    if responsible is None or not responsible.department_id:
        return None
    posted = Entry.objects.filter(
        verb=WON_VERB, target_type=ContentType.objects.get_for_model(Deal), target_id=str(deal.pk)
    )
    if posted.exists():
        return None
    actor = get_user_model().objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    author = actor or (responsible if responsible.is_active else None)
    if author is None:
        return None
    try:
        return entry_publish(
            actor=author,
            verb=WON_VERB,
            target=deal,
            audience=Audience(departments=[responsible.department_id]),
            template=WON_TEMPLATE,
            context={
                "title": deal.title,
                "amount": str(deal.amount.amount),
                "currency": _currency(deal.amount),
                "company": deal.company.name if deal.company_id else "",
                "pipeline": deal.pipeline.name,
                "responsible_name": responsible.full_name or responsible.email,
            },
        )
    except DomainError as exc:
        log.warning("the won deal %s was not posted: %s", deal.pk, exc.message)
        return None
