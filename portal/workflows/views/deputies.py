"""Pages of deputies: my deputy periods (who acts for me on approvals, and for whom I act), set and taken back
here; admins see and set everyone's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from ..forms.deputies import DeputyForm
from ..selectors import absences as absence_selectors
from ..selectors import deputies as selectors
from ..services import deputies as services
from .absences import add_errors


@login_required
@require_http_methods(["GET", "POST"])
def deputy_list(request: HttpRequest) -> HttpResponse:
    """My current and coming deputy periods (admins: ?all=1 for everyone's); a POST sets a new one."""
    admin = is_portal_admin(request.user)
    everyone = admin and request.GET.get("all") == "1"
    form = DeputyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        person = values.pop("user", None) or request.user
        try:
            services.deputy_set(actor=request.user, user=person, **values)
        except (Invalid, NotAllowed) as exc:
            add_errors(form, exc if isinstance(exc, Invalid) else Invalid(exc.message))
        else:
            messages.success(request, _("The deputy is set."))
            return redirect(reverse("workflows:deputy_list") + ("?all=1" if everyone else ""))
    rows = list(selectors.deputy_list(user=request.user, everyone=everyone))
    context = {
        "nav_area": "absences",
        "absence_tab": "deputies",
        "may_manage": absence_selectors.may_manage_absences(request.user),
        "is_admin": admin,
        "everyone": everyone,
        "form": form,
        "mine": [row for row in rows if row.user_id == request.user.pk],
        "acting": [row for row in rows if row.deputy_id == request.user.pk],
        "others": [row for row in rows if request.user.pk not in (row.user_id, row.deputy_id)],
    }
    return render(
        request, "workflows/deputies/list.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def deputy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.deputy_get(user=request.user, pk=pk)
    services.deputy_delete(actor=request.user, deputy=row)
    messages.success(request, _("The deputy period is removed."))
    everyone = request.POST.get("all") == "1"
    return redirect(reverse("workflows:deputy_list") + ("?all=1" if everyone else ""))


urls = [
    path("deputies/", deputy_list, name="deputy_list"),
    path("deputies/<int:pk>/delete/", deputy_delete, name="deputy_delete"),
]
