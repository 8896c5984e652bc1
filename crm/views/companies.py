"""CRM pages: a company's record page, the create and edit forms (with the duplicate check before creating:
the same phone or e-mail, or a very similar name) and the delete confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.core.errors import Invalid, NotFound
from portal.core.htmx import partial_or_redirect, redirect_htmx, render_htmx

from .. import rights
from ..choices import Action, Entity
from ..forms.communications import communications_formset
from ..forms.companies import CompanyForm
from ..selectors import companies as selectors
from ..selectors.duplicates import duplicates_find
from ..services import companies as services
from .contacts import communication_rows, duplicate_keys, list_url, optional_url, page_links, show_errors

NAV = "crm"


def _form_context(form, formset, *, company=None, duplicates=()) -> dict:
    return {
        "form": form,
        "formset": formset,
        "company": company,
        "duplicates": duplicates,
        "list_url": list_url("crm:company_list"),
        "nav_area": NAV,
        "crm_tab": "companies",
    }


@login_required
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get(user=user, pk=pk)
    page = selectors.company_page(user=user, company=company)
    may_add_contact = rights.may(user, Entity.CONTACT, Action.ADD)
    context = {
        "company": company,
        **page,
        **page_links(user, Entity.COMPANY, company, page),
        "new_contact_url": reverse("crm:contact_create") + f"?company={company.pk}"
        if may_add_contact
        else "",
        "contacts_url": optional_url("crm:contact_list", query=f"company={company.pk}"),
        "list_url": list_url("crm:company_list"),
        "nav_area": NAV,
        "crm_tab": "companies",
    }
    return render_htmx(request, "crm/companies/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not rights.may(user, Entity.COMPANY, Action.ADD):
        raise NotFound()
    if request.method == "GET":
        context = _form_context(CompanyForm(user=user), communications_formset())
        return render_htmx(request, "crm/companies/form.html", context)
    form = CompanyForm(request.POST, user=user)
    formset = communications_formset(request.POST)
    duplicates = []
    if form.is_valid() and formset.is_valid():
        items, indexes = communication_rows(formset)
        merge_into = request.POST.get("merge_into", "")
        if not request.POST.get("confirm") and not merge_into:
            duplicates = duplicates_find(
                user=user, entity=Entity.COMPANY, name=form.cleaned_data["name"], **duplicate_keys(items)
            )
        if not duplicates:
            try:
                company = services.company_create(actor=user, **form.service_fields(), communications=items)
            except Invalid as error:
                show_errors(form, formset, error, indexes)
            else:
                if merge_into.isdecimal():
                    url = reverse("crm:merge", args=[Entity.COMPANY, int(merge_into)]) + f"?with={company.pk}"
                    return redirect_htmx(request, url)
                messages.success(request, _("The company is created."))
                return redirect_htmx(request, company.get_absolute_url())
    context = _form_context(form, formset, duplicates=duplicates)
    return render_htmx(request, "crm/companies/form.html", context, status=200 if duplicates else 400)


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get(user=user, pk=pk, action=Action.EDIT)
    if request.method == "GET":
        context = _form_context(
            CompanyForm(user=user, instance=company), communications_formset(record=company), company=company
        )
        return render_htmx(request, "crm/companies/form.html", context)
    form = CompanyForm(request.POST, user=user, instance=company)
    formset = communications_formset(request.POST)
    if form.is_valid() and formset.is_valid():
        items, indexes = communication_rows(formset)
        try:
            services.company_update(
                actor=user, company=company, **form.service_fields(), communications=items
            )
        except Invalid as error:
            show_errors(form, formset, error, indexes)
        else:
            messages.success(request, _("The company is saved."))
            return redirect_htmx(request, company.get_absolute_url())
    return render_htmx(
        request, "crm/companies/form.html", _form_context(form, formset, company=company), status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    company = selectors.company_get(user=user, pk=pk, action=Action.DELETE)
    if request.method == "GET":
        context = {
            "record": company,
            "cancel_url": company.get_absolute_url(),
            "action_url": reverse("crm:company_delete", args=[company.pk]),
            "question": _("Delete the company “%(name)s”?") % {"name": company},
            "nav_area": NAV,
            "crm_tab": "companies",
        }
        return render_htmx(request, "crm/contacts/delete.html", context)
    services.company_delete(actor=user, company=company)
    return partial_or_redirect(
        request,
        list_url("crm:company_list"),
        success=_("The company is deleted."),
        trigger="crmRecordDeleted",
    )


urls = [
    path("companies/new/", company_create, name="company_create"),
    path("companies/<int:pk>/", company_detail, name="company"),
    path("companies/<int:pk>/edit/", company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", company_delete, name="company_delete"),
]
