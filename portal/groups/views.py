"""Group pages: thin views that read through selectors and write through services.

A group the user may not see answers 404; an action on a visible group without the right answers 403.
htmx requests get the partial of the part of the page they changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import AttachmentDownloadView
from portal.core.htmx import partial_or_redirect, render_htmx
from portal.core.permissions import is_portal_admin

from . import selectors, services
from .choices import GroupVisibility, JoinRequestStatus
from .filters import WorkgroupFilterSet
from .forms import GroupFileForm, JoinRequestForm, MemberAddForm, MemberRoleForm, WorkgroupForm

PAGE_SIZE = 25


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _detail_context(request: HttpRequest, group, **extra) -> dict:
    user = request.user
    perms = selectors.group_permissions(user=user, group=group)
    context = {
        "nav_area": "groups",
        "group": group,
        "group_perms": perms,
        "members": selectors.group_members(user=user, group=group),
        "join_requests": (
            selectors.group_join_requests(user=user, group=group) if perms.can_moderate else []
        ),
        "files": selectors.group_files(user=user, group=group) if perms.can_reach_content else [],
        "file_form": GroupFileForm() if perms.can_upload else None,
        "request_form": JoinRequestForm() if perms.can_request else None,
    }
    context.update(extra)
    return context


@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    """Groups and projects the user may see, with search, filters and pagination."""
    filterset = WorkgroupFilterSet(request.GET or None, user=request.user)
    groups = selectors.group_list(user=request.user, filters=request.GET)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav_area": "groups",
        "filter_form": filterset.form,
        "page_obj": page,
        "groups": page.object_list,
        "can_create": selectors.can_create_group(request.user),
    }
    return render_htmx(
        request, "groups/group_list.html", context, partial="groups/partials/group_list_results.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_create_group(request.user):
        raise PermissionDenied(_("You may not create groups on this portal."))
    form = WorkgroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        group = form.save(actor=request.user)
        if group is not None:
            messages.success(request, _("The group “%(name)s” is ready.") % {"name": group.name})
            return redirect(group)
    return render(request, "groups/group_form.html", {"nav_area": "groups", "form": form, "group": None})


@login_required
@require_GET
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    return render(request, "groups/group_detail.html", _detail_context(request, group))


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    if not selectors.can_edit(request.user, group):
        raise PermissionDenied(_("Only the group's owners may change it."))
    form = WorkgroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        if form.save(actor=request.user) is not None:
            messages.success(request, _("Saved."))
            return redirect(group)
    return render(request, "groups/group_form.html", {"nav_area": "groups", "form": form, "group": group})


def _act(request: HttpRequest, action, success: str, **kwargs) -> bool:
    """Run a button's service and report the outcome as a message; True when it went through."""
    try:
        action(actor=request.user, **kwargs)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def group_archive(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    archived = request.POST.get("archived", "1") != "0"
    done = _("The group is archived.") if archived else _("The group is active again.")
    _act(request, services.group_archive, done, group=group, archived=archived)
    return redirect(group)


@login_required
@require_POST
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data.get("message", "") if form.is_valid() else ""
    try:
        result = services.group_join(actor=request.user, group=group, message=message)
    except ValidationError as exc:
        for text in _messages_of(exc):
            messages.error(request, text)
    else:
        if getattr(result, "status", None) == JoinRequestStatus.PENDING:
            messages.success(request, _("Your request is sent; a moderator will decide."))
        else:
            messages.success(request, _("Welcome to %(name)s.") % {"name": group.name})
    return redirect(group)


@login_required
@require_POST
def group_leave(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    left = _act(request, services.group_leave, _("You left the group."), group=group)
    if left and group.visibility == GroupVisibility.SECRET and not is_portal_admin(request.user):
        return redirect("groups:list")  # a secret group is gone from view once left
    return redirect(group)


# --- members -----------------------------------------------------------------------------------------


def _members_context(request: HttpRequest, group, form=None, errors=None) -> dict:
    user = request.user
    can_set_roles = selectors.can_set_roles(user, group)
    members = list(selectors.group_members(user=user, group=group))
    for membership in members:
        membership.removable = selectors.can_remove_member(user, group, membership)
    if form is None and selectors.can_moderate(user, group) and not group.is_archived:
        form = MemberAddForm(
            candidates=selectors.member_candidates(user=user, group=group), can_set_roles=can_set_roles
        )
    return {
        "nav_area": "groups",
        "group": group,
        "members": members,
        "form": form,
        "can_set_roles": can_set_roles,
        "role_form": MemberRoleForm(),
        "errors": errors or [],
    }


def _render_members(request: HttpRequest, group, **kwargs) -> HttpResponse:
    context = _members_context(request, group, **kwargs)
    return render_htmx(
        request, "groups/group_members.html", context, partial="groups/partials/member_table.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Member management: the list with roles, adding a colleague, changing roles, removing."""
    group = selectors.group_get(user=request.user, pk=pk)
    if not selectors.can_moderate(request.user, group):
        raise PermissionDenied(_("Only owners and moderators manage members."))
    if request.method == "POST":
        form = MemberAddForm(
            request.POST,
            candidates=selectors.member_candidates(user=request.user, group=group),
            can_set_roles=selectors.can_set_roles(request.user, group),
        )
        if form.is_valid() and form.save(actor=request.user, group=group) is not None:
            messages.success(request, _("Member added."))
            return redirect("groups:members", pk=group.pk)
        return render(request, "groups/group_members.html", _members_context(request, group, form=form))
    return render(request, "groups/group_members.html", _members_context(request, group))


@login_required
@require_POST
def member_set_role(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    if not selectors.can_set_roles(request.user, group):
        raise PermissionDenied(_("Only owners hand out roles."))
    membership = get_object_or_404(selectors.group_members(user=request.user, group=group), user_id=user_id)
    form = MemberRoleForm(request.POST)
    errors: list[str] = []
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
    else:
        try:
            services.group_member_set_role(
                actor=request.user, group=group, user=membership.user, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            errors = _messages_of(exc)
    return partial_or_redirect(
        request,
        reverse("groups:members", args=[group.pk]),
        response=lambda: _render_members(request, group, errors=errors),
        errors=errors,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    membership = get_object_or_404(selectors.group_members(user=request.user, group=group), user_id=user_id)
    errors: list[str] = []
    try:
        services.group_member_remove(actor=request.user, group=group, user=membership.user)
    except ValidationError as exc:
        errors = _messages_of(exc)
    if membership.user_id == request.user.pk and not errors:
        messages.success(request, _("You left the group."))
        secret = group.visibility == GroupVisibility.SECRET and not is_portal_admin(request.user)
        return redirect("groups:list" if secret else group)
    return partial_or_redirect(
        request,
        reverse("groups:members", args=[group.pk]),
        response=lambda: _render_members(request, group, errors=errors),
        errors=errors,
    )


# --- join requests -----------------------------------------------------------------------------------


def _decide(request: HttpRequest, pk: int, service) -> HttpResponse:
    join_request = selectors.join_request_get(user=request.user, pk=pk)
    group = selectors.group_get(user=request.user, pk=join_request.group_id)
    errors: list[str] = []
    try:
        service(actor=request.user, join_request=join_request)
    except ValidationError as exc:
        errors = _messages_of(exc)
    return partial_or_redirect(
        request,
        group,
        partial="groups/partials/join_requests.html",
        context=lambda: {
            "group": group,
            "join_requests": selectors.group_join_requests(user=request.user, group=group),
            "errors": errors,
        },
        errors=errors,
    )


@login_required
@require_POST
def join_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.join_request_approve)


@login_required
@require_POST
def join_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.join_request_reject)


@login_required
@require_POST
def join_request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    join_request = selectors.join_request_get(user=request.user, pk=pk)
    group = join_request.group
    _act(request, services.join_request_cancel, _("Your request is withdrawn."), join_request=join_request)
    return redirect(group)


# --- files -------------------------------------------------------------------------------------------


@login_required
@require_POST
def file_upload(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get(user=request.user, pk=pk)
    if not selectors.can_reach_content(request.user, group):
        raise PermissionDenied(_("Only members upload files to a group."))
    form = GroupFileForm(request.POST, request.FILES)
    if form.is_valid() and form.save(actor=request.user, group=group) is not None:
        messages.success(request, _("File uploaded."))
        return redirect(group)
    context = _detail_context(request, group, file_form=form)
    return render(request, "groups/group_detail.html", context, status=400)


# Files leave only through core's permission-checked download view, always as attachments.
file_download = AttachmentDownloadView.as_view(queryset=selectors.group_file_queryset, inline_allowed=False)


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group_file = selectors.group_file_get(user=request.user, pk=pk)
    group = group_file.group
    _act(request, services.group_file_delete, _("File deleted."), group_file=group_file)
    return redirect(group)
