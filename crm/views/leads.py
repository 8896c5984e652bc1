"""CRM pages: a lead's record page, its create and edit forms (with the duplicate check before creating), the
status actions (take in work, junk with a reason, reopen), the conversion page and the delete confirmation.
The list page is the lists feature's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import partial_or_redirect, redirect_htmx, render_htmx
from portal.core.links import url_for_pk

from .. import rights
from ..choices import Action, CommunicationKind, Entity, LeadStatus
from ..forms.communications import communications_formset
from ..forms.conversions import ConversionForm, conversion_defaults
from ..forms.leads import JunkForm, LeadForm
from ..models import Lead
from ..selectors import leads as selectors
from ..services import conversions
from ..services import leads as services

NAV = "crm"
TAB = "leads"


def _url(name: str, *, pk=None) -> str:
    """A link to a page of another feature, or "" when it is not installed."""
    try:
        return url_for_pk(name, pk) if pk is not None else reverse(name)
    except NoReverseMatch:
        return ""


def _list_url() -> str:
    return _url("crm:lead_list") or reverse("crm:home")


def _communication_rows(formset) -> tuple[list[dict], list[int]]:
    """The rows to save and the index of each one's form (a service error lands on its row)."""
    items, indexes = [], []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("value") and not data.get("DELETE"):
            items.append({"kind": data["kind"], "type": data["type"], "value": data["value"]})
            indexes.append(index)
    return items, indexes


def _show_errors(form, error: Invalid, formset=None, indexes=()) -> None:
    """A service's `Invalid` next to the inputs: form fields, communication rows, or the whole form."""
    for name, texts in (error.fields or {"__all__": [error.message]}).items():
        if formset is not None and name.startswith("communications-"):
            position = int(name.rsplit("-", 1)[1])
            if 0 <= position < len(indexes):
                formset.forms[indexes[position]].add_error("value", texts)
                continue
        form.add_error(name if name in form.fields else None, texts)


def _duplicates(user, items: list[dict]) -> list:
    """Leads and contacts the person sees with one of these phones or e-mails (the duplicate check is the
    contacts feature's; without it nothing is found)."""
    try:
        from ..selectors.duplicates import duplicates_find
    except ImportError:  # the contacts feature is not installed
        return []
    keys = {
        "phones": [i["value"] for i in items if i["kind"] == CommunicationKind.PHONE],
        "emails": [i["value"] for i in items if i["kind"] == CommunicationKind.EMAIL],
    }
    if not (keys["phones"] or keys["emails"]):
        return []
    found = []
    for entity in (Entity.LEAD, Entity.CONTACT):
        if rights.may(user, entity, Action.VIEW):
            found += duplicates_find(user=user, entity=entity, **keys)
    for record in found:
        record.crm_kind = type(record)._meta.verbose_name
    return found


def _form_page(request, form, formset, *, lead=None, duplicates=(), status=200) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "lead": lead,
        "duplicates": duplicates,
        "list_url": _list_url(),
        "nav_area": NAV,
        "crm_tab": TAB,
    }
    return render_htmx(request, "crm/leads/form.html", context, status=status)


# --- the record page ----------------------------------------------------------------------------------------


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    page = selectors.lead_page(user=user, pk=pk)
    lead: Lead = page["lead"]
    edit = rights.allows(user, Entity.LEAD, Action.EDIT, lead)
    is_open = lead.status != LeadStatus.CONVERTED
    for deal in page["deals"]:
        deal.url = _url("crm:deal", pk=deal.pk)
    context = {
        **page,
        "edit_url": reverse("crm:lead_edit", args=[lead.pk]) if edit else "",
        "delete_url": reverse("crm:lead_delete", args=[lead.pk])
        if rights.allows(user, Entity.LEAD, Action.DELETE, lead)
        else "",
        "may_act": edit and is_open,
        "convert_url": reverse("crm:lead_convert", args=[lead.pk]) if edit and is_open else "",
        "contact_url": _url("crm:contact", pk=lead.contact_id) if page["visible"]["contact"] else "",
        "company_url": _url("crm:company", pk=lead.company_id) if page["visible"]["company"] else "",
        "junk_form": JunkForm(),
        "list_url": _list_url(),
        "nav_area": NAV,
        "crm_tab": TAB,
    }
    return render_htmx(request, "crm/leads/detail.html", context)


