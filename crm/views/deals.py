"""CRM pages: the deal Kanban (a column per stage of a pipeline, drag to move), the deal's page, its create,
edit and delete forms, and the move to a stage (from the Kanban, as JSON, and from the page's stage bar).

Thin views: reads through `crm.selectors.deals`, writes through `crm.services.deals`; the Kanban's cards are
built in Python (one function for the board, its "more" slots and the answer to a move)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.htmx import is_htmx, redirect_htmx, render_htmx
from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html

from .. import rights
from ..choices import Action, Entity, StageKind
from ..forms.deals import DealForm, DealMoveForm, line_formset
from ..models import Company, Contact, CustomField, Deal
from ..selectors import deals as selectors
from ..selectors import pipelines as pipeline_selectors
from ..services import deals as services

NAV = {"nav_area": "crm", "crm_tab": "deals"}


def _require_view(user) -> None:
    if not rights.may(user, Entity.DEAL, Action.VIEW):
        raise Http404("No right to view deals.")


def _url(name: str, pk) -> str | None:
    """A record's page, if that page exists in this build."""
    if not pk:
        return None
    try:
        return url_for_pk(name, pk)
    except NoReverseMatch:
        return None


def money_text(sums) -> str:
    """Per-currency sums as one line ("$1,200.00 · €300.00"), or a zero."""
    return " · ".join(str(money) for money in sums) if sums else "0"


# --- the Kanban's cards -------------------------------------------------------------------------------------


class CardContext:
    """What every card of a board shares: now, the move URL's halves, the people's avatars, the deals the
    viewer may move, the fixed words."""

    def __init__(self, *, editable: set[int]):
        self.now = timezone.now()
        self.editable = editable
        self.avatars: dict[int, str] = {}
        self.days_label = _("Days in this stage")

    def avatar(self, person) -> str:
        if person is None:
            return ""
        html = self.avatars.get(person.pk)
        if html is None:
            html = self.avatars[person.pk] = format_html(
                '<span class="crm-card-person" title="{}">{}</span>', str(person), avatar_html(person, 22, 10)
            )
        return html


def deal_card_html(deal: Deal, ctx: CardContext) -> str:
    """One Kanban card: title, company or contact, amount, the responsible person's avatar, days in stage."""
    since = deal.stage_changed_at or deal.created_at
    days = max(0, (ctx.now - since).days) if since else 0
    client = deal.company.name if deal.company_id else (str(deal.contact) if deal.contact_id else "")
    movable = deal.pk in ctx.editable
    return format_html(
        '<article class="card crm-card{}" data-id="{}" data-stage="{}" data-move-url="{}" data-movable="{}">'
        '<div class="card-body p-2"><a class="crm-card-title d-block text-body text-decoration-none" href="{}">{}</a>'
        '{}<div class="d-flex align-items-center gap-2 mt-1 small"><span class="fw-semibold crm-card-amount">{}</span>'
        '<span class="ms-auto text-body-secondary text-nowrap" title="{}"><i class="bi bi-hourglass-split" '
        'aria-hidden="true"></i> {}</span>{}</div></div></article>',
        "" if movable else " crm-card-locked",
        deal.pk,
        deal.stage_id,
        url_for_pk("crm:deal_move", deal.pk),
        "1" if movable else "0",
        url_for_pk("crm:deal", deal.pk),
        deal.title,
        format_html('<div class="small text-body-secondary text-truncate">{}</div>', client)
        if client
        else "",
        str(deal.amount),
        ctx.days_label,
        days,
        ctx.avatar(deal.responsible),
    )


def _editable(user, deals) -> set[int]:
    ids = [deal.pk for deal in deals]
    if not ids:
        return set()
    return set(Deal.objects.allowed(user, Action.EDIT).filter(pk__in=ids).values_list("pk", flat=True))


def _board_params(request: HttpRequest):
    """The pipeline (?pipeline=, else the default one) and the scope (all I see, mine, my department)."""
    pipelines = list(pipeline_selectors.pipeline_list())
    chosen = request.GET.get("pipeline", "")
    pipeline = next((p for p in pipelines if str(p.pk) == chosen), None)
    if pipeline is None and chosen:
        raise Http404("No such pipeline.")
    if pipeline is None:
        pipeline = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    scope = request.GET.get("scope", "all")
    if scope not in selectors.SCOPES:
        scope = "all"
    return pipelines, pipeline, scope


