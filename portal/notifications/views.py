"""Notification pages: the list, the bell dropdown (htmx), opening one, marking all read, e-mail settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.htmx import partial_or_redirect, render_htmx

from . import selectors, services
from .forms import NotificationSettingsForm

PAGE_SIZE = 30
DROPDOWN_SIZE = 8


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; unread ones highlighted."""
    unread_only = request.GET.get("unread") in ("1", "true")
    notifications = selectors.notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page_obj": page, "notifications": page.object_list, "unread_only": unread_only}
    return render_htmx(
        request,
        "notifications/notification_list.html",
        context,
        partial="notifications/partials/notification_list_results.html",
    )


@login_required
@require_GET
def notification_dropdown(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown: the latest few notifications (loaded by htmx when the bell opens)."""
    latest = list(selectors.notification_list(user=request.user)[:DROPDOWN_SIZE])
    return render(request, "notifications/partials/dropdown.html", {"notifications": latest})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points (another person's notification: 404)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect(reverse("notifications:list"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = services.notifications_mark_all_read(user=request.user)
    return partial_or_redirect(
        request,
        reverse("notifications:list"),
        partial="notifications/partials/dropdown.html",
        context=lambda: {
            "notifications": list(selectors.notification_list(user=request.user)[:DROPDOWN_SIZE])
        },
        success=_("All notifications are marked read.") if changed else None,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification also come by e-mail."""
    kinds = selectors.notification_settings_get(user=request.user)
    initial = {"email_kinds": [k["key"] for k in kinds if k["email"]]}
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(
            user=request.user, email_kinds=set(form.cleaned_data["email_kinds"])
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect(reverse("notifications:settings"))
    return render(request, "notifications/settings.html", {"form": form})
