"""The web form builder (the form's settings and a formset of its fields) and the public form a visitor fills
in, built from the stored field list."""

from __future__ import annotations

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import bind_pickers

from ..choices import Entity
from ..models import Pipeline, WebForm
from ..services.webforms import FIELD_TYPES, HONEYPOT, TARGETS, custom_targets
from .leads import people_in_reach, person_field, style


class WebFormForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Becomes the leads' source details."))
    target = forms.ChoiceField(
        label=_("A submission makes"), choices=[(Entity.LEAD, _("a lead")), (Entity.DEAL, _("a deal"))]
    )
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline of the deals"), queryset=Pipeline.objects.none(), required=False
    )
    title = forms.CharField(label=_("Heading"), max_length=200, required=False)
    thank_you = forms.CharField(
        label=_("Thank-you text"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    redirect_url = forms.URLField(
        label=_("Redirect after sending"),
        required=False,
        assume_scheme="https",
        help_text=_("Instead of the thank-you text, send the visitor to this address."),
    )
    responsible = person_field(_("Responsible for new records"))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user, instance: WebForm | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "target": instance.target,
                "pipeline": instance.pipeline_id,
                "title": instance.title,
                "thank_you": instance.thank_you,
                "redirect_url": instance.redirect_url,
                "responsible": instance.responsible_id,
                "is_active": instance.is_active,
            }
        super().__init__(*args, **kwargs)
        self.fields["pipeline"].queryset = Pipeline.objects.filter(is_active=True)
        self.fields["responsible"].queryset = people_in_reach(user, Entity.LEAD, "add")
        bind_pickers(self, user)
        style(self)


class FieldRowForm(forms.Form):
    """One field of the web form."""

    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    name = forms.CharField(
        label=_("Name"), max_length=50, required=False, help_text=_("Small Latin letters, digits and _.")
    )
    target = forms.ChoiceField(label=_("Goes to"), required=False)
    type = forms.ChoiceField(label=_("Type"), choices=list(FIELD_TYPES.items()))
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("List values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
        help_text=_("One per line."),
    )

    def __init__(self, *args, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", _("Comment (label: value)")), *(targets or {}).items()]
        style(self)


class BaseFieldRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, targets=None, **kwargs):
        self.targets = targets
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "targets": self.targets}

    def rows(self) -> list[dict]:
        """The filled rows in order, in the shape `WebForm.fields` stores."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not (data.get("label") or data.get("name")) or data.get("DELETE"):
                continue
            rows.append(
                {
                    "name": (data.get("name") or "").strip(),
                    "label": data.get("label") or "",
                    "target": data.get("target") or "",
                    "type": data.get("type") or "text",
                    "required": bool(data.get("required")),
                    "choices": [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()],
                }
            )
        return rows


FieldRowFormSet = forms.formset_factory(
    FieldRowForm, formset=BaseFieldRowFormSet, extra=2, can_delete=True, max_num=30, validate_max=True
)


def field_targets(target: str) -> dict:
    """Where a field's value may go for a form making `target` records."""
    entity = Entity.DEAL if target == Entity.DEAL else Entity.LEAD
    return {**{k: str(v) for k, v in TARGETS.items()}, **custom_targets(entity)}


def fields_formset(data=None, *, instance: WebForm | None = None, target: str = Entity.LEAD):
    initial = None
    if data is None and instance is not None:
        initial = [{**row, "choices": "\n".join(row.get("choices") or [])} for row in instance.fields]
    elif data is None:
        initial = [
            {
                "label": str(_("Name")),
                "name": "name",
                "target": "first_name",
                "type": "text",
                "required": True,
            },
            {"label": str(_("Phone")), "name": "phone", "target": "phone", "type": "phone", "required": True},
            {"label": str(_("E-mail")), "name": "email", "target": "email", "type": "email"},
            {"label": str(_("Message")), "name": "message", "target": "comment", "type": "textarea"},
        ]
    return FieldRowFormSet(data=data, initial=initial, prefix="fields", targets=field_targets(target))


def public_widget(field: dict, *, value="", error: bool = False) -> dict:
    """What the public form's template needs to draw one field (plain HTML, no Django widget: the same
    markup goes into the embed snippet)."""
    kind = field.get("type", "text")
    input_type = {"email": "email", "phone": "tel", "number": "text", "text": "text"}.get(kind, "text")
    return {
        "name": field["name"],
        "label": field["label"],
        "kind": kind,
        "input_type": input_type,
        "inputmode": "decimal" if kind == "number" else "",
        "required": bool(field.get("required")),
        "choices": field.get("choices") or [],
        "value": value,
        "error": error,
    }


# The embed code's own rule for its anti-spam field. The code is pasted into the company's site (where this
# site's policy does not apply) and shown here only as text, so it may carry a <style> element.
EMBED_STYLE = ".lumen-hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}"


def embed_html(form: WebForm, action: str) -> str:
    """The script-free HTML form to paste into the company's site: it posts to the public address. Its class
    names start with "lumen-" so that the site can style them."""
    lines = [f"<style>{EMBED_STYLE}</style>"]
    lines.append(f'<form class="lumen-form" method="post" action="{escape(action)}" accept-charset="utf-8">')
    if form.title:
        lines.append(f'  <h3 class="lumen-form-title">{escape(form.title)}</h3>')
    for field in form.fields:
        widget = public_widget(field)
        name, label = escape(widget["name"]), escape(widget["label"])
        required = " required" if widget["required"] else ""
        lines.append('  <p class="lumen-form-field">')
        if widget["kind"] == "checkbox":
            lines.append(
                f'    <label><input type="checkbox" name="{name}" value="1"{required}> {label}</label>'
            )
        else:
            star = " *" if widget["required"] else ""
            lines.append(f'    <label for="lumen-{name}">{label}{star}</label><br>')
            if widget["kind"] == "textarea":
                lines.append(f'    <textarea id="lumen-{name}" name="{name}" rows="4"{required}></textarea>')
            elif widget["kind"] == "list":
                lines.append(f'    <select id="lumen-{name}" name="{name}"{required}>')
                lines.append('      <option value="">—</option>')
                lines += [f"      <option>{escape(choice)}</option>" for choice in widget["choices"]]
                lines.append("    </select>")
            else:
                kind = widget["input_type"]
                lines.append(f'    <input id="lumen-{name}" type="{kind}" name="{name}"{required}>')
        lines.append("  </p>")
    lines.append(
        f'  <p class="lumen-hp" aria-hidden="true"><input type="text" name="{HONEYPOT}" tabindex="-1" '
        'autocomplete="off"></p>'
    )
    send = escape(_("Send"))
    lines.append(f'  <p><button type="submit">{send}</button></p>')
    lines.append("</form>")
    return "\n".join(lines)


__all__ = [
    "HONEYPOT",
    "embed_html",
    "FieldRowFormSet",
    "WebFormForm",
    "fields_formset",
    "public_widget",
    "style",
]