def _more_url(pipeline, stage, scope: str, offset: int) -> str:
    query = urlencode({"pipeline": pipeline.pk, "stage": stage.pk, "scope": scope, "offset": offset})
    return f"{reverse('crm:deal_kanban_more')}?{query}"


def _board_texts() -> dict[str, str]:
    return {
        "error": _("The deal was not moved."),
        "forbidden": _("You may not move this deal."),
        "not_found": _("This deal is no longer there."),
        "network": _("No connection: the deal was not moved."),
        "close": _("Close"),
    }


@login_required
@require_GET
def deal_kanban(request: HttpRequest) -> HttpResponse:
    """The Kanban of a pipeline: a column per stage (open, won, lost) with its count and sums, the first
    cards of each and a "more" button per column."""
    _require_view(request.user)
    pipelines, pipeline, scope = _board_params(request)
    columns = []
    if pipeline is not None:
        stages = list(pipeline.stages.all())
        columns = selectors.kanban_columns(user=request.user, pipeline=pipeline, stages=stages, scope=scope)
        ctx = CardContext(editable=_editable(request.user, [d for c in columns for d in c.deals]))
        for column in columns:
            column.cards = mark_safe("".join(deal_card_html(deal, ctx) for deal in column.deals))
            column.sum_text = money_text(column.sums)
            column.load_url = _more_url(pipeline, column.stage, scope, len(column.deals))
            column.next_count = min(column.more, selectors.KANBAN_PAGE)
    base = reverse("crm:deal_kanban")
    context = {
        **NAV,
        "pipelines": [
            {
                "pk": p.pk,
                "name": p.name,
                "url": f"{base}?{urlencode({'pipeline': p.pk, 'scope': scope})}",
                "active": pipeline is not None and p.pk == pipeline.pk,
            }
            for p in pipelines
        ],
        "pipeline": pipeline,
        "scope": scope,
        "scopes": [
            {
                "key": key,
                "label": label,
                "active": key == scope,
                "url": f"{base}?{urlencode({'pipeline': pipeline.pk if pipeline else '', 'scope': key})}",
            }
            for key, label in (
                ("all", _("All I see")),
                ("mine", _("Mine")),
                ("department", _("My department")),
            )
        ],
        "columns": columns,
        "page_size": selectors.KANBAN_PAGE,
        "may_add": rights.may(request.user, Entity.DEAL, Action.ADD),
        "board_texts": _board_texts(),
        "list_url": _reverse_or_none("crm:deal_list"),
    }
    return render_htmx(request, "crm/deals/kanban.html", context, partial="crm/deals/partials/board.html")


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _int(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


@login_required
@require_GET
def deal_kanban_more(request: HttpRequest) -> HttpResponse:
    """The next cards of one column, for htmx to append, with the column's "more" slot out of band."""
    _require_view(request.user)
    _pipelines, pipeline, scope = _board_params(request)
    offset = _int(request.GET.get("offset"))
    stage_id = _int(request.GET.get("stage"))
    if pipeline is None or offset is None or stage_id is None:
        return HttpResponse(_("Choose a column."), status=400, content_type="text/plain; charset=utf-8")
    stage = pipeline_selectors.stage_get(pk=stage_id, pipeline=pipeline)
    deals, more = selectors.kanban_page(
        user=request.user, pipeline=pipeline, stage=stage, scope=scope, offset=offset
    )
    ctx = CardContext(editable=_editable(request.user, deals))
    column = {
        "stage": stage,
        "more": more,
        "next_count": min(more, selectors.KANBAN_PAGE),
        "load_url": _more_url(pipeline, stage, scope, offset + len(deals)),
    }
    context = {
        "cards": mark_safe("".join(deal_card_html(d, ctx) for d in deals)),
        "column": column,
        "oob": True,
    }
    return render(request, "crm/deals/partials/more.html", context)


# --- the move -----------------------------------------------------------------------------------------------


def _json_error(
    status: int, message: str, *, code: str = "error", fields: dict | None = None
) -> JsonResponse:
    return JsonResponse(
        {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}, status=status
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not is_htmx(request)


@login_required
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the deal to a stage (`stage`, and `lost_reason` for a lost one). The Kanban gets JSON (the card
    again and its two columns' new numbers), htmx the page's stage bar, a plain form a redirect."""
    deal = selectors.deal_get(user=request.user, pk=pk)
    form = DealMoveForm(request.POST)
    stage = None
    if form.is_valid():
        try:
            stage = pipeline_selectors.stage_get(pk=form.cleaned_data["stage"])
        except NotFound:  # a missing stage is a bad request here, not a 404 of the deal
            stage = None
    if stage is None:
        if _wants_json(request):
            return _json_error(
                400, _("Choose a stage."), code="invalid", fields={"stage": [_("Unknown stage.")]}
            )
        messages.error(request, _("Choose a stage."))
        return redirect_htmx(request, deal.get_absolute_url())
    previous = deal.stage_id
    try:
        deal = services.deal_move(
            actor=request.user, deal=deal, stage=stage, lost_reason=form.cleaned_data.get("lost_reason", "")
        )
    except Invalid as exc:
        if _wants_json(request):
            code = "lost_reason" if "lost_reason" in exc.fields else "invalid"
            return _json_error(400, exc.message, code=code, fields=exc.fields)
        messages.error(request, exc.message)
        return redirect_htmx(request, deal.get_absolute_url())
    except NotAllowed as exc:
        if _wants_json(request):
            return _json_error(403, exc.message, code="not_allowed")
        raise
    if _wants_json(request):
        scope = request.POST.get("scope", "all")
        scope = scope if scope in selectors.SCOPES else "all"
        card = selectors.kanban_card(user=request.user, pk=deal.pk)
        html = ""
        if card is not None:
            html = deal_card_html(card, CardContext(editable=_editable(request.user, [card])))
        totals = selectors.column_totals(
            user=request.user, pipeline=deal.pipeline, stage_ids={previous, deal.stage_id}, scope=scope
        )
        return JsonResponse(
            {
                "id": deal.pk,
                "stage": deal.stage_id,
                "html": html,
                "columns": {
                    str(stage_id): {"count": item["count"], "sum": money_text(item["sums"])}
                    for stage_id, item in totals.items()
                },
            }
        )
    if is_htmx(request):
        return _stage_bar(request, deal)
    messages.success(request, _("The deal is now at “%(stage)s”.") % {"stage": deal.stage.name})
    return redirect(deal.get_absolute_url())


def _stage_bar(request: HttpRequest, deal: Deal) -> HttpResponse:
    deal = selectors.deal_get(user=request.user, pk=deal.pk)
    return render(request, "crm/deals/partials/stage_bar.html", _stage_bar_context(request.user, deal))


def _stage_bar_context(user, deal: Deal) -> dict:
    stages = pipeline_selectors.pipeline_stages(deal.pipeline)
    current = next((i for i, s in enumerate(stages) if s.pk == deal.stage_id), -1)
    for index, stage in enumerate(stages):
        stage.passed = stage.kind == StageKind.OPEN and index <= current and deal.stage_kind == StageKind.OPEN
        stage.current = stage.pk == deal.stage_id
    return {
        "deal": deal,
        "stages": stages,
        "lost_stages": [s for s in stages if s.kind == StageKind.LOST],
        "may_edit": services.may_edit(user, deal),
    }


# --- the deal's page ----------------------------------------------------------------------------------------


def _custom_rows(deal: Deal) -> list[tuple[str, object]]:
    values = deal.custom or {}
    if not values:
        return []
    labels = dict(CustomField.objects.filter(entity=Entity.DEAL).values_list("key", "label"))
    return [(labels.get(key, key), value) for key, value in values.items() if value not in (None, "", [])]


@login_required
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(user=request.user, pk=pk)
    page = selectors.deal_page(deal)
    context = {
        **NAV,
        **_stage_bar_context(request.user, deal),
        **page,
        "lines_total": deal.amount,
        "may_delete": rights.allows(request.user, Entity.DEAL, Action.DELETE, deal),
        "contact_url": _url("crm:contact", deal.contact_id),
        "company_url": _url("crm:company", deal.company_id),
        "lead_url": _url("crm:lead", deal.lead_id),
        "custom_rows": _custom_rows(deal),
    }
    return render(request, "crm/deals/detail.html", context)


def _apply_errors(form, formset, exc: Invalid) -> None:
    """Put a service's refusal next to the fields it names (lines: "lines-<n>-<field>")."""
    for key, errors in exc.fields.items() or {"__all__": [exc.message]}.items():
        if key.startswith("lines-"):
            _prefix, index, field = key.split("-", 2)
            line = formset.forms[int(index)] if int(index) < len(formset.forms) else None
            if line is not None and field in line.fields:
                line.add_error(field, errors)
                continue
        form.add_error(key if key in form.fields else None, errors)
    if not exc.fields:
        form.add_error(None, exc.message)


def _form_page(request, form, formset, *, deal=None, status=200) -> HttpResponse:
    context = {**NAV, "form": form, "formset": formset, "deal": deal}
    return render(request, "crm/deals/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def deal_create(request: HttpRequest) -> HttpResponse:
    """A new deal; `?contact=`, `?company=`, `?pipeline=` fill in the form."""
    if not rights.may(request.user, Entity.DEAL, Action.ADD):
        raise Http404("No right to add deals.")
    from portal.core.widgets import bind_pickers

    if request.method == "POST":
        form = DealForm(request.POST, user=request.user)
        formset = line_formset(data=request.POST)
        bind_pickers(form, request.user)
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    deal = services.deal_create(
                        actor=request.user,
                        observers=form.cleaned_data.get("observers") or (),
                        lines=formset.lines(),
                        **form.values(),
                    )
            except Invalid as exc:
                _apply_errors(form, formset, exc)
            else:
                messages.success(request, _("The deal is saved."))
                return redirect(deal.get_absolute_url())
        return _form_page(request, form, formset, status=400)
    initial = {"responsible": request.user.pk}
    pipeline = pipeline_selectors.pipeline_default()
    chosen = _int(request.GET.get("pipeline"))
    if chosen:
        pipeline = pipeline_selectors.pipeline_get(pk=chosen)
    if pipeline is not None:
        initial["pipeline"] = pipeline.pk
    for name, model in (("contact", Contact), ("company", Company)):
        pk = _int(request.GET.get(name))
        if pk and model.objects.visible_to(request.user).filter(pk=pk).exists():
            initial[name] = pk
    form = DealForm(initial=initial, user=request.user)
    bind_pickers(form, request.user)
    return _form_page(request, form, line_formset())


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The deal's fields, its observers and its line items, saved together (all or nothing)."""
    from portal.core.widgets import bind_pickers

    deal = selectors.deal_get(user=request.user, pk=pk, action=Action.EDIT)
    if request.method == "POST":
        form = DealForm(request.POST, user=request.user, instance=deal)
        formset = line_formset(data=request.POST, deal=deal)
        bind_pickers(form, request.user)
        if form.is_valid() and formset.is_valid():
            try:
                with transaction.atomic():
                    lines = formset.lines()
                    had_lines = deal.lines.exists()
                    if lines or had_lines:
                        deal.amount = services.amount_in(deal.amount, form.money.currency)
                        services.deal_lines_set(actor=request.user, deal=deal, lines=lines)
                    services.deal_update(actor=request.user, deal=deal, **form.values())
                    services.deal_observers_set(
                        actor=request.user, deal=deal, observers=form.cleaned_data.get("observers") or ()
                    )
            except Invalid as exc:
                _apply_errors(form, formset, exc)
            else:
                messages.success(request, _("The deal is saved."))
                return redirect(deal.get_absolute_url())
        return _form_page(request, form, formset, deal=deal, status=400)
    form = DealForm(user=request.user, instance=deal)
    bind_pickers(form, request.user)
    return _form_page(request, form, line_formset(deal=deal), deal=deal)


@login_required
@require_http_methods(["GET", "POST"])
def deal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get(user=request.user, pk=pk, action=Action.DELETE)
    if request.method == "POST":
        title = deal.title
        services.deal_delete(actor=request.user, deal=deal)
        messages.success(request, _("The deal “%(title)s” is deleted.") % {"title": title})
        return redirect_htmx(request, "crm:deal_kanban")
    lines = deal.lines.count()
    note = (
        ngettext("It has %(n)d line item.", "It has %(n)d line items.", lines) % {"n": lines} if lines else ""
    )
    return render_htmx(request, "crm/deals/delete.html", {**NAV, "deal": deal, "note": note})


urls = [
    path("deals/", deal_kanban, name="deal_kanban"),
    path("deals/kanban/more/", deal_kanban_more, name="deal_kanban_more"),
    path("deals/new/", deal_create, name="deal_create"),
    path("deals/<int:pk>/", deal_detail, name="deal"),
    path("deals/<int:pk>/edit/", deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", deal_delete, name="deal_delete"),
    path("deals/<int:pk>/move/", deal_move, name="deal_move"),
]
