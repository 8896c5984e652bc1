"""CRM pages: a contact's record page, the create and edit forms (with the duplicate check before creating)
and the delete confirmation. The list page is the lists feature's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import partial_or_redirect, redirect_htmx, render_htmx
from portal.core.links import url_for_pk

from .. import rights
from ..choices import Action, CommunicationKind, Entity
from ..forms.communications import communications_formset
from ..forms.contacts import ContactForm
from ..selectors import contacts as selectors
from ..selectors.duplicates import duplicates_find
from ..services import contacts as services

NAV = "crm"


def list_url(name: str) -> str:
    """The list page of the lists feature (the CRM's front door when it is not installed)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("crm:home")


def optional_url(name: str, *, pk=None, query: str = "") -> str:
    """A link to another feature's page, or "" when that page is not there."""
    try:
        url = url_for_pk(name, pk) if pk is not None else reverse(name)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def page_links(user, entity: str, record, page: dict) -> dict:
    """The buttons and links of a contact's or company's page (each only when allowed and installed)."""
    name = "contact" if entity == Entity.CONTACT else "company"
    edit = rights.allows(user, entity, Action.EDIT, record)
    delete = rights.allows(user, entity, Action.DELETE, record)
    for deal in page["deals"]:
        deal.url = optional_url("crm:deal", pk=deal.pk)
    for lead in page["leads"]:
        lead.url = optional_url("crm:lead", pk=lead.pk)
    may_add_deal = rights.may(user, Entity.DEAL, Action.ADD)
    return {
        "edit_url": reverse(f"crm:{name}_edit", args=[record.pk]) if edit else "",
        "delete_url": reverse(f"crm:{name}_delete", args=[record.pk]) if delete else "",
        "merge_url": reverse("crm:merge", args=[entity, record.pk]) if edit and delete else "",
        "new_deal_url": optional_url("crm:deal_create", query=f"{name}={record.pk}") if may_add_deal else "",
        "deals_url": optional_url("crm:deal_list", query=f"{name}={record.pk}"),
        "leads_url": "",  # the lead list has no filter by contact or company
    }


def communication_rows(formset) -> tuple[list[dict], list[int]]:
    """The rows to save and, for each, the index of its form (so that a service error lands on its row)."""
    items, indexes = [], []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("value") and not data.get("DELETE"):
            items.append({"kind": data["kind"], "type": data["type"], "value": data["value"]})
            indexes.append(index)
    return items, indexes


def show_errors(form, formset, error: Invalid, indexes: list[int]) -> None:
    """Put a service's `Invalid` next to the inputs: form fields, communication rows, or the whole form."""
    fields = error.fields or {"__all__": [error.message]}
    for name, messages_ in fields.items():
        if name.startswith("communications-"):
            position = int(name.rsplit("-", 1)[1])
            if 0 <= position < len(indexes):
                formset.forms[indexes[position]].add_error("value", messages_)
                continue
        form.add_error(name if name in form.fields else None, messages_)


def duplicate_keys(items: list[dict]) -> dict:
    return {
        "phones": [i["value"] for i in items if i["kind"] == CommunicationKind.PHONE],
        "emails": [i["value"] for i in items if i["kind"] == CommunicationKind.EMAIL],
    }


def _form_context(request, form, formset, *, contact=None, duplicates=()) -> dict:
    return {
        "form": form,
        "formset": formset,
        "contact": contact,
        "duplicates": duplicates,
        "list_url": list_url("crm:contact_list"),
        "nav_area": NAV,
        "crm_tab": "contacts",
    }


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get(user=user, pk=pk)
    page = selectors.contact_page(user=user, contact=contact)
    context = {
        "contact": contact,
        **page,
        **page_links(user, Entity.CONTACT, contact, page),
        "list_url": list_url("crm:contact_list"),
        "nav_area": NAV,
        "crm_tab": "contacts",
    }
    return render_htmx(request, "crm/contacts/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not rights.may(user, Entity.CONTACT, Action.ADD):
        raise NotFound()
    if request.method == "GET":
        initial = {}
        company = request.GET.get("company")
        if company and company.isdecimal():
            initial["companies"] = [int(company)]
        form = ContactForm(user=user, initial=initial)
        formset = communications_formset()
        return render_htmx(request, "crm/contacts/form.html", _form_context(request, form, formset))
    form = ContactForm(request.POST, user=user)
    formset = communications_formset(request.POST)
    duplicates = []
    if form.is_valid() and formset.is_valid():
        items, indexes = communication_rows(formset)
        merge_into = request.POST.get("merge_into", "")
        if not request.POST.get("confirm") and not merge_into:
            duplicates = duplicates_find(user=user, entity=Entity.CONTACT, **duplicate_keys(items))
        if not duplicates:
            try:
                contact = services.contact_create(
                    actor=user,
                    **form.service_fields(),
                    communications=items,
                    companies=form.ordered_companies(),
                )
            except Invalid as error:
                show_errors(form, formset, error, indexes)
            else:
                if merge_into.isdecimal():
                    url = reverse("crm:merge", args=[Entity.CONTACT, int(merge_into)]) + f"?with={contact.pk}"
                    return redirect_htmx(request, url)
                messages.success(request, _("The contact is created."))
                return redirect_htmx(request, contact.get_absolute_url())
    context = _form_context(request, form, formset, duplicates=duplicates)
    return render_htmx(request, "crm/contacts/form.html", context, status=200 if duplicates else 400)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get(user=user, pk=pk, action=Action.EDIT)
    if request.method == "GET":
        form = ContactForm(user=user, instance=contact)
        formset = communications_formset(record=contact)
        return render_htmx(
            request, "crm/contacts/form.html", _form_context(request, form, formset, contact=contact)
        )
    form = ContactForm(request.POST, user=user, instance=contact)
    formset = communications_formset(request.POST)
    if form.is_valid() and formset.is_valid():
        items, indexes = communication_rows(formset)
        try:
            services.contact_update(
                actor=user,
                contact=contact,
                **form.service_fields(),
                communications=items,
                companies=form.ordered_companies(),
            )
        except Invalid as error:
            show_errors(form, formset, error, indexes)
        else:
            messages.success(request, _("The contact is saved."))
            return redirect_htmx(request, contact.get_absolute_url())
    context = _form_context(request, form, formset, contact=contact)
    return render_htmx(request, "crm/contacts/form.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    contact = selectors.contact_get(user=user, pk=pk, action=Action.DELETE)
    if request.method == "GET":
        context = {
            "record": contact,
            "record_label": str(contact),
            "cancel_url": contact.get_absolute_url(),
            "action_url": reverse("crm:contact_delete", args=[contact.pk]),
            "question": _("Delete the contact “%(name)s”?") % {"name": contact},
            "nav_area": NAV,
            "crm_tab": "contacts",
        }
        return render_htmx(request, "crm/contacts/delete.html", context)
    services.contact_delete(actor=user, contact=contact)
    return partial_or_redirect(
        request,
        list_url("crm:contact_list"),
        success=_("The contact is deleted."),
        trigger="crmRecordDeleted",
    )


urls = [
    path("contacts/new/", contact_create, name="contact_create"),
    path("contacts/<int:pk>/", contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contact_delete, name="contact_delete"),
]
