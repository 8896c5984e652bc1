"""Reading pipelines and stages. Every employee who may view deals reads them (the Kanban's columns, the
deal form's choices); only a CRM administrator changes them (`crm.services.pipelines`)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from portal.core.errors import NotFound

from ..choices import StageKind
from ..models import Pipeline, Stage

# The Kanban's and the stage bar's order: the open stages first, then won, then lost.
KIND_ORDER = Case(
    When(kind=StageKind.OPEN, then=Value(0)),
    When(kind=StageKind.WON, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def stages_ordered(queryset: QuerySet | None = None) -> QuerySet[Stage]:
    """Stages open first, then won, then lost, each kind in its own order."""
    queryset = Stage.objects.all() if queryset is None else queryset
    return queryset.annotate(kind_rank=KIND_ORDER).order_by("pipeline_id", "kind_rank", "sort", "id")


def pipeline_list(*, active_only: bool = True) -> QuerySet[Pipeline]:
    """The pipelines (the active ones unless asked) with their stages in board order (two queries)."""
    queryset = Pipeline.objects.all()
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset.prefetch_related(Prefetch("stages", queryset=stages_ordered()))


def pipeline_get(*, pk) -> Pipeline:
    try:
        return Pipeline.objects.get(pk=int(pk))
    except (Pipeline.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None


def pipeline_default() -> Pipeline | None:
    """The default pipeline, else the first active one."""
    return Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort", "id").first()


def pipeline_stages(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages in board order."""
    return list(stages_ordered(Stage.objects.filter(pipeline=pipeline)))


def pipeline_stages_editor(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages in the order the administrator set (the editor's order)."""
    return list(Stage.objects.filter(pipeline=pipeline).order_by("sort", "id"))


def stage_get(*, pk, pipeline: Pipeline | None = None) -> Stage:
    queryset = Stage.objects.select_related("pipeline")
    if pipeline is not None:
        queryset = queryset.filter(pipeline=pipeline)
    try:
        return queryset.get(pk=int(pk))
    except (Stage.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
