"""Signing in: password pages, API tokens and signing out sessions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.http import client_ip
from portal.core.permissions import is_portal_admin

from .. import selectors, services
from ..forms import ApiTokenForm, apply_service_errors
from .people import _profile_context


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