# --- create, edit, delete -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not rights.may(user, Entity.LEAD, Action.ADD):
        raise NotFound()
    if request.method == "GET":
        return _form_page(request, LeadForm(user=user), communications_formset())
    form = LeadForm(request.POST, user=user)
    formset = communications_formset(request.POST)
    duplicates: list = []
    if form.is_valid() and formset.is_valid():
        items, indexes = _communication_rows(formset)
        if not request.POST.get("confirm"):
            duplicates = _duplicates(user, items)
        if not duplicates:
            try:
                lead = services.lead_create(actor=user, **form.service_values(), communications=items)
            except Invalid as error:
                _show_errors(form, error, formset, indexes)
            else:
                messages.success(request, _("The lead is created."))
                return redirect_htmx(request, lead.get_absolute_url())
    return _form_page(request, form, formset, duplicates=duplicates, status=200 if duplicates else 400)


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get(user=user, pk=pk, action=Action.EDIT)
    if request.method == "GET":
        form = LeadForm(user=user, instance=lead)
        return _form_page(request, form, communications_formset(record=lead), lead=lead)
    form = LeadForm(request.POST, user=user, instance=lead)
    formset = communications_formset(request.POST)
    if form.is_valid() and formset.is_valid():
        items, indexes = _communication_rows(formset)
        try:
            services.lead_update(actor=user, lead=lead, **form.service_values(), communications=items)
        except Invalid as error:
            _show_errors(form, error, formset, indexes)
        else:
            messages.success(request, _("The lead is saved."))
            return redirect_htmx(request, lead.get_absolute_url())
    return _form_page(request, form, formset, lead=lead, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def lead_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    lead = selectors.lead_get(user=user, pk=pk, action=Action.DELETE)
    if request.method == "GET":
        context = {"lead": lead, "nav_area": NAV, "crm_tab": TAB}
        return render_htmx(request, "crm/leads/delete.html", context)
    services.lead_delete(actor=user, lead=lead)
    return partial_or_redirect(
        request, _list_url(), success=_("The lead is deleted."), trigger="crmRecordDeleted"
    )


# --- statuses -----------------------------------------------------------------------------------------------


def _after_status(request, lead: Lead, done: str, error: Invalid | None = None) -> HttpResponse:
    errors = [" ".join(m for texts in error.fields.values() for m in texts) or error.message] if error else []
    return partial_or_redirect(
        request, lead.get_absolute_url(), success=done, errors=errors, trigger="crmLeadChanged"
    )


@login_required
@require_POST
def lead_take(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)
    try:
        services.lead_take(actor=request.user, lead=lead)
    except Invalid as error:
        return _after_status(request, lead, "", error)
    return _after_status(request, lead, _("The lead is taken in work."))


@login_required
@require_POST
def lead_junk(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)
    form = JunkForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(fields={"reason": [_("Say why the lead is junk.")]})
        services.lead_junk(actor=request.user, lead=lead, reason=form.cleaned_data["reason"])
    except Invalid as error:
        return _after_status(request, lead, "", error)
    return _after_status(request, lead, _("The lead is marked as junk."))


@login_required
@require_POST
def lead_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_get(user=request.user, pk=pk)
    try:
        services.lead_set_status(actor=request.user, lead=lead, status=LeadStatus.NEW)
    except Invalid as error:
        return _after_status(request, lead, "", error)
    return _after_status(request, lead, _("The lead is open again."))


# --- conversion ---------------------------------------------------------------------------------------------


def _convert_page(request, lead: Lead, form, *, status: int = 200) -> HttpResponse:
    context = {"lead": lead, "form": form, "nav_area": NAV, "crm_tab": TAB}
    return render_htmx(request, "crm/leads/convert.html", context, status=status)


def _converted(request, lead: Lead, result) -> HttpResponse:
    messages.success(request, _("The lead is converted."))
    target = result.deal or result.contact or result.company
    url = _url(f"crm:{type(target).__name__.lower()}", pk=target.pk) if target else ""
    return redirect_htmx(request, url or lead.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def lead_convert(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversion page; a POST with `defaults` converts in one click the way the page would propose."""
    user = request.user
    lead = selectors.lead_get(user=user, pk=pk, action=Action.EDIT)
    if request.method == "GET":
        return _convert_page(request, lead, ConversionForm(user=user, lead=lead))
    if request.POST.get("defaults"):
        values = {**conversion_defaults(lead, user=user), "pipeline": None}  # None: the default pipeline
        try:
            result = conversions.lead_convert(actor=user, lead=lead, **values)
        except Invalid as error:
            # The one-click defaults do not fit this lead: the page shows the choices and says why.
            for texts in error.fields.values():
                for text in texts:
                    messages.error(request, text)
            return redirect_htmx(request, reverse("crm:lead_convert", args=[lead.pk]))
        return _converted(request, lead, result)
    form = ConversionForm(request.POST, user=user, lead=lead)
    if form.is_valid():
        try:
            result = conversions.lead_convert(actor=user, lead=lead, **form.service_values())
        except Invalid as error:
            _show_errors(form, error)
        else:
            return _converted(request, lead, result)
    return _convert_page(request, lead, form, status=400)


urls = [
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/<int:pk>/", lead_detail, name="lead"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("leads/<int:pk>/delete/", lead_delete, name="lead_delete"),
    path("leads/<int:pk>/take/", lead_take, name="lead_take"),
    path("leads/<int:pk>/junk/", lead_junk, name="lead_junk"),
    path("leads/<int:pk>/reopen/", lead_reopen, name="lead_reopen"),
    path("leads/<int:pk>/convert/", lead_convert, name="lead_convert"),
]
