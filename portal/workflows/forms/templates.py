"""The template editor's forms: the template's own settings, its form (a formset of field rows) and its route
(a formset of step rows), bundled in `TemplateEditor`.

The rows are plain server-rendered forms with numbered prefixes (`fields-0-label`, `steps-2-rule`); the
editor's script (static/workflows/template_editor.js) adds rows from the formset's empty form, hides removed
ones (their DELETE input) and renumbers the ORDER inputs when rows move. What a row means is checked by the
service (definitions.py): its messages name the row ("Step 2: ..."), and `TemplateEditor.show_errors` puts each
next to its row.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.core.errors import Invalid
from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import ApproverRule, ConditionOp, FieldType, StepAction, StepKind, StepMode, TemplateKind
from ..definitions import MAX_FIELDS, MAX_STEPS, PURPOSES
from ..models import ProcessRole, ProcessTemplate
from ..selectors.roles import role_choices
from ..selectors.templates import purpose_label

ICONS = (
    ("bi-diagram-3", _("Process")),
    ("bi-calendar2-week", _("Calendar")),
    ("bi-cash-coin", _("Money")),
    ("bi-file-earmark-text", _("Document")),
    ("bi-receipt", _("Receipt")),
    ("bi-airplane", _("Trip")),
    ("bi-briefcase", _("Briefcase")),
    ("bi-cart", _("Purchase")),
    ("bi-laptop", _("Equipment")),
    ("bi-mortarboard", _("Training")),
    ("bi-truck", _("Delivery")),
    ("bi-person-plus", _("Hiring")),
    ("bi-key", _("Access")),
    ("bi-clipboard-check", _("Checklist")),
    ("bi-chat-square-text", _("Request")),
)
STARTER_NAMES = {
    "everyone": "starters_everyone",
    "departments": "start_departments",
    "groups": "start_groups",
}
DEADLINE_UNITS = (("workdays", _("working days")), ("hours", _("hours")))
ALL_ACTIONS = [
    a.value for a in (StepAction.APPROVE, StepAction.REJECT, StepAction.RETURN, StepAction.COMMENT)
]


def style(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap's classes on the plain widgets (the pickers and checkbox lists draw themselves)."""
    size = " form-control-sm" if small else ""
    select_size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, ChipPicker | forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select" + select_size
        else:
            css = "form-control" + size
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


# --- the template's own settings ------------------------------------------------------------------------


class TemplateMetaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("What it is for"),
        choices=TemplateKind.choices,
        initial=TemplateKind.CUSTOM,
        help_text=_("Leave requests and trips become absences; payments go to the payment register."),
    )
    icon = forms.ChoiceField(label=_("Icon"), choices=ICONS, initial="bi-diagram-3")
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the start card."),
    )
    is_active = forms.BooleanField(label=_("Active: people may start it"), required=False, initial=True)
    # One picker for who may start it; each chip posts into the field of its kind (as the post audience).
    starters = forms.Field(
        label=_("Who may start it"),
        required=False,
        initial=[("everyone", "1")],
        widget=ChipPicker(
            sources=list(STARTER_NAMES),
            names=STARTER_NAMES,
            placeholder=_("Everyone, a department or a workgroup…"),
        ),
        help_text=_("A department includes its sub-departments."),
    )
    starters_everyone = forms.BooleanField(required=False, widget=forms.HiddenInput)
    start_departments = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    start_groups = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    viewer_roles = forms.ModelMultipleChoiceField(
        label=_("Roles that see all its processes"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, template: ProcessTemplate | None = None, **kwargs):
        if template is not None:
            # Also for a bound form: a disabled field (a built-in's kind) takes its value from here.
            kwargs["initial"] = {**self.initial_of(template), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        self.template = template
        self.fields["start_departments"].queryset = Department.objects.all()
        self.fields["start_groups"].queryset = Workgroup.objects.all()
        self.fields["viewer_roles"].queryset = ProcessRole.objects.order_by("name", "id")
        icon = self.initial.get("icon") or (template.icon if template else "")
        if icon and icon not in dict(ICONS):
            self.fields["icon"].choices = [*ICONS, (icon, icon)]
        if template is not None and template.key:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("A built-in template keeps its kind.")
        style(self)
        bind_pickers(self, user)

    @staticmethod
    def initial_of(template: ProcessTemplate) -> dict:
        departments = list(template.start_departments.values_list("pk", flat=True))
        groups = list(template.start_groups.values_list("pk", flat=True))
        starters = [("everyone", "1")] if template.starters_everyone else []
        starters += [("departments", str(pk)) for pk in departments]
        starters += [("groups", str(pk)) for pk in groups]
        return {
            "name": template.name,
            "kind": template.kind,
            "icon": template.icon,
            "description": template.description,
            "is_active": template.is_active,
            "starters": starters,
            "viewer_roles": list(template.viewer_roles.values_list("pk", flat=True)),
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "icon": data["icon"],
            "description": data["description"],
            "is_active": data["is_active"],
            "starters_everyone": data["starters_everyone"],
            "start_departments": list(data["start_departments"]),
            "start_groups": list(data["start_groups"]),
            "viewer_roles": list(data["viewer_roles"]),
        }


# --- the form's fields ----------------------------------------------------------------------------------


def purpose_choices() -> list[tuple[str, str]]:
    return [("", gettext("—"))] + [(key, purpose_label(key)) for key in PURPOSES]


class FieldRowForm(forms.Form):
    """One field of the process's form."""

    key = forms.CharField(
        label=_("Code"),
        max_length=50,
        required=False,
        help_text=_("a-z, 0-9 and _; conditions and the API use it."),
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    help = forms.CharField(label=_("Hint"), max_length=500, required=False)
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    purpose = forms.ChoiceField(
        label=_("Used as"),
        required=False,
        help_text=_("What the process copies it to (lists, the payment register, the absence)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = purpose_choices()
        style(self, small=True)

    @property
    def hide_choices(self) -> bool:
        """The options are for a list only (the script shows them when the type becomes "list")."""
        return self["type"].value() != FieldType.CHOICE

    @staticmethod
    def initial_of(field: dict) -> dict:
        return {
            "key": field.get("key", ""),
            "label": field.get("label", ""),
            "type": field.get("type", FieldType.TEXT),
            "required": bool(field.get("required")),
            "help": field.get("help", ""),
            "choices": "\n".join(field.get("choices") or []),
            "purpose": field.get("purpose", ""),
        }

    def as_json(self) -> dict:
        data = self.cleaned_data
        out = {
            "key": (data.get("key") or "").strip(),
            "label": (data.get("label") or "").strip(),
            "type": data.get("type") or FieldType.TEXT,
            "required": bool(data.get("required")),
        }
        if data.get("help"):
            out["help"] = data["help"].strip()
        if out["type"] == FieldType.CHOICE:
            out["choices"] = [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()]
        if data.get("purpose"):
            out["purpose"] = data["purpose"]
        return out


# --- the route's steps ----------------------------------------------------------------------------------


def _people():
    return get_user_model().objects.filter(is_active=True)


class StepRowForm(forms.Form):
    """One step of the route: who approves (a rule and its parameter), how, when and if."""

    key = forms.CharField(required=False, max_length=50, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Step"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices, initial=StepKind.APPROVAL)
    rule = forms.ChoiceField(label=_("Who"), choices=ApproverRule.choices, initial=ApproverRule.SUPERVISOR)
    levels = forms.IntegerField(label=_("Levels up"), min_value=1, max_value=10, initial=2, required=False)
    person = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Find colleagues…")),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["departments"], multiple=False, placeholder=_("Find a department…")),
    )
    group = forms.ModelChoiceField(
        label=_("Workgroup"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["groups"], multiple=False, placeholder=_("Find a workgroup…")),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    mode = forms.ChoiceField(label=_("Decides"), choices=StepMode.choices, initial=StepMode.ANY)
    condition_field = forms.CharField(label=_("Only if"), required=False, max_length=50, widget=forms.Select)
    condition_op = forms.ChoiceField(label=_("Comparison"), required=False)
    condition_value = forms.CharField(label=_("Value"), required=False, max_length=100)
    deadline = forms.IntegerField(label=_("Deadline"), min_value=0, max_value=24 * 60, required=False)
    deadline_unit = forms.ChoiceField(label=_("Unit"), choices=DEADLINE_UNITS, initial="workdays")
    actions = forms.MultipleChoiceField(
        label=_("Allowed actions"),
        choices=StepAction.choices,
        initial=ALL_ACTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user=None, roles=None, condition_fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.groups.models import Workgroup
        from portal.people.models import Department

        self.fields["person"].queryset = _people()
        self.fields["people"].queryset = _people()
        self.fields["department"].queryset = Department.objects.all()
        self.fields["group"].queryset = Workgroup.objects.all()
        self.fields["role"].choices = [("", gettext("Choose a role…")), *(roles or [])]
        self.fields["condition_op"].choices = [("", gettext("—")), *ConditionOp.choices]
        self.set_condition_fields(condition_fields or [])
        style(self, small=True)
        bind_pickers(self, user)

    @property
    def hidden(self) -> dict[str, bool]:
        """Which inputs the row starts with hidden: a rule's parameter for the other rules, the mode where
        one person decides, the allowed actions on an information step (the script keeps this up)."""
        rule = self["rule"].value() or ApproverRule.SUPERVISOR
        return {
            "levels": rule != ApproverRule.LEVELS_UP,
            "person": rule != ApproverRule.PERSON,
            "people": rule != ApproverRule.PEOPLE,
            "department": rule != ApproverRule.DEPARTMENT_HEAD,
            "group": rule != ApproverRule.GROUP,
            "role": rule != ApproverRule.ROLE,
            "mode": rule not in (ApproverRule.PEOPLE, ApproverRule.GROUP, ApproverRule.ROLE),
            "actions": self["kind"].value() == StepKind.INFO,
        }

    def set_condition_fields(self, fields: list[tuple[str, str]]) -> None:
        """The form's fields a condition may test (code, label); the chosen one stays even if it went away,
        so that the error about it shows what was chosen."""
        choices = [("", gettext("always")), *((key, f"{label} ({key})") for key, label in fields)]
        current = self["condition_field"].value() if self.is_bound else self.initial.get("condition_field")
        if current and current not in dict(choices):
            choices.append((current, current))
        self.fields["condition_field"].widget.choices = choices

    @staticmethod
    def initial_of(step: dict) -> dict:
        rule = step.get("rule") or {}
        deadline = step.get("deadline") or {}
        condition = step.get("condition") or {}
        return {
            "key": step.get("key", ""),
            "name": step.get("name", ""),
            "kind": step.get("kind", StepKind.APPROVAL),
            "rule": rule.get("kind", ApproverRule.SUPERVISOR),
            "levels": rule.get("levels", 2),
            "person": rule.get("person"),
            "people": list(rule.get("people") or []),
            "department": rule.get("department"),
            "group": rule.get("group"),
            "role": rule.get("role", ""),
            "mode": step.get("mode", StepMode.ANY),
            "condition_field": condition.get("field", ""),
            "condition_op": condition.get("op", ""),
            "condition_value": condition.get("value", ""),
            "deadline": deadline.get("hours") or deadline.get("workdays") or None,
            "deadline_unit": "hours" if deadline.get("hours") else "workdays",
            "actions": list(step.get("actions") or ALL_ACTIONS),
        }

    def as_json(self, key: str) -> dict:
        data = self.cleaned_data
        kind = data.get("rule") or ApproverRule.SUPERVISOR
        rule: dict = {"kind": kind}
        if kind == ApproverRule.LEVELS_UP:
            rule["levels"] = data.get("levels")
        elif kind == ApproverRule.DEPARTMENT_HEAD:
            rule["department"] = getattr(data.get("department"), "pk", None)
        elif kind == ApproverRule.PERSON:
            rule["person"] = getattr(data.get("person"), "pk", None)
        elif kind == ApproverRule.PEOPLE:
            rule["people"] = [p.pk for p in data.get("people") or []]
        elif kind == ApproverRule.GROUP:
            rule["group"] = getattr(data.get("group"), "pk", None)
        elif kind == ApproverRule.ROLE:
            rule["role"] = data.get("role") or ""
        condition = None
        if data.get("condition_field") or data.get("condition_op"):
            condition = {
                "field": data.get("condition_field") or "",
                "op": data.get("condition_op") or "",
                "value": (data.get("condition_value") or "").strip(),
            }
        deadline = None
        if data.get("deadline"):
            deadline = {data.get("deadline_unit") or "workdays": data["deadline"]}
        return {
            "key": key,
            "name": (data.get("name") or "").strip(),
            "kind": data.get("kind") or StepKind.APPROVAL,
            "rule": rule,
            "mode": data.get("mode") or StepMode.ANY,
            "condition": condition,
            "deadline": deadline,
            "actions": list(data.get("actions") or []),
        }


class _RowFormSet(forms.BaseFormSet):
    """Rows in the order of their ORDER inputs, without the removed ones and the untouched new ones."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].widget = forms.HiddenInput(attrs={"data-wf-order": ""})
        form.fields["DELETE"].widget = forms.HiddenInput(attrs={"data-wf-delete": ""})

    def rows(self) -> list[forms.Form]:
        return list(self.ordered_forms)


class StepRowFormSet(_RowFormSet):
    def __init__(self, *args, user=None, roles=None, condition_fields=None, **kwargs):
        self.user, self.roles, self.condition_fields = user, roles, condition_fields
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "user": self.user,
            "roles": self.roles,
            "condition_fields": self.condition_fields,
        }

    def steps_json(self) -> list[dict]:
        """The route's steps; a new step gets a free code ("step3")."""
        rows = self.rows()
        taken = {(form.cleaned_data.get("key") or "").strip() for form in rows}
        out = []
        for number, form in enumerate(rows, start=1):
            key = (form.cleaned_data.get("key") or "").strip()
            if not key:
                n = number
                while f"step{n}" in taken:
                    n += 1
                key = f"step{n}"
                taken.add(key)
            out.append(form.as_json(key))
        return out


FieldFormSet = forms.formset_factory(
    FieldRowForm,
    formset=_RowFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=MAX_FIELDS,
    validate_max=True,
)
StepFormSet = forms.formset_factory(
    StepRowForm,
    formset=StepRowFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=MAX_STEPS,
    validate_max=True,
)

NEW_TEMPLATE_FIELDS = [{"key": "subject", "label": _("Subject"), "type": FieldType.TEXT, "required": True}]
NEW_TEMPLATE_STEPS = [
    {
        "key": "supervisor",
        "name": _("Supervisor"),
        "kind": StepKind.APPROVAL,
        "rule": {"kind": ApproverRule.SUPERVISOR},
        "mode": StepMode.ANY,
        "deadline": {"workdays": 2},
        "actions": ALL_ACTIONS,
    }
]


class VersionNoteForm(forms.Form):
    comment = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Kept with the new version, if the form or the route changed."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


class TemplateEditor:
    """The whole editor page's input: the settings, the form's fields, the route's steps and what changed."""

    def __init__(self, data=None, *, user, template: ProcessTemplate | None = None):
        self.template = template
        self.errors_fields: list[str] = []
        self.errors_steps: list[str] = []
        version = template.current_version if template is not None else None
        if data is None:
            fields = (
                version.fields if version else [dict(f, label=str(f["label"])) for f in NEW_TEMPLATE_FIELDS]
            )
            steps = version.steps if version else [dict(s, name=str(s["name"])) for s in NEW_TEMPLATE_STEPS]
            field_initial = [FieldRowForm.initial_of(f) for f in fields or []]
            step_initial = [StepRowForm.initial_of(s) for s in steps or []]
        else:
            field_initial = step_initial = None
        # Ids of their own: the top bar's widgets have inputs named as these ("comment").
        self.meta = TemplateMetaForm(data, user=user, template=template, auto_id="wf_%s")
        self.fields = FieldFormSet(data, prefix="fields", initial=field_initial)
        condition_fields = self._field_choices()
        self.steps = StepFormSet(
            data,
            prefix="steps",
            initial=step_initial,
            user=user,
            roles=role_choices(),
            condition_fields=condition_fields,
        )
        self.note = VersionNoteForm(data, auto_id="wf_%s")

    def _field_choices(self) -> list[tuple[str, str]]:
        """(code, label) of the form's fields as they stand (saved, or as posted), for the conditions."""
        out = []
        for form in self.fields.forms:
            if self.fields.is_bound and str(form["DELETE"].value() or "").lower() in ("true", "on", "1"):
                continue
            key = (form["key"].value() or "").strip()
            if key:
                out.append((key, (form["label"].value() or key).strip()))
        return out

    def is_valid(self) -> bool:
        valid = [self.meta.is_valid(), self.fields.is_valid(), self.steps.is_valid(), self.note.is_valid()]
        return all(valid)

    def fields_json(self) -> list[dict]:
        return [form.as_json() for form in self.fields.rows()]

    def steps_json(self) -> list[dict]:
        return self.steps.steps_json()

    def comment_text(self) -> str:
        return (self.note.cleaned_data.get("comment") or "").strip()

    def service_kwargs(self) -> dict:
        return {**self.meta.service_kwargs(), "fields": self.fields_json(), "steps": self.steps_json()}

    def show_errors(self, exc: Invalid) -> None:
        """Each message of the service next to what it is about: a row of the form or the route (the message
        names it: "Field 3: ..."), a setting, or the top of its section."""
        for key, messages in (exc.fields or {"__all__": [exc.message]}).items():
            if key == "fields":
                self.errors_fields += _place(messages, self.fields.rows(), "Field %(n)d")
            elif key == "steps":
                self.errors_steps += _place(messages, self.steps.rows(), "Step %(n)d")
            elif key in self.meta.fields:
                self.meta.add_error(key, messages)
            elif key in ("start_departments", "start_groups", "starters_everyone"):
                self.meta.add_error("starters", messages)
            else:
                self.meta.add_error(None, messages)

    def has_errors(self) -> bool:
        return bool(
            self.errors_fields
            or self.errors_steps
            or self.meta.errors
            or self.note.errors
            or any(form.errors for form in self.fields.forms)
            or any(form.errors for form in self.steps.forms)
            or self.fields.non_form_errors()
            or self.steps.non_form_errors()
        )


def _place(messages: list[str], rows: list[forms.Form], where_format: str) -> list[str]:
    """Put each "Field 3: ..." message on row 3 (without its prefix); the others are returned."""
    left = []
    for message in messages:
        for number in range(len(rows), 0, -1):
            where = gettext(where_format) % {"n": number}
            rest = message[len(where) :]
            if message.startswith(where) and not rest[:1].isdigit():
                rows[number - 1].add_error(None, rest.lstrip(":： ").strip() or message)
                break
        else:
            left.append(message)
    return left
