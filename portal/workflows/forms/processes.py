"""The form of a process, built from its template version's fields (portal.workflows.definitions).

`ProcessForm(version=..., user=...)` has one Django field per `FieldDef` (named by the field's key), with its
label, help text and required flag; a "lines" field (expense lines) is a small formset beside it. The start
page, the "edit and resubmit" page and the API use the same form: the API turns its JSON values into the
form's input with `form_input(...)`. `cleaned_values()` gives what the services take: the values in the
definitions.py shape and the new uploads by field key.

Files are checked here (size, type from the bytes, through core's `check_file_upload`) so that bad input is
refused field by field before anything is stored; the services store them as ProcessFile rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.attachments import attachment_max_bytes, check_file_upload
from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import FieldType, TemplateKind
from ..definitions import FieldDef, field_defs, purpose_field
from ..models import AbsenceType, ProcessFile

MAX_FILES = 10
MAX_LINES = 50
TEXT_MAX = 1000
LONGTEXT_MAX = 10000
AMOUNT_DIGITS = 16


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in settings.CURRENCIES]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _refused_types() -> frozenset[str]:
    return frozenset(getattr(settings, "LUMEN_ATTACHMENT_REFUSED_TYPES", ()) or ())


def check_upload(upload, *, key: str, label: str) -> None:
    """Refuse an upload core's attachments would refuse (empty, too large, a refused type): ValidationError."""
    try:
        clean = check_file_upload(upload, field=key, max_bytes=attachment_max_bytes(), label=label)
    except ValidationError as exc:
        raise ValidationError([m for messages in exc.message_dict.values() for m in messages]) from exc
    if clean.content_type in _refused_types():
        raise ValidationError(_("%(label)s: files of this type are not accepted here.") % {"label": label})


# --- fields -------------------------------------------------------------------------------------------------


class MoneyWidget(forms.MultiWidget):
    """An amount and its currency side by side."""

    template_name = "workflows/processes/widgets/money.html"

    def __init__(self, attrs=None):
        super().__init__(
            [
                forms.NumberInput(attrs={"class": "form-control", "step": "0.01", "min": "0"}),
                forms.Select(attrs={"class": "form-select wf-currency"}, choices=currency_choices()),
            ],
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("amount"), value.get("currency")]
        return [None, settings.DEFAULT_CURRENCY]


class MoneyField(forms.MultiValueField):
    """{"amount": Decimal, "currency": code}; the amount is what "required" asks for."""

    widget = MoneyWidget

    def __init__(self, **kwargs):
        fields = (
            forms.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=2, min_value=Decimal("0")),
            forms.ChoiceField(choices=currency_choices()),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)
        self.fields[0].required = self.required
        self.fields[1].required = False

    def clean(self, value):
        amount = (list(value or []) + [None])[0]
        if amount in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        return super().clean(value)

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return None
        return {"amount": data_list[0], "currency": data_list[1] or settings.DEFAULT_CURRENCY}


class DateRangeWidget(forms.MultiWidget):
    template_name = "workflows/processes/widgets/daterange.html"

    def __init__(self, attrs=None):
        super().__init__([_date_input(), _date_input()], attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("start"), value.get("end")]
        if isinstance(value, list | tuple) and len(value) == 2:
            return list(value)
        return [None, None]


class DateRangeField(forms.MultiValueField):
    """(start, end), both dates, the end not before the start."""

    widget = DateRangeWidget

    def __init__(self, **kwargs):
        fields = (forms.DateField(), forms.DateField())
        super().__init__(
            fields,
            require_all_fields=False,
            error_messages={"incomplete": gettext_lazy("Give both dates.")},
            **kwargs,
        )
        for field in self.fields:
            field.required = False

    def clean(self, value):
        start_text, end_text = (list(value or []) + [None, None])[:2]
        if self.required and (start_text in self.empty_values or end_text in self.empty_values):
            if start_text in self.empty_values and end_text in self.empty_values:
                raise ValidationError(self.error_messages["required"], code="required")
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        return super().clean(value)

    def compress(self, data_list):
        if not data_list:
            return None
        start, end = data_list
        if start is None and end is None:
            return None
        if start is None or end is None:
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        if end < start:
            raise ValidationError(_("The end date is before the start date."), code="order")
        return start, end


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input, each checked as core's attachments check documents."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not items:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(items) > MAX_FILES:
            raise ValidationError(_("At most %(n)d files.") % {"n": MAX_FILES}, code="too_many")
        out = []
        for item in items:
            single = forms.FileField.clean(self, item, None)
            check_upload(single, key="file", label=single.name)
            out.append(single)
        return out


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return "— " * (obj.depth - 1) + obj.name


