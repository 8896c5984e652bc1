"""Pipelines and their stages, changed by a CRM administrator.

A pipeline always keeps at least one open, one won and one lost stage; a stage with deals in it is neither
deleted nor turned into another kind (its deals would break the rules of their kind); one pipeline is the
default one (where a new deal goes when nobody chose).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import Invalid, NotAllowed

from .. import rights
from ..choices import StageKind
from ..counters import DEALS_IDLE, recount_for
from ..models import Deal, Pipeline, Stage

PIPELINE_FIELDS = ["name", "idle_days", "is_default", "is_active", "sort"]
STAGE_FIELDS = ["name", "kind", "probability", "color"]
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _require_admin(actor) -> None:
    if actor is not None and not rights.is_crm_admin(actor):
        raise NotAllowed(_("Only a CRM administrator changes pipelines."))


def default_stages() -> list[tuple[str, str, int, str]]:
    """(name, kind, probability, colour) of a new pipeline's stages."""
    return [
        (_("New"), StageKind.OPEN, 10, "#0dcaf0"),
        (_("Negotiation"), StageKind.OPEN, 50, "#0d6efd"),
        (_("Won"), StageKind.WON, 100, "#198754"),
        (_("Lost"), StageKind.LOST, 0, "#dc3545"),
    ]


def _clean_pipeline(*, name: str, idle_days: int, pk: int | None = None) -> str:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the pipeline a name.")]
    elif Pipeline.objects.filter(name__iexact=name).exclude(pk=pk).exists():
        errors["name"] = [_("A pipeline with this name exists already.")]
    if idle_days is None or int(idle_days) < 1:
        errors["idle_days"] = [_("At least one day.")]
    if errors:
        raise Invalid(fields=errors)
    return name


def _make_default(pipeline: Pipeline) -> None:
    Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)


@transaction.atomic
def pipeline_create(*, actor, name: str, idle_days: int = 7, is_default: bool = False) -> Pipeline:
    """A new pipeline with the usual four stages (two open, won, lost), to be renamed as needed."""
    _require_admin(actor)
    name = _clean_pipeline(name=name, idle_days=idle_days)
    sort = (Pipeline.objects.aggregate(top=Max("sort"))["top"] or 0) + 10
    first = not Pipeline.objects.filter(is_default=True).exists()
    pipeline = Pipeline(name=name, idle_days=idle_days, sort=sort, is_default=False)
    pipeline.save()
    if is_default or first:
        _make_default(pipeline)
        pipeline.is_default = True
        pipeline.save(update_fields=["is_default"])
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=n, kind=k, probability=p, color=c, sort=(i + 1) * 10)
        for i, (n, k, p, c) in enumerate(default_stages())
    )
    audit_record(actor=actor, action="crm.pipeline.create", target=pipeline)
    return pipeline


@transaction.atomic
def pipeline_update(
    *, actor, pipeline: Pipeline, name: str, idle_days: int, is_default: bool, is_active: bool = True
) -> Pipeline:
    """Rename a pipeline, change its idle days, make it the default one or (not the default) hide it."""
    _require_admin(actor)
    name = _clean_pipeline(name=name, idle_days=idle_days, pk=pipeline.pk)
    if pipeline.is_default and not is_default:
        raise Invalid(fields={"is_default": [_("Make another pipeline the default one instead.")]})
    if is_default and not is_active:
        raise Invalid(fields={"is_active": [_("The default pipeline stays active.")]})
    before = snapshot(pipeline, PIPELINE_FIELDS)
    if is_default and not pipeline.is_default:
        _make_default(pipeline)
    if int(idle_days) != pipeline.idle_days:
        # Which of the pipeline's open deals are idle changed with the days: their people's counters too.
        people = Deal.objects.filter(pipeline=pipeline, stage_kind=StageKind.OPEN).values_list(
            "responsible_id", flat=True
        )
        recount_for(set(people.order_by().distinct()), [DEALS_IDLE])
    pipeline.name, pipeline.idle_days = name, idle_days
    pipeline.is_default, pipeline.is_active = is_default, is_active
    pipeline.save(update_fields=["name", "idle_days", "is_default", "is_active"])
    changes = diff(before, snapshot(pipeline, PIPELINE_FIELDS))
    if changes:
        audit_record(actor=actor, action="crm.pipeline.update", target=pipeline, changes=changes)
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor, pipeline: Pipeline) -> None:
    """Delete a pipeline without deals; the default one stays."""
    _require_admin(actor)
    if pipeline.is_default:
        raise Invalid(_("The default pipeline cannot be deleted: make another one the default first."))
    count = Deal.objects.filter(pipeline=pipeline).count()
    if count:
        raise Invalid(
            ngettext(
                "%(n)d deal is in this pipeline: move or delete it first.",
                "%(n)d deals are in this pipeline: move or delete them first.",
                count,
            )
            % {"n": count}
        )
    audit_record(actor=actor, action="crm.pipeline.delete", target=pipeline)
    pipeline.delete()


