"""Deal forms: the deal (create and edit), its line items (a formset), a move to a stage."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from portal.core.widgets import ChipPicker

from .. import rights
from ..choices import Action, Entity, StageKind
from ..models import Company, Contact, Deal, Pipeline, Product, Stage
from .fields import add_custom_fields, custom_values


def currency_choices():
    return [(code, code) for code in settings.CURRENCIES]


def _record_choices(model, user, keep=None):
    """The records of `model` the person sees, plus the one already chosen."""
    queryset = model.objects.visible_to(user)
    if keep is not None:
        queryset = model.objects.filter(pk__in=queryset.values("pk")) | model.objects.filter(pk=keep.pk)
    return queryset.order_by("-created_at")[:500] if keep is None else queryset.order_by("-created_at")


class RecordChoiceField(forms.ModelChoiceField):
    """A choice among the visible records; the queryset's slice keeps the menu short, the check uses the
    full visible set."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.Select(attrs={"class": "form-select"}))
        super().__init__(None, *args, **kwargs)
        self.lookup = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.lookup.get(pk=int(value))
        except (ValueError, TypeError, self.lookup.model.DoesNotExist):
            raise forms.ValidationError(
                _("Choose one of the records you see."), code="invalid_choice"
            ) from None

    def validate(self, value):
        forms.Field.validate(self, value)


class DealForm(forms.Form):
    """The deal's fields. On create also its pipeline and stage; the stage of an existing deal moves on the
    deal's page and on the Kanban."""

    title = forms.CharField(
        label=_("Title"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        queryset=Pipeline.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    stage = forms.ModelChoiceField(
        label=_("Stage"),
        queryset=Stage.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Empty: the pipeline's first stage."),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.01"}),
        help_text=_("With line items the amount is their total."),
    )
    currency = forms.ChoiceField(label=_("Currency"), widget=forms.Select(attrs={"class": "form-select"}))
    contact = RecordChoiceField(label=_("Contact"))
    company = RecordChoiceField(label=_("Company"))
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    observers = forms.ModelMultipleChoiceField(
        label=_("Observers"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find a colleague…")),
    )
    expected_close = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    probability = forms.IntegerField(
        label=_("Probability, %"),
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        help_text=_("Empty: the stage's probability."),
    )
    lost_reason = forms.CharField(
        label=_("Reason for the loss"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 3})
    )

    def __init__(self, *args, user, instance: Deal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.instance = user, instance
        people = get_user_model().objects.filter(is_active=True)
        action = Action.EDIT if instance else Action.ADD
        self.fields["responsible"].queryset = people.filter(rights.people_in_reach(user, Entity.DEAL, action))
        self.fields["observers"].queryset = people
        self.fields["currency"].choices = currency_choices()
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        for name, model in (("contact", Contact), ("company", Company)):
            keep = getattr(instance, name) if instance else None
            field = self.fields[name]
            field.queryset = _record_choices(model, user, keep)
            field.lookup = model.objects.visible_to(user) if keep is None else field.queryset
        if instance is None:
            self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
            self.fields["stage"].queryset = Stage.objects.filter(pipeline__is_active=True).select_related(
                "pipeline"
            )
            self.fields["stage"].label_from_instance = lambda s: f"{s.pipeline.name}: {s.name}"
        else:
            for name in ("pipeline", "stage", "lost_reason"):
                del self.fields[name]
            self.initial.update(
                title=instance.title,
                amount=instance.amount.amount,
                currency=str(instance.amount.currency),
                contact=instance.contact_id,
                company=instance.company_id,
                responsible=instance.responsible_id,
                observers=list(instance.observer_links.values_list("user_id", flat=True)),
                expected_close=instance.expected_close,
                probability=instance.probability,
                comment=instance.comment,
            )
        add_custom_fields(self, Entity.DEAL, instance=instance)

    def clean(self):
        data = super().clean()
        stage, pipeline = data.get("stage"), data.get("pipeline")
        if stage is not None and pipeline is not None and stage.pipeline_id != pipeline.pk:
            self.add_error("stage", _("The stage belongs to another pipeline."))
        if stage is not None and stage.kind == StageKind.LOST and not data.get("lost_reason"):
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return data

    @property
    def money(self) -> Money:
        amount = self.cleaned_data.get("amount")
        return Money(amount if amount is not None else Decimal("0"), self.cleaned_data["currency"])

    def values(self) -> dict:
        """The keyword arguments of `deal_create` / `deal_update`."""
        data = self.cleaned_data
        values = {
            "title": data["title"],
            "amount": self.money,
            "contact": data.get("contact"),
            "company": data.get("company"),
            "responsible": data.get("responsible"),
            "expected_close": data.get("expected_close"),
            "probability": data.get("probability"),
            "comment": data.get("comment", ""),
            "custom": custom_values(self, Entity.DEAL) or None,
        }
        if self.instance is None:
            values.update(
                pipeline=data["pipeline"], stage=data.get("stage"), lost_reason=data.get("lost_reason", "")
            )
        return values


class DealLineForm(forms.Form):
    """A line item: a product or a free name, quantity, price, discount."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        initial=Decimal("1"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "any"}),
    )
    price = forms.DecimalField(
        label=_("Price"),
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
        help_text=_("Empty: the product's price."),
    )
    discount = forms.DecimalField(
        label=_("Discount, %"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        initial=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
    )

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (
            products if products is not None else Product.objects.filter(is_active=True)
        )

    def clean(self):
        data = super().clean()
        if not data.get("DELETE") and not data.get("product") and not (data.get("name") or "").strip():
            if self.has_changed():
                self.add_error("name", _("Choose a product or give a name."))
        return data


class BaseDealLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        """The kept, filled lines as `deal_lines_set` takes them."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not form.has_changed() and not form.initial:
                continue
            rows.append(
                {
                    "product": data.get("product"),
                    "name": data.get("name") or "",
                    "quantity": data.get("quantity") or Decimal("1"),
                    "price": data.get("price"),
                    "discount": data.get("discount") or Decimal("0"),
                }
            )
        return rows


DealLineFormSet = forms.formset_factory(DealLineForm, formset=BaseDealLineFormSet, extra=2, can_delete=True)


def line_formset(*, data=None, deal: Deal | None = None) -> BaseDealLineFormSet:
    """The lines formset of a deal (its current lines as initial rows), with the active products (and the
    products its lines already use) to choose from."""
    initial = []
    used: list[int] = []
    if deal is not None:
        for line in deal.lines.all():
            used.append(line.product_id)
            initial.append(
                {
                    "product": line.product_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "price": line.price.amount,
                    "discount": line.discount,
                }
            )
    products = Product.objects.filter(is_active=True) | Product.objects.filter(pk__in=[p for p in used if p])
    formset = DealLineFormSet(
        data=data, initial=initial, prefix="lines", form_kwargs={"products": products.order_by("name")}
    )
    return formset


class DealMoveForm(forms.Form):
    stage = forms.IntegerField()
    lost_reason = forms.CharField(max_length=300, required=False)
