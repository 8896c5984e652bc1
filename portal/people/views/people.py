"""People: the directory, profiles and what admins and heads change on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.absences import absence_until
from portal.core.attachments import extension_for, file_response
from portal.core.htmx import is_htmx
from portal.core.links import url_for_pk
from portal.core.permissions import is_portal_admin
from portal.core.templatetags.lumen import avatar_html

from .. import selectors, services
from ..filters import PersonFilterSet
from ..forms import (
    ApiTokenForm,
    PersonAdminForm,
    PersonMoveForm,
    ProfileForm,
    apply_service_errors,
    department_label,
)
from ..widgets import QuickSelect
from .company import PAGE_SIZE, _area, _styled


def _wants_partial(request: HttpRequest) -> bool:
    return is_htmx(request)


def _directory_page(people, number, *, searching: bool) -> Page:
    """The page `number` of the directory. For a search the rows and the number of all matches come from
    one query (a window count), so the search is evaluated once, not once to count and once for the page
    (without a search the index gives the first rows of the whole list without reading it all, and the
    count is cheap: the paginator's two queries are faster). An empty or invalid page falls back on the
    paginator's own answer (the first or the last page)."""
    paginator = Paginator(people, PAGE_SIZE)
    if not searching:
        return paginator.get_page(number)
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        wanted = 1
    if wanted >= 1:
        start = (wanted - 1) * PAGE_SIZE
        rows = list(people.annotate(directory_total=Window(Count("pk")))[start : start + PAGE_SIZE])
        if rows:
            paginator.count = rows[0].directory_total  # `count` is a cached property: this is its value
            return Page(rows, wanted, paginator)
    return paginator.get_page(number)


def _directory_rows(people, away: dict | None = None) -> str:
    """The rows of the directory, built in Python (50 rows, each with an avatar and four links: a template
    render per row was most of the page's time). `away`: {user_id: Away} of those away today ("Vacation
    until 12 Jan" under the name)."""
    away = away or {}
    deactivated = escape(_("deactivated"))
    email_label = escape(_("E-mail"))
    rows = []
    for person in people:
        name = escape(person.full_name or person.email)
        email = escape(person.email)
        position = escape(person.position or "")
        department = person.department
        where = position
        if department is not None:
            link = (
                f'<a class="link-secondary" href="{url_for_pk("people:department_detail", person.department_id)}">'
                f"{escape(department.name)}</a>"
            )
            where = f"{position} · {link}" if person.position else link
        phone = ""
        if person.phone:
            number = escape(person.phone)
            phone = (
                f'\n      <div><a class="link-body-emphasis" href="tel:{number}"><i class="bi bi-telephone" aria-hidden="true"></i> '
                f"{number}</a></div>"
            )
        badge = "" if person.is_active else f'<span class="badge text-bg-secondary ms-1">{deactivated}</span>'
        if person.pk in away:
            badge += (
                f'<span class="badge text-bg-info text-wrap ms-1" data-away="{person.pk}">'
                f'<i class="bi bi-airplane" aria-hidden="true"></i> {escape(away[person.pk].text)}</span>'
            )
        rows.append(
            f'  <li class="list-group-item d-flex align-items-center gap-3 py-2" data-person="{person.pk}">\n'
            f"    {avatar_html(person, 40, 13)}\n"
            '    <div class="flex-grow-1 min-w-0">\n'
            f'      <a class="fw-semibold lumen-person-link" href="{url_for_pk("people:profile", person.pk)}">'
            f"{name}</a>\n"
            f"      {badge}\n"
            '      <div class="small text-body-secondary text-truncate">\n'
            f"        {where}\n"
            "      </div>\n"
            "    </div>\n"
            '    <div class="text-end small d-none d-md-block text-nowrap">\n'
            f'      <div><a class="link-body-emphasis" href="mailto:{email}"><i class="bi bi-envelope" aria-hidden="true"></i> '
            f"{email}</a></div>{phone}\n"
            "    </div>\n"
            '    <div class="d-md-none">\n'
            f'      <a class="btn btn-sm btn-outline-secondary" href="mailto:{email}" aria-label="{email_label} '
            f'{escape(person.full_name)}"><i class="bi bi-envelope" aria-hidden="true"></i></a>\n'
            "    </div>\n"
            "  </li>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Everyone the user may see: search, department (with sub-departments) and position filters."""
    people = selectors.person_list(user=request.user, filters=request.GET)
    searching = any(request.GET.get(key, "").strip() for key in ("q", "position"))
    page = _directory_page(people, request.GET.get("page"), searching=searching)
    # Who of the page is away today and until when: one call for the page (core's absences).
    away = absence_until(user_ids=[person.pk for person in page.object_list], day=timezone.localdate())
    context = {
        "nav_area": "company",
        "page_obj": page,
        "people": page.object_list,
        "directory_rows": _directory_rows(page.object_list, away),
    }
    if _wants_partial(request):
        return render(request, "people/partials/directory_results.html", context)
    filter_form = _styled(PersonFilterSet(request.GET or None).form)
    department = filter_form.fields["department"]
    department.widget = QuickSelect(attrs=department.widget.attrs)
    departments = department.queryset
    # A callable, read with one plain query as the widget renders (the field's own choices read through a
    # server-side cursor: three round trips).
    department.widget.choices = lambda: [
        ("", _("All departments")),
        *((d.pk, department_label(d)) for d in departments),
    ]
    filter_form.fields.pop("active", None)
    context.update(
        filter_form=filter_form,
        can_invite=services.can_invite(request.user),
        is_admin=is_portal_admin(request.user),
    )
    return render(request, "people/directory.html", context)


def _profile_context(request: HttpRequest, person, **forms) -> dict:
    from portal.core.registry import registry

    user = request.user
    is_admin = is_portal_admin(user)
    can_move = is_admin or bool(person.department and services.can_manage_department(user, person.department))
    supervisor = selectors.supervisor_of(person)
    subordinates = list(selectors.subordinates_of(person).select_related("department"))
    # Who of them is away today and until when ("Vacation until 12 Jan"): one call for the page.
    shown = [person, *([supervisor] if supervisor else []), *subordinates]
    away = absence_until(user_ids=[p.pk for p in shown], day=timezone.localdate())
    for someone in shown:
        someone.away = away.get(someone.pk)
    context = {
        **_area(request),
        "person": person,
        "is_me": person.pk == user.pk,
        "supervisor": supervisor,
        "subordinates": subordinates,
        "profile_sections": [
            {"key": section.key, "template": section.template, "data": section.context(request, person)}
            for section in registry.profile_sections
        ],
        "headed": selectors.headed_department(person),
        "is_admin": is_admin,
        "can_move": can_move,
    }
    if can_move:
        context["move_form"] = forms.get("move_form") or PersonMoveForm(
            departments=selectors.departments_managed_by(user), initial={"department": person.department_id}
        )
    if is_admin:
        context["admin_form"] = forms.get("admin_form") or PersonAdminForm(
            initial={"position": person.position, "email": person.email}
        )
    if context["is_me"]:
        context["api_tokens"] = selectors.api_token_list(user=user)
        context["api_token_form"] = forms.get("api_token_form") or ApiTokenForm()
    return context


@login_required
@require_GET
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return render(request, "people/profile.html", _profile_context(request, person))


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """The profile photo, for those who may see the person."""
    person = selectors.person_get(user=request.user, pk=pk)
    if not person.photo:
        raise Http404(_("No photo."))
    return file_response(
        person.photo,
        content_type=person.photo_content_type,
        download_name=f"photo-{person.pk}.{extension_for(person.photo_content_type)}",
        cache_control="private, max-age=3600",
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own profile."""
    # A separate instance: a refused change must not leak into request.user for the rest of the page.
    person = selectors.person_get(user=request.user, pk=request.user.pk)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.changes())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("people:profile_edit")
    return render(request, "people/profile_edit.html", {**_area(request), "form": form, "person": person})


def _require_person_mover(user, person) -> None:
    if is_portal_admin(user):
        return
    if not (person.department and services.can_manage_department(user, person.department)):
        raise PermissionDenied(_("You may not move this person."))


@login_required
@require_POST
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    _require_person_mover(request.user, person)
    form = PersonMoveForm(request.POST, departments=selectors.departments_managed_by(request.user))
    if form.is_valid():
        try:
            services.person_move(
                actor=request.user, person=person, department=form.cleaned_data["department"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now works in %(department)s.")
                % {"name": person.full_name, "department": form.cleaned_data["department"].name},
            )
            return redirect(person)
    person = selectors.person_get(user=request.user, pk=pk)
    return render(request, "people/profile.html", _profile_context(request, person, move_form=form))


@login_required
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin changes somebody's position or e-mail address."""
    if not is_portal_admin(request.user):
        raise PermissionDenied(_("Only a portal administrator may do this."))
    person = selectors.person_get(user=request.user, pk=pk)
    form = PersonAdminForm(request.POST)
    if form.is_valid():
        try:
            services.person_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(person)
    person = selectors.person_get(user=request.user, pk=pk)
    return render(request, "people/profile.html", _profile_context(request, person, admin_form=form))


def _flag(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name, "").lower() in {"1", "true", "yes", "on"}


@login_required
@require_POST
def person_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    active = _flag(request, "active")
    try:
        services.person_set_active(actor=request.user, person=person, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("%(name)s can sign in again.") % {"name": person.full_name})
        else:
            messages.success(request, _("%(name)s is deactivated.") % {"name": person.full_name})
    return redirect(person)


@login_required
@require_POST
def person_set_admin(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    is_admin = _flag(request, "is_admin")
    try:
        services.person_set_admin(actor=request.user, person=person, is_admin=is_admin)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if is_admin:
            messages.success(
                request, _("%(name)s is now a portal administrator.") % {"name": person.full_name}
            )
        else:
            messages.success(
                request, _("%(name)s is no longer an administrator.") % {"name": person.full_name}
            )
    return redirect(person)
