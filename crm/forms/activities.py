"""The activity form of the timeline's composer (one per tab: call, meeting, e-mail, to-do) and of an
activity's edit form. Fields a kind does not use are left out, so each tab shows only its own."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import ActivityKind, CallResult, Direction

DATETIME_WIDGET = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

# The fields each kind of activity shows (besides subject and description).
KIND_FIELDS = {
    ActivityKind.CALL: [
        "direction",
        "phone",
        "duration_minutes",
        "call_result",
        "recording_url",
        "deadline",
        "is_done",
    ],
    ActivityKind.MEETING: ["deadline", "ends_at", "responsible", "is_done"],
    ActivityKind.EMAIL: ["direction", "email_to", "email_from"],
    ActivityKind.TODO: ["deadline", "responsible"],
}
ALL_OPTIONAL = {name for names in KIND_FIELDS.values() for name in names}


def bootstrap(form, *, small: bool = False, names=None) -> None:
    """Bootstrap's classes on the form's inputs (or those of `names`; the chip picker styles itself)."""
    size = " form-control-sm" if small else ""
    for name, field in form.fields.items():
        if names is not None and name not in names:
            continue
        widget = field.widget
        if isinstance(widget, ChipPicker):
            continue
        subwidgets = getattr(widget, "widgets", None) or [widget]
        for sub in subwidgets:
            if isinstance(sub, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(sub, forms.Select):
                css = "form-select" + (" form-select-sm" if small else "")
            else:
                css = "form-control" + size
            sub.attrs["class"] = f"{sub.attrs.get('class', '')} {css}".strip()


class ActivityForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, initial=Direction.OUTGOING)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    duration_minutes = forms.IntegerField(
        label=_("Duration, minutes"), min_value=0, max_value=24 * 60, required=False
    )
    call_result = forms.ChoiceField(
        label=_("Result"), choices=[("", "—"), *CallResult.choices], required=False
    )
    recording_url = forms.URLField(
        label=_("Recording link"), max_length=1000, required=False, assume_scheme="https"
    )
    deadline = forms.DateTimeField(label=_("When / deadline"), required=False, **DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends"), required=False, **DATETIME_WIDGET)
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    email_to = forms.CharField(
        label=_("To"),
        max_length=1000,
        required=False,
        help_text=_("Empty: the record's e-mail address."),
    )
    email_from = forms.CharField(label=_("From"), max_length=300, required=False)
    is_done = forms.BooleanField(label=_("Already done"), required=False)

    def __init__(self, *args, user, kind: str, activity=None, **kwargs):
        self.user = user
        self.kind = kind
        self.activity = activity
        if activity is not None:
            kwargs.setdefault("initial", self._initial_from(activity))
        super().__init__(*args, **kwargs)
        keep = set(KIND_FIELDS.get(kind, []))
        if activity is not None:
            keep.discard("is_done")  # the card's checkbox does that
        for name in ALL_OPTIONAL - keep:
            self.fields.pop(name, None)
        if "responsible" in self.fields:
            self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)
            if activity is None:
                self.fields["responsible"].initial = user.pk
            bind_pickers(self, user)
        bootstrap(self)

    @staticmethod
    def _initial_from(activity) -> dict:
        return {
            "subject": activity.subject,
            "body": activity.body,
            "direction": activity.direction,
            "phone": activity.phone,
            "duration_minutes": activity.duration // 60 if activity.duration is not None else None,
            "call_result": activity.call_result,
            "recording_url": activity.recording_url,
            "deadline": activity.deadline,
            "ends_at": activity.ends_at,
            "responsible": activity.responsible_id,
            "email_to": activity.email_to,
            "email_from": activity.email_from,
        }

    def service_values(self) -> dict:
        """The cleaned values as `activity_create` / `activity_update` take them."""
        data = self.cleaned_data
        values = {"subject": data.get("subject", ""), "body": data.get("body", "")}
        for name in ("direction", "phone", "call_result", "recording_url", "deadline", "ends_at", "email_to"):
            if name in self.fields:
                values[name] = data.get(name) if name in ("deadline", "ends_at") else data.get(name) or ""
        if "email_from" in self.fields:
            values["email_from"] = data.get("email_from") or ""
        if "duration_minutes" in self.fields:
            minutes = data.get("duration_minutes")
            values["duration"] = minutes * 60 if minutes is not None else None
        if "responsible" in self.fields and data.get("responsible") is not None:
            values["responsible"] = data["responsible"]
        return values
