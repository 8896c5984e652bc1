"""The four CRM lists (leads, contacts, companies, deals): one machinery, a spec per entity.

A spec names its columns: a label, the `values()` fields the column reads, how a cell is written as text (for
the export) and as HTML (for the page), and the field it sorts by. A page reads the rows it shows with one
`values()` query and, for the columns that need them, one query each for the people, the phones and e-mails,
and the contacts' companies of those rows: a constant number of queries whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from portal.core.errors import NotFound
from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html

from ..choices import Entity, LeadSource, LeadStatus, StageKind
from ..filters.companies import CompanyFilterSet
from ..filters.contacts import ContactFilterSet
from ..filters.deals import DealFilterSet
from ..filters.leads import LeadFilterSet
from ..models import Communication, Company, Contact, ContactCompany, CrmListColumns, CustomField, Deal, Lead
from ..models.companies import CompanyKind

PAGE_SIZE = 50
CUSTOM_PREFIX = "cf_"


@dataclass
class Extras:
    """What the rows of a page share, read once for all of them."""

    people: dict[int, Any] = field(default_factory=dict)
    communications: dict[int, dict[str, str]] = field(default_factory=dict)
    companies: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    custom: dict[str, CustomField] = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    values: tuple[str, ...] = ()
    text: Callable[[dict, Extras], Any] | None = None
    html: Callable[[dict, Extras], str] | None = None
    sort: str | None = None
    needs: frozenset[str] = frozenset()

    def cell_text(self, row: dict, extras: Extras) -> Any:
        if self.text is not None:
            return self.text(row, extras)
        return row.get(self.values[0]) if self.values else ""

    def cell_html(self, row: dict, extras: Extras) -> str:
        if self.html is not None:
            return self.html(row, extras)
        value = self.cell_text(row, extras)
        if isinstance(value, Money):
            return format_html('<span class="text-nowrap">{}</span>', show(value))
        return format_html("{}", show(value))


@dataclass(frozen=True)
class ListSpec:
    entity: str
    model: Any
    filterset: Any
    title: Any
    icon: str
    columns: dict[str, Column]
    default_columns: tuple[str, ...]
    default_sort: str
    link_column: str
    detail_route: str
    create_route: str
    url_route: str


# --- cells -------------------------------------------------------------------------------------------------


def show(value) -> str:
    """A value as the list shows it (dates in the reader's format, money with its currency)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if hasattr(value, "isoformat"):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Money):
        return (
            f"{formats.number_format(value.amount, 2, use_l10n=True, force_grouping=True)} {value.currency}"
        )
    return str(value)


def money_of(prefix: str) -> Callable[[dict, Extras], Any]:
    def text(row, extras):
        amount = row.get(prefix)
        return Money(amount, row.get(f"{prefix}_currency")) if amount is not None else None

    return text


def choice_of(name: str, choices) -> Callable[[dict, Extras], Any]:
    labels = dict(choices)
    return lambda row, extras: labels.get(row.get(name), row.get(name))


def person_text(row: dict, extras: Extras) -> str:
    person = extras.people.get(row.get("responsible_id"))
    return (person.full_name or person.email) if person else ""


def person_html(row: dict, extras: Extras) -> str:
    person = extras.people.get(row.get("responsible_id"))
    if person is None:
        return ""
    return format_html(
        '<span class="d-inline-flex align-items-center gap-1 text-nowrap">{} {}</span>',
        avatar_html(person, 20, 9),
        person.full_name or person.email,
    )


def communication_of(kind: str) -> Callable[[dict, Extras], str]:
    return lambda row, extras: extras.communications.get(row["id"], {}).get(kind, "")


def email_html(row: dict, extras: Extras) -> str:
    value = extras.communications.get(row["id"], {}).get("email", "")
    return format_html('<a href="mailto:{}">{}</a>', value, value) if value else ""


def phone_html(row: dict, extras: Extras) -> str:
    value = extras.communications.get(row["id"], {}).get("phone", "")
    return (
        format_html('<a class="text-nowrap" href="tel:{}">{}</a>', value.replace(" ", ""), value)
        if value
        else ""
    )


def link_html(route: str, name: str) -> Callable[[dict, Extras], str]:
    def html(row, extras):
        return format_html(
            '<a class="fw-semibold" href="{}">{}</a>',
            url_for_pk(route, row["id"]),
            row.get(name) or f"#{row['id']}",
        )

    return html


def contact_name(row: dict, extras: Extras = None) -> str:
    return " ".join(p for p in (row.get("first_name"), row.get("middle_name"), row.get("last_name")) if p)


def contact_html(row: dict, extras: Extras) -> str:
    return format_html(
        '<a class="fw-semibold" href="{}">{}</a>',
        url_for_pk("crm:contact", row["id"]),
        contact_name(row) or f"#{row['id']}",
    )


def lead_person(row: dict, extras: Extras) -> str:
    return " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)


def status_html(row: dict, extras: Extras) -> str:
    colours = {
        LeadStatus.NEW: "text-bg-primary",
        LeadStatus.IN_PROGRESS: "text-bg-warning",
        LeadStatus.CONVERTED: "text-bg-success",
        LeadStatus.JUNK: "text-bg-secondary",
    }
    return format_html(
        '<span class="badge {}">{}</span>',
        colours.get(row["status"], "text-bg-light"),
        choice_of("status", LeadStatus.choices)(row, extras),
    )


def stage_html(row: dict, extras: Extras) -> str:
    kind = row.get("stage_kind")
    icon = {StageKind.WON: "bi-trophy", StageKind.LOST: "bi-x-circle"}.get(kind, "bi-circle-fill")
    return format_html(
        '<span class="text-nowrap"><i class="bi {}" data-color="{}" aria-hidden="true"></i> {}</span>',
        icon,
        row.get("stage__color") or "#6c757d",
        row.get("stage__name") or "",
    )


def related_html(route: str, pk_name: str, label: Callable[[dict], str]) -> Callable[[dict, Extras], str]:
    def html(row, extras):
        pk = row.get(pk_name)
        return format_html('<a href="{}">{}</a>', url_for_pk(route, pk), label(row)) if pk else ""

    return html


def deal_contact(row: dict, extras: Extras = None) -> str:
    return " ".join(p for p in (row.get("contact__first_name"), row.get("contact__last_name")) if p)


def companies_text(row: dict, extras: Extras) -> str:
    return ", ".join(name for _pk, name in extras.companies.get(row["id"], []))


def companies_html(row: dict, extras: Extras) -> str:
    links = [
        format_html('<a href="{}">{}</a>', url_for_pk("crm:company", pk), name)
        for pk, name in extras.companies.get(row["id"], [])
    ]
    return _join_html(links)


def _join_html(parts: list[str]) -> str:
    from django.utils.safestring import mark_safe

    return mark_safe(", ".join(parts))  # noqa: S308 - each part is built by format_html


def created_column() -> Column:
    return Column("created_at", _("Created"), ("created_at",), sort="created_at")


def responsible_column() -> Column:
    return Column(
        "responsible",
        _("Responsible person"),
        ("responsible_id",),
        text=person_text,
        html=person_html,
        sort="responsible__last_name",
        needs=frozenset({"people"}),
    )


def comm_columns() -> list[Column]:
    return [
        Column(
            "phone",
            _("Phone"),
            (),
            text=communication_of("phone"),
            html=phone_html,
            needs=frozenset({"comms"}),
        ),
        Column(
            "email",
            _("E-mail"),
            (),
            text=communication_of("email"),
            html=email_html,
            needs=frozenset({"comms"}),
        ),
    ]


def _columns(*columns: Column) -> dict[str, Column]:
    return {column.key: column for column in columns}


SPECS: dict[str, ListSpec] = {
    Entity.LEAD: ListSpec(
        entity=Entity.LEAD,
        model=Lead,
        filterset=LeadFilterSet,
        title=_("Leads"),
        icon="bi-funnel",
        columns=_columns(
            Column("title", _("Title"), ("title",), html=link_html("crm:lead", "title"), sort="title"),
            Column("status", _("Status"), ("status",), text=choice_of("status", LeadStatus.choices), html=status_html, sort="status"),
            Column("source", _("Source"), ("source",), text=choice_of("source", LeadSource.choices), sort="source"),
            Column("name", _("Name"), ("first_name", "last_name"), text=lead_person, sort="last_name"),
            Column("company_name", _("Company name"), ("company_name",), sort="company_name"),
            Column("position", _("Position"), ("position",), sort="position"),
            *comm_columns(),
            Column("amount", _("Expected amount"), ("amount", "amount_currency"), text=money_of("amount"), sort="amount"),
            responsible_column(),
            created_column(),
            Column("last_activity_at", _("Last activity"), ("last_activity_at",), sort="last_activity_at"),
        ),
        default_columns=("title", "status", "name", "phone", "email", "source", "responsible", "created_at"),
        default_sort="-created_at",
        link_column="title",
        detail_route="crm:lead",
        create_route="crm:lead_create",
        url_route="crm:lead_list",
    ),
    Entity.CONTACT: ListSpec(
        entity=Entity.CONTACT,
        model=Contact,
        filterset=ContactFilterSet,
        title=_("Contacts"),
        icon="bi-person-lines-fill",
        columns=_columns(
            Column("name", _("Name"), ("first_name", "middle_name", "last_name"), text=contact_name, html=contact_html, sort="last_name"),
            Column("position", _("Position"), ("position",), sort="position"),
            Column("companies", _("Companies"), (), text=companies_text, html=companies_html, needs=frozenset({"companies"})),
            *comm_columns(),
            Column("birthday", _("Birthday"), ("birthday",), sort="birthday"),
            Column("source", _("Source"), ("source",), text=choice_of("source", LeadSource.choices), sort="source"),
            responsible_column(),
            created_column(),
            Column("last_activity_at", _("Last activity"), ("last_activity_at",), sort="last_activity_at"),
        ),
        default_columns=("name", "companies", "phone", "email", "responsible", "created_at"),
        default_sort="name",
        link_column="name",
        detail_route="crm:contact",
        create_route="crm:contact_create",
        url_route="crm:contact_list",
    ),
    Entity.COMPANY: ListSpec(
        entity=Entity.COMPANY,
        model=Company,
        filterset=CompanyFilterSet,
        title=_("Companies"),
        icon="bi-building",
        columns=_columns(
            Column("name", _("Name"), ("name",), html=link_html("crm:company", "name"), sort="name"),
            Column("kind", _("Kind"), ("kind",), text=choice_of("kind", CompanyKind.choices), sort="kind"),
            Column("industry", _("Industry"), ("industry",), sort="industry"),
            *comm_columns(),
            Column("employees", _("Employees"), ("employees",), sort="employees"),
            Column("tax_id", _("Tax number"), ("tax_id",), sort="tax_id"),
            Column("source", _("Source"), ("source",), text=choice_of("source", LeadSource.choices), sort="source"),
            responsible_column(),
            created_column(),
            Column("last_activity_at", _("Last activity"), ("last_activity_at",), sort="last_activity_at"),
        ),
        default_columns=("name", "kind", "phone", "email", "responsible", "created_at"),
        default_sort="name",
        link_column="name",
        detail_route="crm:company",
        create_route="crm:company_create",
        url_route="crm:company_list",
    ),
    Entity.DEAL: ListSpec(
        entity=Entity.DEAL,
        model=Deal,
        filterset=DealFilterSet,
        title=_("Deals"),
        icon="bi-briefcase",
        columns=_columns(
            Column("title", _("Title"), ("title",), html=link_html("crm:deal", "title"), sort="title"),
            Column("stage", _("Stage"), ("stage__name", "stage__color", "stage_kind"), text=lambda r, e: r.get("stage__name"), html=stage_html, sort="stage__sort"),
            Column("pipeline", _("Pipeline"), ("pipeline__name",), sort="pipeline__name"),
            Column("amount", _("Amount"), ("amount", "amount_currency"), text=money_of("amount"), sort="amount"),
            Column(
                "contact", _("Contact"), ("contact_id", "contact__first_name", "contact__last_name"),
                text=deal_contact, html=related_html("crm:contact", "contact_id", deal_contact), sort="contact__last_name",
            ),
            Column(
                "company", _("Company"), ("company_id", "company__name"),
                text=lambda r, e: r.get("company__name") or "",
                html=related_html("crm:company", "company_id", lambda r: r.get("company__name") or ""), sort="company__name",
            ),
            Column("probability", _("Probability, %"), ("probability",), sort="probability"),
            Column("expected_close", _("Expected close date"), ("expected_close",), sort="expected_close"),
            Column("source", _("Source"), ("source",), text=choice_of("source", LeadSource.choices), sort="source"),
            responsible_column(),
            created_column(),
            Column("closed_at", _("Closed"), ("closed_at",), sort="closed_at"),
            Column("last_activity_at", _("Last activity"), ("last_activity_at",), sort="last_activity_at"),
        ),
        default_columns=("title", "stage", "amount", "contact", "company", "responsible", "created_at"),
        default_sort="-created_at",
        link_column="title",
        detail_route="crm:deal",
        create_route="crm:deal_create",
        url_route="crm:deal_list",
    ),
}  # fmt: skip


def list_spec(entity: str) -> ListSpec:
    try:
        return SPECS[str(entity)]
    except KeyError:
        raise NotFound() from None


# --- custom fields and chosen columns ------------------------------------------------------------------------


def custom_fields(entity: str) -> dict[str, CustomField]:
    """{"cf_<key>": definition} of the entity's active custom fields, in their order (one query)."""
    return {
        f"{CUSTOM_PREFIX}{definition.key}": definition
        for definition in CustomField.objects.filter(entity=entity, is_active=True).order_by("sort", "id")
    }


def custom_column(name: str, definition: CustomField) -> Column:
    key = definition.key

    def text(row, extras):
        value = (row.get("custom") or {}).get(key)
        if isinstance(value, dict) and "amount" in value:  # money kept as {"amount", "currency"}
            return f"{value.get('amount')} {value.get('currency', '')}".strip()
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    return Column(name, definition.label, ("custom",), text=text, sort=f"custom__{key}")


def available_columns(spec: ListSpec, custom: dict[str, CustomField]) -> dict[str, Column]:
    columns = dict(spec.columns)
    for name, definition in custom.items():
        columns[name] = custom_column(name, definition)
    return columns


def chosen_columns(*, user, spec: ListSpec, available: dict[str, Column]) -> list[Column]:
    """The person's columns for the list, in their order (unknown keys dropped), else the default ones."""
    saved = (
        CrmListColumns.objects.filter(user=user, entity=spec.entity).values_list("columns", flat=True).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    keys = [key for key in (saved or []) if key in available] or list(spec.default_columns)
    return [available[key] for key in keys]


# --- reading ----------------------------------------------------------------------------------------------


def sort_order(spec: ListSpec, columns: dict[str, Column], sort: str | None) -> tuple[str, list[str]]:
    """(the sort key used, the order_by fields): a column's key, "-" for descending; ties broken by id."""
    key = sort or spec.default_sort
    name = key.lstrip("-")
    column = columns.get(name)
    if column is None or not column.sort:
        key = spec.default_sort
        name = key.lstrip("-")
        column = columns[name]
    descending = key.startswith("-")
    field_name = column.sort
    if field_name.startswith("custom__"):
        from django.db.models.fields.json import KeyTextTransform

        expression = KeyTextTransform(field_name[len("custom__") :], "custom")
        order = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        return key, [order, "-id" if descending else "id"]
    if spec.entity == Entity.CONTACT and name == "name":
        fields = ["last_name", "first_name"]
    else:
        fields = [field_name]
    from django.db.models import F

    def term(f: str):
        # Empty values last, but only where a column can be empty: NULLS LAST on a NOT NULL column changes no
        # row's place and keeps PostgreSQL from reading the column's index in order (the newest deals of a
        # head's sub-tree were a sort of all 300,000 deals).
        if not _nullable(spec.model, f):
            return F(f).desc() if descending else F(f).asc()
        return F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True)

    return key, [*(term(f) for f in fields), "-id" if descending else "id"]


def _nullable(model, path: str) -> bool:
    """Whether the field at `path` ("title", "stage__sort") may hold NULL, through nullable relations too."""
    from django.core.exceptions import FieldDoesNotExist

    try:
        for part in path.split("__"):
            field = model._meta.get_field(part)
            if field.null:
                return True
            if field.is_relation:
                model = field.related_model
    except FieldDoesNotExist:
        return True
    return False


def record_list(*, user, entity: str, data=None) -> tuple[Any, QuerySet]:
    """(the bound FilterSet, the records of `entity` the person sees, narrowed by it). An invalid filter
    narrows nothing (the form shows its errors)."""
    spec = list_spec(entity)
    queryset = spec.model.objects.visible_to(user)
    filterset = spec.filterset(data if data is not None else {}, queryset, user=user)
    if filterset.is_valid():
        queryset = filterset.qs
    return filterset, queryset


def rows_extras(spec: ListSpec, columns: Iterable[Column], rows: list[dict], extras: Extras) -> Extras:
    """Read what the columns need for these rows: one query per kind of thing, whatever the number of rows."""
    needs = set().union(*(column.needs for column in columns)) if columns else set()
    ids = [row["id"] for row in rows]
    if "people" in needs:
        wanted = {row.get("responsible_id") for row in rows} - {None} - set(extras.people)
        if wanted:
            extras.people.update(
                (person.pk, person) for person in get_user_model().objects.filter(pk__in=wanted)
            )
    if "comms" in needs and ids:
        owner = spec.entity
        found = (
            Communication.objects.filter(**{f"{owner}_id__in": ids}, kind__in=["phone", "email"])
            .order_by("sort", "id")
            .values_list(f"{owner}_id", "kind", "value")
        )
        for pk, kind, value in found:
            extras.communications.setdefault(pk, {}).setdefault(kind, value)
    if "companies" in needs and ids:
        links = (
            ContactCompany.objects.filter(contact_id__in=ids)
            .order_by("-is_primary", "company__name")
            .values_list("contact_id", "company_id", "company__name")
        )
        for contact_id, company_id, name in links:
            extras.companies.setdefault(contact_id, []).append((company_id, name))
    return extras


def value_fields(columns: Iterable[Column]) -> list[str]:
    fields = ["id"]
    for column in columns:
        for name in column.values:
            if name not in fields:
                fields.append(name)
        if "people" in column.needs and "responsible_id" not in fields:
            fields.append("responsible_id")
    return fields


@dataclass
class ListPage:
    spec: ListSpec
    filterset: Any
    columns: list[Column]
    available: dict[str, Column]
    custom: dict[str, CustomField]
    sort: str
    page: int
    rows: list[dict]
    has_next: bool


def list_page(*, user, entity: str, data, page: int = 1, per_page: int = PAGE_SIZE) -> ListPage:
    """One page of a list: the rows (dicts with `id`, `url` and `cells` as HTML), the columns and the sort."""
    spec = list_spec(entity)
    custom = custom_fields(spec.entity)
    available = available_columns(spec, custom)
    columns = chosen_columns(user=user, spec=spec, available=available)
    filterset, queryset = record_list(user=user, entity=spec.entity, data=data)
    sort, order = sort_order(spec, available, data.get("sort") if data else None)
    page = max(1, page)
    start = (page - 1) * per_page
    values = list(queryset.order_by(*order).values(*value_fields(columns))[start : start + per_page + 1])
    has_next = len(values) > per_page
    values = values[:per_page]
    extras = rows_extras(spec, columns, values, Extras(custom=custom))
    rows = [
        {
            "id": row["id"],
            "url": url_for_pk(spec.detail_route, row["id"]),
            "cells": [column.cell_html(row, extras) for column in columns],
        }
        for row in values
    ]
    return ListPage(spec, filterset, columns, available, custom, sort, page, rows, has_next)
