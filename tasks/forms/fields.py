"""Tasks: the fields, choices and mixins the task forms share (people and group choices, date-time inputs,
id lists, service errors shown field by field, the error lines of a task-page block).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


MAX_ESTIMATE_HOURS = Decimal("10000")


def _datetime_field(label, help_text=""):
    """A datetime-local input; the value is read in the viewer's time zone (activated per request)."""
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format=DATETIME_FORMAT
        ),
    )


def person_picker_field(label, *, required=True, placeholder=None):
    """One person chosen with the chip picker (its queryset is set per form: the active people)."""
    from portal.core.widgets import ChipPicker

    return forms.ModelChoiceField(
        label=label,
        queryset=None,
        required=required,
        widget=ChipPicker(
            sources=["people"], multiple=False, placeholder=placeholder or _("Find a colleague…")
        ),
    )


def people_picker_field(label):
    """Any number of people chosen with the chip picker (queryset set per form)."""
    from portal.core.widgets import ChipPicker

    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find a colleague…")),
    )


def _to_minute(value):
    return value.replace(second=0, microsecond=0) if value else value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _split_names(text: str) -> list[str]:
    """Comma-separated tag names, blanks dropped, each name once (case does not matter)."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def people_choices(user, *, keep=()):
    """Active people the user may pick (plus whoever is already chosen, even if since deactivated)."""
    keep_ids = [getattr(p, "pk", p) for p in keep if p]
    people = get_user_model().objects
    chosen = Q(pk__in=people.visible_to(user).filter(is_active=True).values("pk"))
    if keep_ids:
        chosen |= Q(pk__in=keep_ids)
    return (
        people.filter(chosen)
        .only("id", "first_name", "last_name", "email", "is_active")
        .order_by("last_name", "first_name", "id")
    )


def group_choices(user, *, keep=None):
    from portal.groups.models import Workgroup

    visible = Workgroup.objects.visible_to(user)
    if keep is not None:
        visible = Workgroup.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk=keep.pk))
    return visible.only("id", "name").order_by("name", "id")


def _person_label(person) -> str:
    return person.full_name or person.email


class ServiceErrorsMixin:
    """Runs services and turns their ValidationError into field-by-field form errors."""

    field_aliases: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                name = self.field_aliases.get(field, field)
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    def run_atomic(self, work):
        """Run `work()` in one transaction; on a ValidationError roll it all back and show the errors."""
        try:
            with transaction.atomic():
                return work()
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class PeopleFieldsMixin:
    def setup_people(self, user, *, keep=()) -> None:
        people = people_choices(user, keep=keep)
        for name in ("responsible", "participants", "observers"):
            if name in self.fields:
                self.fields[name].queryset = people
                self.fields[name].label_from_instance = _person_label


class IdListField(forms.Field):
    """Many ids from repeated inputs (checkboxes), as a list of ints."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return list(dict.fromkeys(int(v) for v in values))
        except (TypeError, ValueError):
            raise ValidationError(_("Choose tasks from the list."), code="invalid") from None


def _people():
    return get_user_model().objects.filter(is_active=True)


def _small_datetime_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-sm"}, format="%Y-%m-%dT%H:%M"
        ),
    )


def form_errors(form: forms.Form) -> list[str]:
    """The form's errors as lines for the block's error box ("Field: message")."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            lines.append(f"{label}: {error}" if label else str(error))
    return lines


class _HoursMinutesForm(forms.Form):
    hours = forms.IntegerField(label=_("Hours"), min_value=0, max_value=10_000, required=False)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=59, required=False)

    def seconds(self) -> int:
        return (self.cleaned_data.get("hours") or 0) * 3600 + (self.cleaned_data.get("minutes") or 0) * 60


def parse_ids(values) -> list[int] | None:
    """Ids from repeated fields or comma-separated strings; None when any of them is not a number."""
    ids = []
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdecimal():
                return None
            ids.append(int(part))
    return ids


SELECT = {"class": "form-select form-select-sm"}


INPUT = {"class": "form-control form-control-sm"}