# --- expense lines ------------------------------------------------------------------------------------------


class ExpenseLineForm(forms.Form):
    """One expense: its date, what it was, the amount and currency, the receipt (a kept one on resubmit)."""

    date = forms.DateField(label=gettext_lazy("Date"), widget=_date_input())
    description = forms.CharField(
        label=gettext_lazy("What for"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=forms.NumberInput(attrs={"class": "form-control wf-line-amount", "step": "0.01", "min": "0"}),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"), widget=forms.Select(attrs={"class": "form-select wf-line-currency"})
    )
    receipt = forms.FileField(
        label=gettext_lazy("Receipt"),
        required=False,
        widget=forms.FileInput(attrs={"class": "form-control"}),
    )
    receipt_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kept_receipts: dict[int, ProcessFile] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()
        self.fields["currency"].initial = settings.DEFAULT_CURRENCY
        self.kept_receipts = kept_receipts or {}

    @property
    def kept_receipt(self) -> ProcessFile | None:
        value = self["receipt_id"].value()
        try:
            return self.kept_receipts.get(int(value)) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if receipt:
            check_upload(receipt, key="receipt", label=receipt.name)
        return receipt

    def clean_receipt_id(self):
        value = self.cleaned_data.get("receipt_id")
        if value is not None and value not in self.kept_receipts:
            return None  # not a receipt of this process: ignored
        return value


class BaseLineFormSet(forms.BaseFormSet):
    def filled(self) -> list[forms.Form]:
        """The lines kept and filled in (an untouched extra row or a deleted one is not a line)."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or (self.can_delete and self._should_delete_form(form)):
                continue
            rows.append(form)
        return rows


LineFormSet = forms.formset_factory(
    ExpenseLineForm,
    formset=BaseLineFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
)


# --- the form -----------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One FieldDef as the template draws it."""

    definition: FieldDef
    field: forms.BoundField
    formset: BaseLineFormSet | None = None
    kept_files: list[ProcessFile] | None = None
    computed: bool = False  # the amount an expense report's lines add up to

    @property
    def type(self) -> str:
        return self.definition.type


class ProcessForm(forms.Form):
    """A process's form from `version`'s fields, for `user` (the requester).

    `initial` takes the values in the definitions.py shape (a returned process's `data`, to edit and resubmit);
    `process` (on resubmit) lets the form keep the process's files where no new one is uploaded.
    """

    def __init__(self, *, version, user, data=None, files=None, initial=None, process=None):
        self.version = version
        self.user = user
        self.process = process
        self.definitions = field_defs(version)
        self.values_initial = dict(initial or {})
        # Ids of their own: the page's shell has forms of its own (a "comment" of the workday widget).
        super().__init__(
            data=data, files=files, initial=self._initial(self.values_initial), auto_id="wf-field-%s"
        )
        self.formsets: dict[str, BaseLineFormSet] = {}
        self.kept: dict[str, list[ProcessFile]] = {}
        self.warnings: list[str] = []
        self._cleaned_values: tuple[dict, dict] | None = None
        amount = purpose_field(self.definitions, "amount")
        self.lines_key = next((f.key for f in self.definitions if f.type == FieldType.LINES), None)
        self.total_key = amount.key if amount is not None and self.lines_key else None
        self._load_kept_files()
        for definition in self.definitions:
            self.fields[definition.key] = self._field(definition)
            if definition.type == FieldType.LINES:
                self.formsets[definition.key] = self._formset(definition)
        bind_pickers(self, user)

    # --- building -------------------------------------------------------------------------------------------

    def _initial(self, values: dict) -> dict:
        initial = {}
        for definition in self.definitions:
            value = values.get(definition.key)
            if value in (None, ""):
                continue
            if definition.type == FieldType.DATERANGE and isinstance(value, dict):
                initial[definition.key] = [value.get("start"), value.get("end")]
            elif definition.type in (FieldType.FILE, FieldType.LINES):
                continue
            else:
                initial[definition.key] = value
        return initial

    def _load_kept_files(self) -> None:
        """The process's current files of each file field and receipt (one query), for a resubmission."""
        if self.process is None:
            return
        wanted: dict[int, str] = {}
        for definition in self.definitions:
            value = self.values_initial.get(definition.key)
            if definition.type == FieldType.FILE and isinstance(value, list):
                wanted.update({int(pk): definition.key for pk in value if str(pk).isdecimal()})
            elif definition.type == FieldType.LINES and isinstance(value, list):
                for line in value:
                    receipt = line.get("receipt") if isinstance(line, dict) else None
                    if receipt and str(receipt).isdecimal():
                        wanted[int(receipt)] = definition.key
        if not wanted:
            return
        for row in ProcessFile.objects.filter(process=self.process, pk__in=list(wanted)).order_by("pk"):
            self.kept.setdefault(wanted[row.pk], []).append(row)

    def _field(self, definition: FieldDef) -> forms.Field:
        kind = definition.type
        common = {"label": definition.label, "help_text": definition.help, "required": definition.required}
        if kind == FieldType.TEXT:
            return forms.CharField(
                max_length=TEXT_MAX, widget=forms.TextInput(attrs={"class": "form-control"}), **common
            )
        if kind == FieldType.LONGTEXT:
            return forms.CharField(
                max_length=LONGTEXT_MAX,
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
                **common,
            )
        if kind == FieldType.NUMBER:
            return forms.DecimalField(
                max_digits=20,
                decimal_places=6,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
                **common,
            )
        if kind == FieldType.MONEY:
            if definition.key != self.total_key:
                return MoneyField(**common)
            common["required"] = False  # computed from the lines
            field = MoneyField(**common)
            field.widget.widgets[0].attrs.update({"readonly": True, "data-lines-total": self.lines_key})
            field.widget.widgets[1].attrs.update({"data-lines-currency": self.lines_key})
            return field
        if kind == FieldType.DATE:
            return forms.DateField(widget=_date_input(), **common)
        if kind == FieldType.DATERANGE:
            return DateRangeField(**common)
        if kind == FieldType.PERSON:
            return forms.ModelChoiceField(
                queryset=get_user_model().objects.filter(is_active=True),
                widget=ChipPicker(
                    sources=["people"], multiple=False, placeholder=gettext_lazy("Find a colleague…")
                ),
                **common,
            )
        if kind == FieldType.DEPARTMENT:
            from portal.people.models import Department

            return DepartmentChoiceField(
                queryset=Department.objects.visible_to(self.user).order_by("path"),
                widget=forms.Select(attrs={"class": "form-select"}),
                **common,
            )
        if kind == FieldType.FILE:
            if self.kept.get(definition.key):
                common["required"] = False  # the kept files stand unless new ones replace them
            return MultipleFileField(**common)
        if kind == FieldType.CHOICE:
            choices = [(c, c) for c in definition.choices]
            if not definition.required:
                choices = [("", "—")] + choices
            return forms.ChoiceField(
                choices=choices, widget=forms.Select(attrs={"class": "form-select"}), **common
            )
        if kind == FieldType.BOOLEAN:
            return forms.BooleanField(
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}), **common
            )
        if kind == FieldType.ABSENCE_TYPE:
            return forms.ModelChoiceField(
                queryset=AbsenceType.objects.filter(is_active=True).order_by("order", "name"),
                widget=forms.Select(attrs={"class": "form-select"}),
                **common,
            )
        if kind == FieldType.LINES:
            # The lines are a formset; this field only anchors their label and errors.
            common["required"] = False
            return forms.Field(widget=forms.HiddenInput, **common)
        raise ValueError(f"unknown field type {kind}")

    def _formset(self, definition: FieldDef) -> BaseLineFormSet:
        initial = []
        kept = {row.pk: row for row in self.kept.get(definition.key, [])}
        for line in self.values_initial.get(definition.key) or []:
            if not isinstance(line, dict):
                continue
            initial.append(
                {
                    "date": line.get("date"),
                    "description": line.get("description", ""),
                    "amount": line.get("amount"),
                    "currency": line.get("currency") or settings.DEFAULT_CURRENCY,
                    "receipt_id": line.get("receipt"),
                }
            )
        formset = LineFormSet(
            data=self.data if self.is_bound else None,
            files=self.files if self.is_bound else None,
            initial=initial or None,
            prefix=definition.key,
            form_kwargs={"kept_receipts": kept},
        )
        if initial:
            formset.extra = 0
        return formset

    # --- what the template draws --------------------------------------------------------------------------

    @property
    def entries(self) -> list[Entry]:
        return [
            Entry(
                definition=d,
                field=self[d.key],
                formset=self.formsets.get(d.key),
                kept_files=self.kept.get(d.key) if d.type == FieldType.FILE else None,
                computed=d.key == self.total_key,
            )
            for d in self.definitions
        ]

    @property
    def period_key(self) -> str | None:
        period = purpose_field(self.definitions, "period")
        return period.key if period is not None else None

    @property
    def has_files(self) -> bool:
        return any(d.type in (FieldType.FILE, FieldType.LINES) for d in self.definitions)

    # --- checking -------------------------------------------------------------------------------------------

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        for key, formset in self.formsets.items():
            definition = next(d for d in self.definitions if d.key == key)
            if not formset.is_valid():
                self.add_error(key, _("Check the lines below."))
                continue
            filled = formset.filled()
            if definition.required and not filled:
                self.add_error(key, _("Add at least one line."))
            currencies = {form.cleaned_data["currency"] for form in filled}
            if key == self.lines_key and self.total_key and len(currencies) > 1:
                self.add_error(key, _("Put all the lines in one currency (one report per currency)."))

    def clean(self):
        data = super().clean()
        self.warnings = self._leave_warnings(data)
        return data

    def _leave_warnings(self, data: dict) -> list[str]:
        """A leave request longer than the balance left is allowed, but said."""
        period = (data or {}).get(self.period_key) if self.period_key else None
        if not period:
            return []
        absence_key = purpose_field(self.definitions, "absence_type")
        if absence_key is not None:
            kind = data.get(absence_key.key)
            counts = bool(getattr(kind, "counts_allowance", False))
        else:
            counts = self.version.template.kind == TemplateKind.LEAVE
        if not counts:
            return []
        balance = leave_balance_of(self.user, period[0].year)
        if balance is None:
            return []
        days = requested_days(*period)
        if days > balance.left:
            return [
                _("This request takes %(days)s working days; you have %(left)s left this year.")
                % {"days": days, "left": _days_text(balance.left)}
            ]
        return []

    # --- the values ---------------------------------------------------------------------------------------

    def cleaned_values(self) -> tuple[dict, dict]:
        """(data, uploads): the values by field key in the definitions.py shape, and the new files by field key
        (a file field: its new files; a lines field: one entry per line, its new receipt or None). A file field
        with no new upload keeps the process's current files (on resubmit)."""
        if self._cleaned_values is not None:
            return self._cleaned_values
        data: dict = {}
        uploads: dict[str, list] = {}
        cleaned = self.cleaned_data
        for definition in self.definitions:
            key, kind = definition.key, definition.type
            value = cleaned.get(key)
            if kind in (FieldType.TEXT, FieldType.LONGTEXT, FieldType.CHOICE):
                data[key] = (value or "").strip()
            elif kind == FieldType.NUMBER:
                data[key] = _decimal_text(value) if value is not None else None
            elif kind == FieldType.MONEY:
                data[key] = (
                    {"amount": _money_text(value["amount"]), "currency": value["currency"]} if value else None
                )
            elif kind == FieldType.DATE:
                data[key] = value.isoformat() if value else None
            elif kind == FieldType.DATERANGE:
                data[key] = {"start": value[0].isoformat(), "end": value[1].isoformat()} if value else None
            elif kind in (FieldType.PERSON, FieldType.DEPARTMENT, FieldType.ABSENCE_TYPE):
                data[key] = value.pk if value is not None else None
            elif kind == FieldType.FILE:
                if value:
                    uploads[key] = list(value)
                    data[key] = []
                else:
                    data[key] = [row.pk for row in self.kept.get(key, [])]
            elif kind == FieldType.BOOLEAN:
                data[key] = bool(value)
            elif kind == FieldType.LINES:
                lines, receipts = [], []
                for form in self.formsets[key].filled():
                    line = form.cleaned_data
                    receipt = line.get("receipt")
                    lines.append(
                        {
                            "date": line["date"].isoformat(),
                            "description": line["description"].strip(),
                            "amount": _money_text(line["amount"]),
                            "currency": line["currency"],
                            "receipt": None if receipt else line.get("receipt_id"),
                        }
                    )
                    receipts.append(receipt or None)
                data[key] = lines
                if any(receipts):
                    uploads[key] = receipts
        if self.total_key and self.lines_key:
            lines = data.get(self.lines_key) or []
            if lines:
                total = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
                data[self.total_key] = {"amount": _money_text(total), "currency": lines[0]["currency"]}
        self._cleaned_values = (data, uploads)
        return self._cleaned_values

    def apply_errors(self, exc) -> None:
        """Put a service's refusal (`Invalid.fields`) next to the fields it names."""
        fields = getattr(exc, "fields", None) or {}
        if not fields:
            self.add_error(None, getattr(exc, "message", str(exc)))
            return
        for key, messages in fields.items():
            self.add_error(key if key in self.fields else None, messages)


