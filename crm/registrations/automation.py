"""The CRM's part in the automation rules (the workflows app runs them): the trigger "a deal moved to a stage",
set per stage by CRM administrators, and the action "change a field of the deal" (responsible person,
probability, stage) through the deal services, with the rights of the rule's author."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.registry import AutomationAction, AutomationTrigger, registry

STAGE_CHANGED = "crm.deal_stage_changed"


def _stages(scope: str | None = None):
    from ..models import Stage

    stages = Stage.objects.select_related("pipeline").order_by("pipeline__sort", "pipeline_id", "sort", "id")
    if scope is not None:
        kind, _sep, ident = scope.partition(":")
        if kind != "stage" or not ident.isdigit():
            return []
        stages = stages.filter(pk=int(ident))
    return [(stage.pk, f"{stage.pipeline.name}: {stage.name}") for stage in stages]


def _stage_scopes(*, user, scope: str | None = None) -> list[tuple[str, str]]:
    """CRM administrators set rules on every stage of every pipeline."""
    from .. import rights

    if not rights.is_crm_admin(user):
        return []
    return [(f"stage:{pk}", label) for pk, label in _stages(scope)]


def _deal_get(object_id):
    from ..models import Deal

    try:
        return Deal.objects.filter(pk=int(object_id)).first()
    except (TypeError, ValueError):
        return None


def _deal_describe(deal) -> tuple[str, str]:
    return _("Deal: %(title)s") % {"title": deal.title}, deal.get_absolute_url()


def _stage_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    if field in ("stage", "old_stage"):
        return [(str(pk), label) for pk, label in _stages()]
    return []


def _rule_author(rule):
    from portal.core.errors import NotAllowed

    author = rule.created_by if rule.created_by_id else None
    if author is None or not author.is_active:
        raise NotAllowed(_("The rule's author is no longer active."))
    return author


CHANGE_FIELDS = (
    ("responsible", gettext_lazy("Responsible person")),
    ("probability", gettext_lazy("Probability, %")),
    ("stage", gettext_lazy("Stage")),
)


def _change_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    if field == "field":
        return [(key, str(label)) for key, label in CHANGE_FIELDS]
    if field == "stage":
        return [(str(pk), label) for pk, label in _stages()]
    return []


def _change_deal(*, rule, obj, event, params) -> str:
    from django.contrib.auth import get_user_model

    from portal.core.errors import NotFound

    from ..models import Stage
    from ..services.deals import deal_move, deal_update

    author = _rule_author(rule)
    field = params.get("field")
    if field == "stage":
        stage = Stage.objects.select_related("pipeline").filter(pk=params.get("stage")).first()
        if stage is None:
            raise NotFound(_("The stage is gone."))
        deal_move(
            actor=author,
            deal=obj,
            stage=stage,
            lost_reason=_("Moved by the automation rule “%(name)s”.") % {"name": rule.name},
        )
        return _("Stage: %(name)s") % {"name": f"{stage.pipeline.name}: {stage.name}"}
    current = {
        "title": obj.title,
        "contact": obj.contact,
        "company": obj.company,
        "lead": obj.lead,
        "expected_close": obj.expected_close,
        "comment": obj.comment,
    }
    if field == "probability":
        deal_update(actor=author, deal=obj, probability=int(params["probability"]), **current)
        return _("Probability: %(value)d%%") % {"value": int(params["probability"])}
    if field == "responsible":
        person = get_user_model().objects.filter(pk=params.get("person"), is_active=True).first()
        if person is None:
            raise NotFound(_("The person is no longer with the company."))
        deal_update(actor=author, deal=obj, responsible=person, **current)
        return _("Responsible person: %(name)s") % {"name": person.full_name or person.email}
    raise ValueError(_("Unknown field to change."))


TRIGGER = AutomationTrigger(
    key=STAGE_CHANGED,
    label=gettext_lazy("A deal moved to the stage"),
    scope_kind="stage",
    scope_choices=_stage_scopes,
    get=_deal_get,
    describe=_deal_describe,
    conditions=(
        ("old_stage", gettext_lazy("Previous stage"), "choice"),
        ("amount", gettext_lazy("Amount"), "number"),
        ("title", gettext_lazy("Title"), "text"),
    ),
    choices=_stage_choices,
    order=20,
)
ACTIONS = (
    AutomationAction(
        key="crm.change_deal",
        label=gettext_lazy("Change a field of the deal"),
        run=_change_deal,
        fields=(
            ("field", gettext_lazy("Field"), "choice", {"required": True}),
            ("person", gettext_lazy("New responsible person"), "person", {"when": ("field", "responsible")}),
            (
                "probability",
                gettext_lazy("New probability, %"),
                "number",
                {"when": ("field", "probability"), "min": 0, "max": 100},
            ),
            ("stage", gettext_lazy("New stage"), "choice", {"when": ("field", "stage")}),
        ),
        choices=_change_choices,
        triggers=(STAGE_CHANGED,),
        order=50,
    ),
)


def register() -> None:
    registry.automation_triggers.register(TRIGGER)
    for action in ACTIONS:
        registry.automation_actions.register(action)
