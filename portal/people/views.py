"""Company pages: registration, the directory, profiles, the org chart, departments, invitations.

Thin views: they validate a form, call one service or selector and render. A service's ValidationError
goes back onto the form (nothing is saved); its PermissionDenied answers 403. People and departments the
user may not see answer 404. htmx requests get the partial of the part of the page they changed.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import extension_for, file_response
from portal.core.htmx import is_htmx, render_htmx
from portal.core.http import client_ip
from portal.core.permissions import is_portal_admin

from . import selectors, services
from .choices import InvitationStatus
from .filters import InvitationFilterSet, PersonFilterSet
from .forms import (
    ApiTokenForm,
    CompanySettingsForm,
    DepartmentCreateForm,
    DepartmentHeadForm,
    DepartmentMoveForm,
    DepartmentRenameForm,
    InvitationAcceptForm,
    InviteForm,
    PersonAdminForm,
    PersonMoveForm,
    ProfileForm,
    SetupForm,
    apply_service_errors,
    department_label,
    style_widget,
)

PAGE_SIZE = 50
PICK_LIMIT = 20  # matches a person picker offers at once: type more of the name to narrow them
PICK_QUERY_MAX = 100
# A form field's name (with its form prefix): it goes into the markup of the answer as the inputs' name.
PICK_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _area(request: HttpRequest) -> dict:
    """What every company page needs: the navigation area and whether to show the invitations tab."""
    return {"nav_area": "company", "can_invite": services.can_invite(request.user)}


def _styled(form):
    for field in form.fields.values():
        style_widget(field.widget)
    return form


def _wants_partial(request: HttpRequest) -> bool:
    return is_htmx(request)


# --- First run ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Register the portal on an empty database; afterwards the page only leads home."""
    if selectors.company_get() is not None:
        return redirect("home")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admin = services.company_register(
                company_name=data["company_name"],
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                time_zone=data["time_zone"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, form.field_map)
        else:
            login(request, admin, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _("%(company)s is ready. Invite your colleagues next.") % {"company": data["company_name"]},
            )
            return redirect("home")
    return render(request, "registration/setup.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page, limited per e-mail and client address; the link is mailed by a job
    (services.password_reset_request). Every answer is the same whether or not the address is somebody's."""

    def form_valid(self, form):
        try:
            services.password_reset_request(email=form.cleaned_data["email"], address=client_ip(self.request))
        except services.TooManyRequests as exc:
            response = render(
                self.request,
                "registration/password_reset_limited.html",
                {"message": exc.args[0] if exc.args else ""},
                status=429,
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page behind the reset link; the new password is set by the service, which also ends the
    person's sessions and API tokens."""

    def form_valid(self, form):
        try:
            services.person_password_reset(person=form.user, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            apply_service_errors(form, exc, {"password": "new_password2"})
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page; the service sets the password and revokes the API tokens, every other session ends
    with the old password's hash, and this one is kept."""

    def form_valid(self, form):
        try:
            services.person_password_change(
                actor=self.request.user, person=form.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, {"password": "new_password2"})
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


# --- The directory and profiles -------------------------------------------------------------------


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


# --- Signing in: sessions and API tokens -------------------------------------------------------------


def _security_anchor(user) -> str:
    return reverse("people:profile", args=[user.pk]) + "#profile-security"


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Make an API token on one's own profile; the page shows its key this once (and is not cached)."""
    me = selectors.person_get(user=request.user, pk=request.user.pk)
    form = ApiTokenForm(request.POST)
    made = {}
    if form.is_valid():
        try:
            token, key = services.api_token_create(
                actor=request.user, person=request.user, label=form.cleaned_data["label"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            made = {"new_api_token": token, "new_api_key": key}
            form = ApiTokenForm()
    context = {**_profile_context(request, me, api_token_form=form), **made}
    response = render(request, "people/profile.html", context, status=200 if made else 400)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of one's own API tokens; somebody else's answers 404."""
    token = selectors.api_token_get(user=request.user, pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The API token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect(_security_anchor(request.user))


@login_required
@require_POST
def sign_out_others(request: HttpRequest) -> HttpResponse:
    """End one's sessions in every other browser and app, and revoke one's API tokens; this one stays."""
    services.person_sign_out_everywhere(actor=request.user, person=request.user)
    update_session_auth_hash(request, request.user)
    messages.success(request, _("You are signed out everywhere else, and your API tokens are revoked."))
    return redirect(_security_anchor(request.user))


@login_required
@require_POST
def person_sign_out(request: HttpRequest, pk: int) -> HttpResponse:
    """An admin signs a person out of every browser and app and revokes their API tokens."""
    person = selectors.person_get(user=request.user, pk=pk)
    if not is_portal_admin(request.user):
        raise PermissionDenied(_("Only a portal administrator may do this."))
    services.person_sign_out_everywhere(actor=request.user, person=person)
    if person.pk == request.user.pk:
        update_session_auth_hash(request, person)  # "everywhere" else: the admin keeps this page
    messages.success(
        request, _("%(name)s is signed out everywhere; their API tokens are revoked.") % {"name": person}
    )
    return redirect(person)


# --- Structure --------------------------------------------------------------------------------------


@login_required
@require_GET
def org_chart(request: HttpRequest) -> HttpResponse:
    tree = selectors.department_tree(user=request.user)
    context = {
        **_area(request),
        "tree": tree,
        "can_manage": selectors.departments_managed_by(request.user).exists(),
    }
    return render(request, "people/org_chart.html", context)


def _require_manager(user, department) -> None:
    if not services.can_manage_department(user, department):
        raise PermissionDenied(_("You may not manage this department."))


def _department_context(request: HttpRequest, department, **forms) -> dict:
    user = request.user
    members = selectors.department_members(user=user, department=department)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    can_manage = services.can_manage_department(user, department)
    children = list(department.get_children().select_related("head"))
    context = {
        **_area(request),
        "department": department,
        "ancestors": list(department.get_ancestors()),
        "children": children,
        "page_obj": page,
        "members": page.object_list,
        "can_manage": can_manage,
    }
    if can_manage:
        managed = selectors.departments_managed_by(user)
        context.update(
            rename_form=forms.get("rename_form") or DepartmentRenameForm(initial={"name": department.name}),
            head_form=forms.get("head_form")
            or DepartmentHeadForm(
                people=selectors.head_candidates(user=user), initial={"head": department.head_id}
            ),
            can_delete=not department.is_root() and not children and department.members_count == 0,
        )
        if not department.is_root():
            parent_id = department.path[: -department.steplen]
            context["move_form"] = forms.get("move_form") or DepartmentMoveForm(
                departments=managed.exclude(path__startswith=department.path),
                initial={"parent": next((a.pk for a in context["ancestors"] if a.path == parent_id), None)},
            )
    return context


@login_required
@require_GET
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    context = _department_context(request, department)
    return render_htmx(
        request, "people/department_detail.html", context, partial="people/partials/department_members.html"
    )


def _department_failed(request, department, **forms) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=department.pk)
    context = _department_context(request, department, **forms)
    return render(request, "people/department_detail.html", context)


@login_required
@require_POST
def department_rename(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentRenameForm(request.POST)
    if form.is_valid():
        try:
            services.department_update(
                actor=request.user, department=department, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department is renamed."))
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, rename_form=form)


@login_required
@require_POST
def department_set_head(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentHeadForm(request.POST, people=selectors.head_candidates(user=request.user))
    if form.is_valid():
        head = form.cleaned_data["head"]
        try:
            services.department_set_head(actor=request.user, department=department, head=head)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if head is None:
                messages.success(request, _("The department has no head now."))
            else:
                messages.success(
                    request,
                    _("%(name)s heads %(department)s.")
                    % {"name": head.full_name, "department": department.name},
                )
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, head_form=form)


@login_required
@require_POST
def department_move(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    form = DepartmentMoveForm(request.POST, departments=selectors.departments_managed_by(request.user))
    if form.is_valid():
        try:
            services.department_move(
                actor=request.user, department=department, parent=form.cleaned_data["parent"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department is moved."))
            return redirect("people:department_detail", pk=pk)
    return _department_failed(request, department, move_form=form)


@login_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(user=request.user, pk=pk)
    _require_manager(request.user, department)
    parent = department.get_parent()
    try:
        services.department_delete(actor=request.user, department=department)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:department_detail", pk=pk)
    messages.success(request, _("The department “%(name)s” is removed.") % {"name": department.name})
    if parent is not None:
        return redirect("people:department_detail", pk=parent.pk)
    return redirect("people:org_chart")


@login_required
@require_http_methods(["GET", "POST"])
def department_create(request: HttpRequest) -> HttpResponse:
    """A new department under one the user manages (`?parent=<id>` preselects it)."""
    managed = selectors.departments_managed_by(request.user)
    if not managed.exists():
        raise PermissionDenied(_("You may not add departments."))
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    form = DepartmentCreateForm(request.POST or None, departments=managed, initial={"parent": parent_id})
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                actor=request.user, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The department “%(name)s” is created.") % {"name": department.name})
            return redirect("people:department_detail", pk=department.pk)
    return render(request, "people/department_form.html", {**_area(request), "form": form})


# --- Invitations ------------------------------------------------------------------------------------


def _require_inviter(user) -> None:
    if not services.can_invite(user):
        raise PermissionDenied(_("Only administrators and supervisors invite people."))


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    _require_inviter(request.user)
    items = selectors.invitation_list(user=request.user, filters=request.GET)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_form = _styled(InvitationFilterSet(request.GET or None).form)
    status_field = filter_form.fields["status"]
    status_field.empty_label = _("Any status")
    status_field.choices = InvitationStatus.choices  # re-built with the new empty label
    filter_form.fields.pop("department", None)
    context = {
        **_area(request),
        "page_obj": page,
        "invitations": page.object_list,
        "filter_form": filter_form,
    }
    return render_htmx(
        request, "people/invitations.html", context, partial="people/partials/invitation_rows.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    _require_inviter(request.user)
    managed = selectors.departments_managed_by(request.user)
    initial = {"department": request.GET.get("department")}
    if not initial["department"]:
        headed = selectors.headed_department(request.user)
        initial["department"] = headed.pk if headed else None
    form = InviteForm(request.POST or None, departments=managed, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sent = services.invitation_send(
                actor=request.user,
                emails=services.parse_emails(data["emails"]),
                department=data["department"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                position=data["position"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            count = len(sent)
            messages.success(
                request,
                ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", count)
                % {"count": count},
            )
            return redirect("people:invitations")
    return render(request, "people/invite.html", {**_area(request), "form": form})


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get(user=request.user, pk=pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s is sent again.") % {"email": invitation.email}
        )
    return redirect("people:invitations")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = selectors.invitation_get(user=request.user, pk=pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email}
        )
    return redirect("people:invitations")


# Gone for good (410) when the link was real but can no longer be used; unknown links are 404.
_GONE_CODES = {"used", "revoked", "expired"}


def _invitation_refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    code = getattr(exc, "code", None) or "invalid"
    status = 410 if code in _GONE_CODES else 404
    context = {"reason": " ".join(exc.messages), "code": code}
    return render(request, "people/invitation_invalid.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person sets their name and password, and is signed in."""
    try:
        invitation = services.invitation_from_token(token)
    except ValidationError as exc:
        return _invitation_refused(request, exc)
    form = InvitationAcceptForm(
        request.POST or None, initial={"first_name": invitation.first_name, "last_name": invitation.last_name}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.invitation_accept(
                token=token,
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _invitation_refused(request, exc)
            apply_service_errors(form, exc, form.field_map)
        else:
            # Whoever was signed in on this browser before, the new person is signed in now.
            login(request, person, backend=LOGIN_BACKEND)
            company = selectors.company_get()
            messages.success(
                request,
                _("Welcome to %(company)s, %(name)s!")
                % {"company": company.name if company else "Lumen", "name": person.first_name},
            )
            return redirect("home")
    context = {
        "invitation": invitation,
        "form": form,
        "signed_in_as": request.user if request.user.is_authenticated else None,
        "action": reverse("people:invitation_accept", args=[token]),
    }
    return render(request, "people/invitation_accept.html", context)


# --- The company ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def company_settings(request: HttpRequest) -> HttpResponse:
    if not is_portal_admin(request.user):
        raise PermissionDenied(_("Only a portal administrator may do this."))
    company = selectors.company_get()
    if company is None:
        raise Http404
    form = CompanySettingsForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The company settings are saved."))
            return redirect("people:company_settings")
    return render(request, "people/company_settings.html", {**_area(request), "form": form})