# --- helpers --------------------------------------------------------------------------------------------


def _money_text(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text not in ("-0",) else "0"


def _days_text(value) -> str:
    value = Decimal(value)
    return str(value.quantize(Decimal("1"))) if value == value.to_integral() else str(value.normalize())


def leave_balance_of(user, year: int):
    """The person's leave balance for `year` from the absences feature, or None while it is not there."""
    try:
        from ..selectors.absences import leave_balance
    except ImportError:
        return None
    try:
        return leave_balance(user=user, year=year)
    except Exception:  # noqa: BLE001 - a balance is a hint on the form; the request goes on without it
        return None


def requested_days(start: datetime.date, end: datetime.date) -> int:
    """Working days of a leave request (the company calendar's holidays excluded)."""
    from portal.core.workdays import working_days_between

    return len(working_days_between(start, end))


def balance_context(user, *, start: datetime.date | None, end: datetime.date | None) -> dict | None:
    """What the leave request form shows next to its dates: the balance of the year and, for chosen dates,
    the working days they take and whether that exceeds what is left. None without the absences feature."""
    year = start.year if start else timezone.localdate().year
    balance = leave_balance_of(user, year)
    if balance is None:
        return None
    days = requested_days(start, end) if start and end and end >= start else None
    return {
        "year": year,
        "balance": balance,
        "left": _days_text(balance.left),
        "days": days,
        "exceeds": days is not None and Decimal(days) > Decimal(balance.left),
    }


def form_input(version, values: dict, files=None) -> tuple[dict, dict]:
    """The POST data and files a `ProcessForm` of `version` reads, from values in the definitions.py shape (the
    API's JSON). Files posted alongside (multipart) are named by field key (`<lines key>-<n>-receipt` for a
    line's receipt)."""
    from django.utils.datastructures import MultiValueDict

    data = MultiValueDict()
    values = values if isinstance(values, dict) else {}
    for definition in field_defs(version):
        key, kind = definition.key, definition.type
        value = values.get(key)
        if kind == FieldType.MONEY:
            if isinstance(value, dict):
                data[f"{key}_0"] = _text(value.get("amount"))
                data[f"{key}_1"] = _text(value.get("currency") or settings.DEFAULT_CURRENCY)
            elif value not in (None, ""):
                data[f"{key}_0"] = _text(value)
                data[f"{key}_1"] = settings.DEFAULT_CURRENCY
        elif kind == FieldType.DATERANGE:
            if isinstance(value, dict):
                data[f"{key}_0"] = _text(value.get("start"))
                data[f"{key}_1"] = _text(value.get("end"))
        elif kind == FieldType.BOOLEAN:
            if value is True or str(value).lower() in ("true", "1", "on", "yes"):
                data[key] = "on"
        elif kind == FieldType.FILE:
            continue
        elif kind == FieldType.LINES:
            lines = value if isinstance(value, list) else []
            data[f"{key}-TOTAL_FORMS"] = str(len(lines))
            data[f"{key}-INITIAL_FORMS"] = "0"
            for n, line in enumerate(lines):
                line = line if isinstance(line, dict) else {}
                for name in ("date", "description", "amount", "currency"):
                    data[f"{key}-{n}-{name}"] = _text(line.get(name))
                if line.get("receipt"):
                    data[f"{key}-{n}-receipt_id"] = _text(line.get("receipt"))
        elif value is not None:
            data[key] = _text(value)
    uploads = MultiValueDict()
    if files is not None:
        for name in files:
            uploads.setlist(name, files.getlist(name) if hasattr(files, "getlist") else [files[name]])
    return data, uploads


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""
    return str(value)
