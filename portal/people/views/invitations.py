"""Invitations: the list, inviting, resending, revoking, and the page that accepts one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import render_htmx

from .. import selectors, services
from ..choices import InvitationStatus
from ..filters import InvitationFilterSet
from ..forms import InvitationAcceptForm, InviteForm, apply_service_errors
from .company import LOGIN_BACKEND, PAGE_SIZE, _area, _styled


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