def _clean_stage(*, pipeline: Pipeline, name: str, kind: str, probability: int, color: str, pk=None) -> str:
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the stage a name.")]
    elif Stage.objects.filter(pipeline=pipeline, name__iexact=name).exclude(pk=pk).exists():
        errors["name"] = [_("This pipeline has a stage with this name already.")]
    if kind not in StageKind.values:
        errors["kind"] = [_("Choose open, won or lost.")]
    if probability is None or not 0 <= int(probability) <= 100:
        errors["probability"] = [_("From 0 to 100.")]
    if not COLOR.match(color or ""):
        errors["color"] = [_("A colour such as #0d6efd.")]
    if errors:
        raise Invalid(fields=errors)
    return name


def _kinds_left(pipeline: Pipeline, *, without: Stage) -> set[str]:
    return set(Stage.objects.filter(pipeline=pipeline).exclude(pk=without.pk).values_list("kind", flat=True))


def _missing_kind_message(kind: str) -> str:
    return _("A pipeline needs at least one “%(kind)s” stage.") % {"kind": StageKind(kind).label}


def _deals_in_stage_message(count: int) -> str:
    return ngettext(
        "%(n)d deal is in this stage: move it to another stage first.",
        "%(n)d deals are in this stage: move them to another stage first.",
        count,
    ) % {"n": count}


@transaction.atomic
def stage_create(
    *, actor, pipeline: Pipeline, name: str, kind: str = StageKind.OPEN, probability: int = 0, color="#0d6efd"
) -> Stage:
    """A new stage at the end of the pipeline."""
    _require_admin(actor)
    name = _clean_stage(pipeline=pipeline, name=name, kind=kind, probability=probability, color=color)
    sort = (Stage.objects.filter(pipeline=pipeline).aggregate(top=Max("sort"))["top"] or 0) + 10
    stage = Stage.objects.create(
        pipeline=pipeline, name=name, kind=kind, probability=probability, color=color.lower(), sort=sort
    )
    audit_record(actor=actor, action="crm.stage.create", target=stage, changes={"pipeline": pipeline})
    return stage


@transaction.atomic
def stage_update(*, actor, stage: Stage, name: str, kind: str, probability: int, color: str) -> Stage:
    """Rename a stage, change its probability, colour or (when no deal is in it) its kind."""
    _require_admin(actor)
    name = _clean_stage(
        pipeline=stage.pipeline, name=name, kind=kind, probability=probability, color=color, pk=stage.pk
    )
    if kind != stage.kind:
        count = Deal.objects.filter(stage=stage).count()
        if count:
            raise Invalid(fields={"kind": [_deals_in_stage_message(count)]})
        if stage.kind not in _kinds_left(stage.pipeline, without=stage):
            raise Invalid(fields={"kind": [_missing_kind_message(stage.kind)]})
    before = snapshot(stage, STAGE_FIELDS)
    stage.name, stage.kind, stage.probability, stage.color = name, kind, probability, color.lower()
    stage.save(update_fields=STAGE_FIELDS)
    changes = diff(before, snapshot(stage, STAGE_FIELDS))
    if changes:
        audit_record(actor=actor, action="crm.stage.update", target=stage, changes=changes)
    return stage


@transaction.atomic
def stage_delete(*, actor, stage: Stage) -> None:
    """Delete a stage no deal is in, if the pipeline keeps a stage of its kind."""
    _require_admin(actor)
    count = Deal.objects.filter(stage=stage).count()
    if count:
        raise Invalid(_deals_in_stage_message(count))
    if stage.kind not in _kinds_left(stage.pipeline, without=stage):
        raise Invalid(_missing_kind_message(stage.kind))
    audit_record(actor=actor, action="crm.stage.delete", target=stage, changes={"pipeline": stage.pipeline})
    stage.delete()


@transaction.atomic
def stages_reorder(*, actor, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the order of `stage_ids` (every stage of the pipeline, each once)."""
    _require_admin(actor)
    stages = {s.pk: s for s in Stage.objects.select_for_update().filter(pipeline=pipeline)}
    try:
        ids = [int(pk) for pk in stage_ids]
    except (TypeError, ValueError):
        ids = []
    if sorted(ids) != sorted(stages):
        raise Invalid(fields={"stage": [_("List every stage of the pipeline once.")]})
    ordered = []
    for position, pk in enumerate(ids, start=1):
        stage = stages[pk]
        stage.sort = position * 10
        ordered.append(stage)
    Stage.objects.bulk_update(ordered, ["sort"])
    audit_record(actor=actor, action="crm.stage.reorder", target=pipeline, changes={"stages": ids})
    return ordered


def stage_move(*, actor, stage: Stage, direction: str) -> list[Stage]:
    """One step up or down among the pipeline's stages (the buttons beside dragging)."""
    ids = list(
        Stage.objects.filter(pipeline_id=stage.pipeline_id)
        .order_by("sort", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(stage.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise Invalid(fields={"direction": [_("Up or down.")]})
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return stages_reorder(actor=actor, pipeline=stage.pipeline, stage_ids=ids)
