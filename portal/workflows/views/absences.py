"""Pages of the absence chart: the chart (a month or a quarter, by department and type), the list of absences,
an absence's details (a popover on the chart, or a page), HR's entry, change and removal of absences, the
absence types (admins) and the leave allowances with their balances (HR and admins)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core import workdays
from portal.core.errors import Invalid, NotAllowed
from portal.core.htmx import redirect_htmx, render_htmx
from portal.core.permissions import is_portal_admin
from portal.people.models import Department, User
from portal.people.selectors import department_choices

from ..forms.absences import AbsenceForm, AbsenceTypeForm, AllowanceForm, ChartFilterForm
from ..models import Absence
from ..selectors import absences as selectors
from ..services import absences as services

NAV = "absences"
PAGE_SIZE = 50


def add_errors(form, exc: Invalid) -> None:
    """Put a service's refusal next to the form's fields (or above them)."""
    if not exc.fields:
        form.add_error(None, exc.message)
    for key, errors in exc.fields.items():
        form.add_error(key if key in form.fields else None, errors)


def _require_manager(request) -> None:
    if not selectors.may_manage_absences(request.user):
        raise Http404("Not HR.")


def _require_admin(request) -> None:
    if not is_portal_admin(request.user):
        raise Http404("Not an administrator.")


def _tabs(request, tab: str) -> dict:
    return {
        "nav_area": NAV,
        "absence_tab": tab,
        "may_manage": selectors.may_manage_absences(request.user),
        "is_admin": is_portal_admin(request.user),
    }


def _may_change(user, absence: Absence) -> bool:
    """HR and admins change absences, but not their own vacation (that is a leave request's)."""
    if not selectors.may_manage_absences(user):
        return False
    return not (absence.user_id == user.pk and absence.type.counts_allowance)


# --- the chart ----------------------------------------------------------------------------------------------


def _department_tree(user) -> list[tuple[int, str, str, int]]:
    """(id, name, path, depth) of the departments `user` may pick, in tree order: the filter's choices and the
    chosen department from one values query (no model instance and no head per department)."""
    return list(Department.objects.visible_to(user).values_list("id", "name", "path", "depth"))


def _shift(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@login_required
@require_GET
def absence_chart(request: HttpRequest) -> HttpResponse:
    """The chart: ?view=month|quarter&month=YYYY-MM&department=<id>&type=<id>...&absent=1&page=N."""
    today = timezone.localdate()
    every_type = list(selectors.absence_type_list(user=request.user, active=None))
    tree = _department_tree(request.user)
    form = ChartFilterForm(
        request.GET or None,
        # As people.selectors.department_choices labels them.
        departments=[(pk, "— " * (depth - 1) + name) for pk, name, _path, depth in tree],
        types=[kind for kind in every_type if kind.is_active],
    )
    view, first = form.period(today)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    months = 3 if view == "quarter" else 1
    start, end = selectors.month_range(first, months)
    department = None
    if data.get("department"):
        chosen = next((item for item in tree if item[0] == data["department"]), None)
        if chosen is not None:
            department = Department(id=chosen[0], name=chosen[1], path=chosen[2], depth=chosen[3])
    chart = selectors.absence_chart(
        user=request.user,
        start=start,
        end=end,
        department=department,
        types=data.get("type") or None,
        absent_only=bool(data.get("absent")),
        page=request.GET.get("page") or 1,
        today=today,
        absence_types=every_type,
    )
    context = {
        **_tabs(request, "chart"),
        "form": form,
        "chart": chart,
        "view": view,
        "first": first,
        "previous": _shift(first, -months).strftime("%Y-%m"),
        "next": _shift(first, months).strftime("%Y-%m"),
        "this_month": today.strftime("%Y-%m"),
        "department": department,
        "hidden_color": selectors.HIDDEN_COLOR,
    }
    return render_htmx(
        request, "workflows/absences/chart.html", context, partial="workflows/absences/partials/chart.html"
    )


# --- list and details ---------------------------------------------------------------------------------------


@login_required
@require_GET
def absence_list(request: HttpRequest) -> HttpResponse:
    """Every absence I may see, newest first, with the absence filters (person, department, type, dates)."""
    queryset = selectors.absence_list(user=request.user, filters=request.GET)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    views = [selectors.absence_view(request.user, absence) for absence in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **_tabs(request, "list"),
        "page": page,
        "items": views,
        "query": query.urlencode(),
        "types": selectors.absence_type_list(user=request.user, active=None),
        "departments": department_choices(user=request.user),
        "chosen_types": request.GET.getlist("type"),
        "person": User.objects.filter(pk=request.GET.get("person"), is_active=True).first()
        if (request.GET.get("person") or "").isdecimal()
        else None,
    }
    return render_htmx(
        request, "workflows/absences/list.html", context, partial="workflows/absences/partials/rows.html"
    )


@login_required
@require_GET
def absence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An absence as I may see it; for htmx, the chart's popover."""
    absence = selectors.absence_get(user=request.user, pk=pk)
    view = selectors.absence_view(request.user, absence)
    context = {
        **_tabs(request, "chart"),
        "item": view,
        "absence": absence,
        "working_days": len(workdays.working_days_between(absence.start, absence.end)),
        "may_change": _may_change(request.user, absence),
    }
    return render_htmx(
        request, "workflows/absences/detail.html", context, partial="workflows/absences/partials/detail.html"
    )


# --- HR: enter, change, remove ----------------------------------------------------------------------------


def _next(request) -> str:
    """Where the form came from (a local path), if it said so."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else ""


def _form_page(request, form, *, absence=None, status=200) -> HttpResponse:
    context = {
        **_tabs(request, "chart"),
        "form": form,
        "absence": absence,
        "next": _next(request),
        "chart_url": reverse("workflows:absence_chart"),
    }
    return render(request, "workflows/absences/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def absence_create(request: HttpRequest) -> HttpResponse:
    """HR enters an absence directly (a sick leave, a day off) without a process."""
    _require_manager(request)
    initial = {}
    if (request.GET.get("user") or "").isdecimal():
        initial["user"] = int(request.GET["user"])
    form = AbsenceForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            absence = services.absence_create(actor=request.user, **form.cleaned_data)
        except (Invalid, NotAllowed) as exc:
            add_errors(form, exc if isinstance(exc, Invalid) else Invalid(exc.message))
        else:
            messages.success(request, _("The absence is entered."))
            return redirect(_next(request) or absence_chart_url(absence))
    return _form_page(request, form, status=400 if request.method == "POST" else 200)


def absence_chart_url(absence: Absence) -> str:
    """The chart at the month the absence starts in."""
    return f"{reverse('workflows:absence_chart')}?month={absence.start:%Y-%m}"


@login_required
@require_http_methods(["GET", "POST"])
def absence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    absence = selectors.absence_get(user=request.user, pk=pk)
    _require_manager(request)
    form = AbsenceForm(request.POST or None, user=request.user, absence=absence)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_update(actor=request.user, absence=absence, **form.cleaned_data)
        except (Invalid, NotAllowed) as exc:
            add_errors(form, exc if isinstance(exc, Invalid) else Invalid(exc.message))
        else:
            messages.success(request, _("The absence is saved."))
            return redirect("workflows:absence_detail", pk=absence.pk)
    return _form_page(request, form, absence=absence, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def absence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    absence = selectors.absence_get(user=request.user, pk=pk)
    _require_manager(request)
    if request.method == "POST":
        services.absence_delete(actor=request.user, absence=absence)
        messages.success(request, _("The absence is removed."))
        return redirect_htmx(request, absence_chart_url(absence))
    view = selectors.absence_view(request.user, absence)
    return render(request, "workflows/absences/delete.html", {**_tabs(request, "chart"), "item": view})


# --- absence types (admins) ------------------------------------------------------------------------------------


@login_required
@require_GET
def absence_types(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    context = {
        **_tabs(request, "types"),
        "types": selectors.absence_type_list(user=request.user, active=None),
    }
    return render(request, "workflows/absences/types.html", context)


def _type_page(request, form, absence_type=None, status=200) -> HttpResponse:
    context = {**_tabs(request, "types"), "form": form, "absence_type": absence_type}
    return render(request, "workflows/absences/type_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def absence_type_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = AbsenceTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_type_create(actor=request.user, **form.cleaned_data)
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The absence type is added."))
            return redirect("workflows:absence_types")
    return _type_page(request, form, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def absence_type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    absence_type = selectors.absence_type_get(user=request.user, pk=pk)
    form = AbsenceTypeForm(request.POST or None, absence_type=absence_type)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_type_update(actor=request.user, absence_type=absence_type, **form.cleaned_data)
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The absence type is saved."))
            return redirect("workflows:absence_types")
    return _type_page(request, form, absence_type, status=400 if request.method == "POST" else 200)


# --- allowances (HR and admins) -----------------------------------------------------------------------------


def _year(request, default: int) -> int:
    text = request.GET.get("year") or request.POST.get("year") or ""
    return int(text) if text.isdecimal() and 2000 <= int(text) <= 2100 else default


@login_required
@require_GET
def allowance_list(request: HttpRequest) -> HttpResponse:
    """Each person's vacation days of a year with the balance: allowance, carried over, used, planned, left."""
    _require_manager(request)
    year = _year(request, timezone.localdate().year)
    department = None
    if (request.GET.get("department") or "").isdecimal():
        department = Department.objects.filter(pk=int(request.GET["department"])).first()
    people = selectors.allowance_list(user=request.user, year=year, department=department)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    balances = selectors.leave_balances(user_ids=[p.pk for p in page.object_list], year=year)
    context = {
        **_tabs(request, "allowances"),
        "year": year,
        "years": [year - 1, year, year + 1],
        "page": page,
        "rows": [(person, balances[person.pk]) for person in page.object_list],
        "department": department,
        "departments": department_choices(user=request.user),
        "carry_over_max": services.carry_over_max(),
    }
    return render(request, "workflows/absences/allowances.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def allowance_edit(request: HttpRequest) -> HttpResponse:
    """Set a person's allowance of a year (?user=<id>&year=YYYY fill the form in)."""
    _require_manager(request)
    year = _year(request, timezone.localdate().year)
    initial: dict = {"year": year, "days": selectors.default_allowance()}
    person_id = request.GET.get("user") or ""
    if person_id.isdecimal():
        person = User.objects.filter(pk=int(person_id), is_active=True).first()
        if person is not None:
            balance = selectors.leave_balance(user=person, year=year)
            initial.update(user=person.pk, days=balance.allowance, carried_over=balance.carried_over)
    form = AllowanceForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.allowance_set(actor=request.user, **form.cleaned_data)
        except Invalid as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The allowance is saved."))
            return redirect(f"{reverse('workflows:allowance_list')}?year={form.cleaned_data['year']}")
    context = {**_tabs(request, "allowances"), "form": form, "year": year}
    return render(
        request,
        "workflows/absences/allowance_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def allowance_carry_over(request: HttpRequest) -> HttpResponse:
    """Carry last year's unused days into `year` now (the beat does it on January 1st)."""
    _require_manager(request)
    year = _year(request, timezone.localdate().year)
    result = services.allowances_carry_over(actor=request.user, year=year)
    messages.success(
        request,
        _("Unused days of %(last)s carried into %(year)s: %(changed)s allowances changed.")
        % {"last": year - 1, "year": year, "changed": result["created"] + result["updated"]},
    )
    return redirect(f"{reverse('workflows:allowance_list')}?year={year}")


urls = [
    path("absences/", absence_chart, name="absence_chart"),
    path("absences/list/", absence_list, name="absence_list"),
    path("absences/new/", absence_create, name="absence_create"),
    path("absences/<int:pk>/", absence_detail, name="absence_detail"),
    path("absences/<int:pk>/edit/", absence_edit, name="absence_edit"),
    path("absences/<int:pk>/delete/", absence_delete, name="absence_delete"),
    path("absences/types/", absence_types, name="absence_types"),
    path("absences/types/new/", absence_type_create, name="absence_type_create"),
    path("absences/types/<int:pk>/edit/", absence_type_edit, name="absence_type_edit"),
    path("absences/allowances/", allowance_list, name="allowance_list"),
    path("absences/allowances/edit/", allowance_edit, name="allowance_edit"),
    path("absences/allowances/carry-over/", allowance_carry_over, name="allowance_carry_over"),
]
