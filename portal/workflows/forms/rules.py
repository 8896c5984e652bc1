"""The automation rule editor: a name, the trigger (of the scope's kind), the active flag, rows of conditions
and rows of actions whose inputs come from each action's `fields`.

The editor is drawn from a *state* (the rule as plain values: what the service takes), read either from the
rule or from what was posted. Choosing another trigger or action, adding or removing a row posts the form
back (htmx swaps the editor; without JavaScript the page comes back) and the editor is drawn again from the
posted state, without saving. Saving hands the state to the services, which check everything; their
messages come back here by section (name, trigger, conditions, actions).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import PICKER_MEDIA, ChipPicker, bind_pickers

from ..choices import ConditionOp
from ..selectors import rules as selectors

MAX_ROWS = 10
EMPTY = ("", "—")


def _count(data, key: str) -> int:
    try:
        return max(0, min(int(data.get(key) or 0), MAX_ROWS + 1))
    except (TypeError, ValueError):
        return 0


def _getlist(data, key: str) -> list[str]:
    getter = getattr(data, "getlist", None)
    values = getter(key) if getter else data.get(key, [])
    if not isinstance(values, list | tuple):
        values = [values]
    return [str(v) for v in values if v not in (None, "")]


class RuleForm(forms.Form):
    """The editor of one rule on `scope` for `user`. `data`: the posted editor (None: draw `rule` or a new
    rule); `add`: "condition" or "action" adds an empty row."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "maxlength": 200}),
    )
    trigger = forms.ChoiceField(label=_("When"), required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, data=None, *, user, scope: str, rule=None, add: str = "", refresh_url: str = ""):
        self.user, self.scope, self.rule = user, scope, rule
        self.triggers = selectors.triggers_of_kind(selectors.scope_kind(scope))
        self.state = self._state_from_post(data) if data is not None else self._state_from_rule(rule)
        if add == "condition" and len(self.state["conditions"]) < MAX_ROWS:
            self.state["conditions"].append({"field": "", "op": ConditionOp.EQ, "value": ""})
        if add == "action" and len(self.state["actions"]) < MAX_ROWS:
            self.state["actions"].append({"action": "", "params": {}, "wait_days": 0, "working": True})
        self.section_errors: dict[str, list[str]] = {}
        super().__init__(
            initial={
                "name": self.state["name"],
                "trigger": self.state["trigger"],
                "is_active": self.state["is_active"],
            }
        )
        self.fields["trigger"].choices = [(t.key, t.label) for t in self.triggers]
        self.fields["trigger"].widget.attrs.update({"class": "form-select", "data-rule-refresh": ""})
        self.condition_rows = [self._condition_row(i, c) for i, c in enumerate(self.state["conditions"])]
        self.action_rows = [self._action_row(i, a) for i, a in enumerate(self.state["actions"])]
        bind_pickers(self, user)
        if refresh_url:
            self._refresh_on_change(refresh_url)

    def _refresh_on_change(self, url: str) -> None:
        """The inputs that change what the editor shows (the trigger, an action, a condition's field, a
        "remove" box) draw it again through htmx when changed."""
        for field in self.fields.values():
            attrs = field.widget.attrs
            if "data-rule-refresh" in attrs:
                attrs.update(
                    {
                        "hx-post": url,
                        "hx-trigger": "change",
                        "hx-target": "#rule-editor",
                        "hx-swap": "outerHTML",
                        "hx-vals": '{"refresh": "1"}',
                    }
                )

    # --- the state ----------------------------------------------------------------------------------------

    def _trigger_key(self, wanted: str) -> str:
        keys = [t.key for t in self.triggers]
        return wanted if wanted in keys else (keys[0] if keys else "")

    def _state_from_rule(self, rule) -> dict:
        if rule is None:
            return {
                "name": "",
                "trigger": self._trigger_key(""),
                "is_active": True,
                "conditions": [],
                "actions": [{"action": "", "params": {}, "wait_days": 0, "working": True}],
            }
        return {
            "name": rule.name,
            "trigger": self._trigger_key(rule.trigger),
            "is_active": rule.is_active,
            "conditions": [dict(c) for c in rule.conditions or () if isinstance(c, dict)],
            "actions": [
                {
                    "action": a.get("action", ""),
                    "params": dict(a.get("params") or {}),
                    "wait_days": a.get("wait_days") or 0,
                    "working": bool(a.get("working", True)),
                }
                for a in rule.actions or ()
                if isinstance(a, dict)
            ],
        }

    def _state_from_post(self, data) -> dict:
        trigger = self._trigger_key(str(data.get("trigger") or ""))
        conditions = []
        for i in range(_count(data, "conditions-count")):
            if data.get(f"c{i}-remove"):
                continue
            conditions.append(
                {
                    "field": str(data.get(f"c{i}-field") or ""),
                    "op": str(data.get(f"c{i}-op") or ""),
                    "value": str(data.get(f"c{i}-value") or ""),
                }
            )
        actions = []
        for i in range(_count(data, "actions-count")):
            if data.get(f"a{i}-remove"):
                continue
            key = str(data.get(f"a{i}-action") or "")
            action = selectors.action_get(key)
            params: dict = {}
            for spec in map(selectors.field_spec, action.fields if action else ()):
                name = f"a{i}-p-{spec['name']}"
                if spec["kind"] == "people":
                    params[spec["name"]] = _getlist(data, name)
                else:
                    params[spec["name"]] = str(data.get(name) or "")
            actions.append(
                {
                    "action": key,
                    "params": params,
                    "wait_days": str(data.get(f"a{i}-wait_days") or "0"),
                    "working": bool(data.get(f"a{i}-working")),
                }
            )
        return {
            "name": str(data.get("name") or ""),
            "trigger": trigger,
            "is_active": bool(data.get("is_active")),
            "conditions": conditions,
            "actions": actions,
        }

    def payload(self) -> dict:
        """What the services take (they check it)."""
        return {
            "name": self.state["name"],
            "trigger": self.state["trigger"],
            "is_active": self.state["is_active"],
            "conditions": self.state["conditions"],
            "actions": self.state["actions"],
        }

    # --- rows -----------------------------------------------------------------------------------------------

    @property
    def trigger_obj(self):
        return selectors.trigger_get(self.state["trigger"])

    def placeholders(self) -> list[str]:
        trigger = self.trigger_obj
        return [f"{{{{ {name} }}}}" for name, _label, _kind in (trigger.conditions if trigger else ())]

    def _add(self, name: str, field: forms.Field, value) -> forms.BoundField:
        field.required = False
        self.fields[name] = field
        self.initial[name] = value
        return self[name]

    def _condition_row(self, index: int, condition: dict) -> dict:
        trigger = self.trigger_obj
        conditions = list(trigger.conditions) if trigger else []
        kinds = {str(name): str(kind) for name, _label, kind in conditions}
        chosen = condition.get("field") or (str(conditions[0][0]) if conditions else "")
        prefix = f"c{index}"
        field = self._add(
            f"{prefix}-field",
            forms.ChoiceField(
                label=_("Value"),
                choices=[(str(name), label) for name, label, _kind in conditions],
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-rule-refresh": ""}),
            ),
            chosen,
        )
        op = self._add(
            f"{prefix}-op",
            forms.ChoiceField(
                label=_("Comparison"),
                choices=ConditionOp.choices,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            ),
            condition.get("op") or ConditionOp.EQ,
        )
        if kinds.get(chosen) == "choice" and trigger is not None:
            value_field = forms.ChoiceField(
                label=_("Compared with"),
                choices=[EMPTY, *selectors.trigger_choices(trigger, chosen)],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        else:
            value_field = forms.CharField(
                label=_("Compared with"),
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
        value = self._add(f"{prefix}-value", value_field, condition.get("value") or "")
        remove = self._add(
            f"{prefix}-remove",
            forms.BooleanField(
                label=_("Remove"),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-rule-refresh": ""}),
            ),
            False,
        )
        return {"index": index, "field": field, "op": op, "value": value, "remove": remove}

    def _param_field(self, action, spec: dict) -> forms.Field:
        kind, label, help_text = spec["kind"], spec["label"], spec["help"]
        if kind == "longtext":
            return forms.CharField(
                label=label,
                help_text=help_text,
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
            )
        if kind == "number":
            attrs = {"class": "form-control"}
            if spec["min"] is not None:
                attrs["min"] = spec["min"]
            if spec["max"] is not None:
                attrs["max"] = spec["max"]
            return forms.IntegerField(label=label, help_text=help_text, widget=forms.NumberInput(attrs=attrs))
        if kind in ("person", "people"):
            return forms.ModelMultipleChoiceField(
                label=label,
                help_text=help_text,
                queryset=get_user_model().objects.filter(is_active=True),
                widget=ChipPicker(
                    sources=["people"], multiple=kind == "people", placeholder=_("Find a colleague…")
                ),
            )
        if kind in ("choice", "template"):
            choices = selectors.action_choices(action, spec["name"], user=self.user)
            return forms.ChoiceField(
                label=label,
                help_text=help_text,
                choices=[EMPTY, *choices],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        return forms.CharField(
            label=label, help_text=help_text, widget=forms.TextInput(attrs={"class": "form-control"})
        )

    def _action_row(self, index: int, item: dict) -> dict:
        prefix = f"a{index}"
        allowed = selectors.actions_for(self.state["trigger"])
        key = item.get("action") or ""
        if key not in {a.key for a in allowed}:
            key = ""
        action_field = self._add(
            f"{prefix}-action",
            forms.ChoiceField(
                label=_("Do"),
                choices=[EMPTY, *((a.key, a.label) for a in allowed)],
                widget=forms.Select(attrs={"class": "form-select", "data-rule-refresh": ""}),
            ),
            key,
        )
        wait = self._add(
            f"{prefix}-wait_days",
            forms.IntegerField(
                label=_("Wait first, days"),
                widget=forms.NumberInput(attrs={"class": "form-control", "min": 0, "max": 365}),
            ),
            item.get("wait_days") or 0,
        )
        working = self._add(
            f"{prefix}-working",
            forms.BooleanField(
                label=_("Working days"), widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
            ),
            bool(item.get("working", True)),
        )
        remove = self._add(
            f"{prefix}-remove",
            forms.BooleanField(
                label=_("Remove"),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", "data-rule-refresh": ""}),
            ),
            False,
        )
        params = []
        action = selectors.action_get(key) if key else None
        values = item.get("params") or {}
        specs = [selectors.field_spec(entry) for entry in (action.fields if action else ())]
        controllers = {spec["when"][0] for spec in specs if spec["when"]}
        for spec in specs:
            name = f"{prefix}-p-{spec['name']}"
            value = values.get(spec["name"])
            if spec["kind"] == "person" and value not in (None, ""):
                value = [value] if not isinstance(value, list | tuple) else value
            param_field = self._param_field(action, spec)
            if spec["name"] in controllers:
                # static/workflows/rules.js shows the params that depend on it as it changes
                param_field.widget.attrs["data-rule-controls"] = ""
            bound = self._add(name, param_field, value)
            when = spec["when"]
            shown = True
            when_field, when_values = "", ""
            if when is not None:
                wanted = when[1] if isinstance(when[1], list | tuple) else (when[1],)
                when_field = f"{prefix}-p-{when[0]}"
                when_values = ",".join(str(w) for w in wanted)
                shown = str(values.get(when[0]) or "") in {str(w) for w in wanted}
            params.append(
                {
                    "field": bound,
                    "spec": spec,
                    "shown": shown,
                    "when_field": when_field,
                    "when_values": when_values,
                }
            )
        return {
            "index": index,
            "action": action_field,
            "wait": wait,
            "working": working,
            "remove": remove,
            "params": params,
        }

    # --- errors ---------------------------------------------------------------------------------------------

    def set_errors(self, fields: dict[str, list[str]]) -> None:
        """The services' messages, by section ("name", "trigger", "conditions", "actions", else "general")."""
        for key, messages in (fields or {}).items():
            section = key if key in ("name", "trigger", "conditions", "actions") else "general"
            self.section_errors.setdefault(section, []).extend(str(m) for m in messages)

    @property
    def media(self):
        return PICKER_MEDIA
