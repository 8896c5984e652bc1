"""People: the directory, the person picker, profiles and what admins and heads change on them."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import extension_for, file_response
from portal.core.htmx import is_htmx
from portal.core.permissions import is_portal_admin

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
from .company import PAGE_SIZE, _area, _styled

PICK_LIMIT = 20  # matches a person picker offers at once: type more of the name to narrow them


PICK_QUERY_MAX = 100


# A form field's name (with its form prefix): it goes into the markup of the answer as the inputs' name.
PICK_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")


def _wants_partial(request: HttpRequest) -> bool:
    return is_htmx(request)


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Everyone the user may see: search, department (with sub-departments) and position filters."""
    people = selectors.person_list(user=request.user, filters=request.GET)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav_area": "company", "page_obj": page, "people": page.object_list}
    if _wants_partial(request):
        return render(request, "people/partials/directory_results.html", context)
    filter_form = _styled(PersonFilterSet(request.GET or None).form)
    filter_form.fields["department"].label_from_instance = department_label
    filter_form.fields["department"].empty_label = _("All departments")
    filter_form.fields.pop("active", None)
    context.update(
        filter_form=filter_form,
        can_invite=services.can_invite(request.user),
        is_admin=is_portal_admin(request.user),
    )
    return render(request, "people/directory.html", context)


@login_required
@require_GET
def pick(request: HttpRequest) -> HttpResponse:
    """Colleagues matching ?q= for a person picker (portal/people/widgets.py): radios (?multiple=0) or
    checkboxes (?multiple=1) named ?name=, to be ticked into the picker's form. Active people the user may
    see only; the form field still validates what is posted."""
    name = request.GET.get("name", "")
    multiple = request.GET.get("multiple", "0")
    if not PICK_FIELD_NAME.fullmatch(name) or multiple not in ("0", "1"):
        return HttpResponseBadRequest(_("Name the form field of the picker."))
    query = request.GET.get("q", "").strip()[:PICK_QUERY_MAX]
    people = list(selectors.people_pick(user=request.user, query=query, limit=PICK_LIMIT + 1))
    context = {
        "people": people[:PICK_LIMIT],
        "more": len(people) > PICK_LIMIT,
        "name": name,
        "multiple": multiple == "1",
        "query": query,
        "too_short": len(query) < 2,
    }
    return render(request, "people/partials/pick_results.html", context)


def _profile_context(request: HttpRequest, person, **forms) -> dict:
    from portal.core.registry import registry

    user = request.user
    is_admin = is_portal_admin(user)
    can_move = is_admin or bool(person.department and services.can_manage_department(user, person.department))
    context = {
        **_area(request),
        "person": person,
        "is_me": person.pk == user.pk,
        "supervisor": selectors.supervisor_of(person),
        "subordinates": selectors.subordinates_of(person).select_related("department"),
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
