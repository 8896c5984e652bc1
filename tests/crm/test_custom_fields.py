"""Custom fields: values checked against the definitions for every type, the typed form fields a record form
gets, the `cf_<key>` list filters, and the CRM administrator's pages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from djmoney.money import Money

from crm.choices import Entity, FieldType
from crm.forms.fields import add_custom_fields, custom_values
from crm.models import CustomField, Deal
from crm.selectors.fields import custom_filters
from crm.services import fields as services
from portal.core.errors import Invalid, NotFound
from tests.crm.factories import DealFactory
from tests.utils import client_as

pytestmark = pytest.mark.django_db


def _field(key, type_, **extra):
    return CustomField.objects.create(entity=Entity.DEAL, key=key, label=key.title(), type=type_, **extra)


@pytest.fixture
def definitions(org):
    return {
        "note": _field("note", FieldType.TEXT),
        "weight": _field("weight", FieldType.NUMBER),
        "due": _field("due", FieldType.DATE),
        "size": _field("size", FieldType.LIST, choices=["S", "M", "L"]),
        "curator": _field("curator", FieldType.PERSON),
        "budget": _field("budget", FieldType.MONEY),
        "vip": _field("vip", FieldType.BOOLEAN),
    }


def test_good_values_get_their_stored_shapes(org, definitions):
    cleaned = services.custom_validate(
        Entity.DEAL,
        {
            "note": "  hello ",
            "weight": "12,50",
            "due": datetime.date(2025, 3, 1),
            "size": "M",
            "curator": org.east_rep.pk,
            "budget": Money(Decimal("10.5"), "EUR"),
            "vip": "yes",
            "unknown": "dropped",
        },
    )
    assert cleaned == {
        "note": "hello",
        "weight": "12.5",
        "due": "2025-03-01",
        "size": "M",
        "curator": org.east_rep.pk,
        "budget": {"amount": "10.50", "currency": "EUR"},
        "vip": True,
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("note", "x" * 2001),
        ("weight", "twelve"),
        ("weight", float("nan")),
        ("due", "01/03/2025"),
        ("size", "XL"),
        ("curator", "nobody"),
        ("curator", 999999),
        ("budget", {"amount": "ten", "currency": "USD"}),
        ("budget", {"amount": "10", "currency": "XXX"}),
        ("vip", "maybe"),
    ],
)
def test_bad_values_are_refused_by_field(definitions, key, value):
    with pytest.raises(Invalid) as caught:
        services.custom_validate(Entity.DEAL, {key: value})
    assert list(caught.value.message_dict) == [f"cf_{key}"]


def test_required_and_inactive(definitions):
    CustomField.objects.filter(pk=definitions["note"].pk).update(required=True)
    with pytest.raises(Invalid) as caught:
        services.custom_validate(Entity.DEAL, {"weight": "1"})
    assert "cf_note" in caught.value.message_dict
    assert services.custom_validate(Entity.DEAL, {"weight": "1"}, partial=True) == {"weight": "1"}
    CustomField.objects.filter(pk=definitions["note"].pk).update(is_active=False)
    assert services.custom_validate(Entity.DEAL, {"note": "ignored"}) == {}


class DealNoteForm(forms.Form):
    """A record form of the test's own, as a record form would use the two helpers."""

    title = forms.CharField()

    def __init__(self, *args, user, instance=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        add_custom_fields(self, Entity.DEAL, instance=instance)


def test_a_record_form_gets_typed_fields_and_gives_json_values(org, definitions):
    deal = DealFactory(
        custom={"size": "L", "budget": {"amount": "5.00", "currency": "USD"}, "due": "2025-01-02"}
    )
    form = DealNoteForm(user=org.admin, instance=deal)
    assert isinstance(form.fields["cf_weight"], forms.DecimalField)
    assert isinstance(form.fields["cf_due"], forms.DateField)
    assert [c[0] for c in form.fields["cf_size"].choices] == ["", "S", "M", "L"]
    assert form.fields["cf_curator"].widget.sources == ["people"]
    assert form.initial["cf_size"] == "L" and form.initial["cf_budget"] == Money(Decimal("5.00"), "USD")
    form.as_p()  # renders
    form = DealNoteForm(
        {
            "title": "x",
            "cf_note": "n",
            "cf_weight": "3.25",
            "cf_due": "2025-02-03",
            "cf_size": "S",
            "cf_curator": str(org.east_rep.pk),
            "cf_budget_0": "99.9",
            "cf_budget_1": "EUR",
            "cf_vip": "on",
        },
        user=org.admin,
    )
    assert form.is_valid(), form.errors
    values = custom_values(form, Entity.DEAL)
    assert values == {
        "note": "n",
        "weight": "3.25",
        "due": "2025-02-03",
        "size": "S",
        "curator": org.east_rep.pk,
        "budget": {"amount": "99.90", "currency": "EUR"},
        "vip": True,
    }
    assert services.custom_validate(Entity.DEAL, values) == values
    bad = DealNoteForm({"title": "x", "cf_size": "XL", "cf_weight": "a"}, user=org.admin)
    assert not bad.is_valid() and {"cf_size", "cf_weight"} <= set(bad.errors)


def test_list_filters_over_the_json(org, definitions):
    one = DealFactory(custom={"note": "Big order", "weight": "12.5", "size": "M", "vip": True, "curator": org.east_rep.pk,
                              "budget": {"amount": "10.00", "currency": "USD"}, "due": "2025-03-01"})  # fmt: skip
    DealFactory(custom={"note": "small", "weight": "3", "size": "S", "vip": False})
    filters = custom_filters(Entity.DEAL)
    assert set(filters) == {f"cf_{key}" for key in definitions}

    def run(name, value):
        return list(filters[name].method(Deal.objects.all(), name, value).values_list("pk", flat=True))

    assert run("cf_note", "big") == [one.pk]
    assert run("cf_weight", "12.50") == [one.pk]
    assert run("cf_size", "M") == [one.pk]
    assert run("cf_vip", "1") == [one.pk]
    assert run("cf_curator", str(org.east_rep.pk)) == [one.pk]
    assert run("cf_budget", "10") == [one.pk]
    assert run("cf_due", "2025-03-01") == [one.pk]
    CustomField.objects.filter(key="note").update(filterable=False)
    assert "cf_note" not in custom_filters(Entity.DEAL)


def test_the_admin_pages(org):
    admin = client_as(org.admin)
    assert admin.get(reverse("crm:field_list")).status_code == 200
    response = admin.post(
        reverse("crm:field_create"),
        {"entity": "deal", "label": "Delivery size", "key": "", "type": "list", "choices": "S\nM\n\nL", "sort": 10,
         "is_active": "on", "filterable": "on"},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.key, field.choices) == ("delivery_size", ["S", "M", "L"])
    again = admin.post(
        reverse("crm:field_create"),
        {"entity": "deal", "label": "Other", "key": "delivery_size", "type": "text", "sort": 1},
        format="multipart",
    )
    assert again.status_code == 400 and "already has a field" in again.content.decode()
    bad = admin.post(
        reverse("crm:field_create"),
        {"entity": "deal", "label": "L", "type": "list", "sort": 1},
        format="multipart",
    )
    assert bad.status_code == 400 and "A list needs its values" in bad.content.decode()
    edit = admin.post(
        reverse("crm:field_edit", args=[field.pk]),
        {"label": "Size", "type": "list", "choices": "S\nM", "sort": 5, "is_active": "on"},
        format="multipart",
    )
    assert edit.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.key, field.choices, field.filterable) == (
        "Size",
        "delivery_size",
        ["S", "M"],
        False,
    )
    assert client_as(org.east_rep).get(reverse("crm:field_list")).status_code == 404
    with pytest.raises(NotFound):
        services.field_delete(actor=org.east_rep, field=field)
    assert admin.post(reverse("crm:field_delete", args=[field.pk])).status_code == 302
    assert not CustomField.objects.exists()
