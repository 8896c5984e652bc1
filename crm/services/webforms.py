"""Web forms: the CRM administrator builds them; a visitor's submission makes a lead (or, through the lead's
conversion, a contact, company and deal).

A submission is refused before anything is read when its address sent too many in the last ten minutes
(`TooManySubmissions`); a filled honeypot field makes a "spam" submission that creates no record; invalid
input raises `Invalid` and stores nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from djmoney.money import Money

from portal.core.audit import audit_record, diff, snapshot
from portal.core.errors import DomainError, Invalid, NotFound

from .. import rights
from ..choices import CommunicationKind, Entity, LeadSource
from ..models import CustomField, Pipeline, WebForm, WebFormSubmission
from .communications import normalize
from .conversions import lead_convert
from .leads import UTM_KEYS, check_responsible, default_title, lead_create

# The field a person never sees (hidden by a CSS class) and a robot fills in.
HONEYPOT = "website_url"
RATE_WINDOW = timedelta(minutes=10)
# Where a form field's value goes: the lead's (or the deal's contact's) fields, or a custom field.
TARGETS = {
    "title": gettext_lazy("Title"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company_name": gettext_lazy("Company name"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "comment": gettext_lazy("Comment"),
    "amount": gettext_lazy("Amount"),
}
FIELD_TYPES = {
    "text": gettext_lazy("Text"),
    "textarea": gettext_lazy("Long text"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
    "number": gettext_lazy("Number"),
    "list": gettext_lazy("List"),
    "checkbox": gettext_lazy("Checkbox"),
}
RESERVED = {HONEYPOT, *UTM_KEYS, "csrfmiddlewaretoken"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_FIELD_LIMIT = 30
_VALUE_LIMIT = 5000
EDITABLE = (
    "name",
    "target",
    "fields",
    "title",
    "thank_you",
    "redirect_url",
    "pipeline",
    "responsible",
    "is_active",
)


class TooManySubmissions(DomainError):
    """The address sent as many submissions as the rate allows in the last ten minutes."""

    code = "rate_limited"


def address_hash(address: str | None) -> str:
    """A keyed hash of the client's address: submissions are counted per address without storing it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, (address or "unknown").encode(), hashlib.sha256).hexdigest()


# --- building forms (CRM administrators) --------------------------------------------------------------------


def custom_targets(entity: str) -> dict[str, str]:
    """{"custom:<key>": label} of the active custom fields of `entity`."""
    rows = CustomField.objects.filter(entity=entity, is_active=True).order_by("sort", "id")
    return {f"custom:{key}": label for key, label in rows.values_list("key", "label")}


def clean_fields(fields, *, target: str) -> list[dict]:
    """The form's field list checked and in one shape; errors name the row (`fields-<n>`)."""
    if not isinstance(fields, list | tuple):
        raise Invalid(fields={"fields": [_("The fields must be a list.")]})
    errors: dict = {}
    allowed = {**TARGETS, **custom_targets(Entity.DEAL if target == Entity.DEAL else Entity.LEAD)}
    cleaned, names = [], set()
    for index, row in enumerate(fields):
        key = f"fields-{index}"
        if not isinstance(row, dict):
            errors.setdefault(key, []).append(_("Each field must be an object."))
            continue
        name = str(row.get("name") or "").strip()
        label = str(row.get("label") or "").strip()[:200]
        kind = str(row.get("type") or "text")
        mapped = str(row.get("target") or "")
        choices = row.get("choices") or []
        if isinstance(choices, str):
            choices = [line for line in choices.splitlines()]
        choices = [str(c).strip()[:200] for c in choices if str(c).strip()]
        if not _NAME.match(name) or name in RESERVED:
            errors.setdefault(key, []).append(
                _("“%(name)s” cannot be a field name: use small Latin letters, digits and _.")
                % {"name": name}
            )
        elif name in names:
            errors.setdefault(key, []).append(_("Two fields are named “%(name)s”.") % {"name": name})
        names.add(name)
        if not label:
            errors.setdefault(key, []).append(_("Give the field a label."))
        if kind not in FIELD_TYPES:
            errors.setdefault(key, []).append(_("Choose the field's type."))
        if mapped and mapped not in allowed:
            errors.setdefault(key, []).append(_("Choose where the value goes."))
        if kind == "list" and not choices:
            errors.setdefault(key, []).append(_("A list needs its values, one per line."))
        cleaned.append(
            {
                "name": name,
                "label": label,
                "target": mapped,
                "type": kind,
                "required": bool(row.get("required")),
                "choices": choices if kind == "list" else [],
            }
        )
    if not cleaned and not errors:
        errors["fields"] = [_("Add at least one field.")]
    if len(cleaned) > _FIELD_LIMIT:
        errors["fields"] = [_("At most %(limit)s fields.") % {"limit": _FIELD_LIMIT}]
    if errors:
        raise Invalid(fields=errors)
    return cleaned


def _clean(actor, values: dict) -> dict:
    errors: dict = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = [_("Give the form a name.")]
    target = values.get("target", Entity.LEAD)
    if target not in (Entity.LEAD, Entity.DEAL):
        errors["target"] = [_("A form makes a lead or a deal.")]
    url = (values.get("redirect_url") or "").strip()
    if "redirect_url" in values:
        values["redirect_url"] = url
        if url and urlsplit(url).scheme not in ("http", "https"):
            errors["redirect_url"] = [_("Enter an http or https address.")]
    pipeline = values.get("pipeline")
    if pipeline is not None and not (isinstance(pipeline, Pipeline) and pipeline.is_active):
        errors["pipeline"] = [_("Choose an active pipeline.")]
    if values.get("responsible") is not None:
        check_responsible(actor, values["responsible"], entity=Entity.LEAD, action="add", errors=errors)
    if "fields" in values:
        try:
            values["fields"] = clean_fields(values["fields"], target=target)
        except Invalid as exc:
            errors.update(exc.fields)
    if errors:
        raise Invalid(fields=errors)
    return values


@transaction.atomic
def webform_create(
    *,
    actor,
    name: str,
    fields: list[dict],
    target: str = Entity.LEAD,
    title: str = "",
    thank_you: str = "",
    redirect_url: str = "",
    pipeline: Pipeline | None = None,
    responsible=None,
    is_active: bool = True,
) -> WebForm:
    """A new web form (CRM administrators only)."""
    rights.require_crm_admin(actor)
    values = _clean(
        actor,
        {
            "name": name,
            "target": target,
            "fields": fields,
            "title": (title or "").strip(),
            "thank_you": (thank_you or "").strip(),
            "redirect_url": redirect_url,
            "pipeline": pipeline,
            "responsible": responsible,
            "is_active": bool(is_active),
        },
    )
    form = WebForm.objects.create(**values)
    audit_record(
        actor=actor, action="crm.webform.create", target=form, changes=snapshot(form, ["name", "target"])
    )
    return form


@transaction.atomic
def webform_update(*, actor, form: WebForm, **changes) -> WebForm:
    """Change a web form (any of `EDITABLE`)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"webform_update() got unexpected fields: {sorted(unknown)}")
    rights.require_crm_admin(actor)
    changes.setdefault("target", form.target)
    values = _clean(actor, dict(changes))
    before = snapshot(form, list(EDITABLE))
    for name, value in values.items():
        setattr(form, name, value)
    form.save(update_fields=[*values, "updated_at"])
    changed = diff(before, snapshot(form, list(EDITABLE)))
    if changed:
        audit_record(actor=actor, action="crm.webform.update", target=form, changes=changed)
    return form


@transaction.atomic
def webform_delete(*, actor, form: WebForm) -> None:
    """Delete a web form; the leads it made stay."""
    rights.require_crm_admin(actor)
    audit_record(actor=actor, action="crm.webform.delete", target=form, changes=snapshot(form, ["name"]))
    form.delete()


# --- submissions (anonymous visitors) -----------------------------------------------------------------------


def webform_validate(form: WebForm, data) -> dict:
    """{field name: value} of a submission, checked against the form's fields; `Invalid` names each field.
    `data` is a mapping of posted strings (a QueryDict or a dict)."""
    values, errors = {}, {}
    region = None
    for field in form.fields:
        name, kind = field["name"], field.get("type", "text")
        raw = data.get(name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        if kind == "checkbox":
            value = raw not in (None, "", "0", "off", "false", False)
            if field.get("required") and not value:
                errors[name] = [_("Tick this box to send the form.")]
            values[name] = value
            continue
        raw = str(raw or "")
        if not raw:
            if field.get("required"):
                errors[name] = [_("Fill in this field.")]
            continue
        if len(raw) > _VALUE_LIMIT:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": _VALUE_LIMIT}]
            continue
        is_email = kind == "email" or field.get("target") == "email"
        is_phone = kind == "phone" or field.get("target") == "phone"
        if is_email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", raw):
            errors[name] = [_("Enter an e-mail address.")]
        elif is_phone:
            if region is None:
                from ..models import CrmSettings

                region = CrmSettings.current().default_region
            if not normalize(CommunicationKind.PHONE, raw, region=region)[0]:
                errors[name] = [_("Enter a phone number.")]
        elif kind == "number" or field.get("target") == "amount":
            try:
                number = Decimal(raw.replace(" ", "").replace(",", "."))
                if not number.is_finite() or number < 0 or number >= Decimal("1e14"):
                    raise InvalidOperation
                raw = str(number)
            except InvalidOperation:
                errors[name] = [_("Enter a number.")]
        elif kind == "list" and raw not in field.get("choices", []):
            errors[name] = [_("Choose one of the values.")]
        values[name] = raw
    if errors:
        raise Invalid(fields=errors)
    return values


def _lead_values(form: WebForm, values: dict) -> dict:
    """The lead's arguments from the checked values: mapped fields, the rest written into the comment."""
    lead: dict = {"communications": [], "custom": {}}
    notes = []
    for field in form.fields:
        name, target = field["name"], field.get("target") or ""
        if name not in values or values[name] in ("", None):
            continue
        value = values[name]
        if target == "phone":
            lead["communications"].append({"kind": CommunicationKind.PHONE, "type": "work", "value": value})
        elif target == "email":
            lead["communications"].append({"kind": CommunicationKind.EMAIL, "type": "work", "value": value})
        elif target == "amount":
            lead["amount"] = Money(Decimal(value), settings.DEFAULT_CURRENCY)
        elif target.startswith("custom:"):
            lead["custom"][target.removeprefix("custom:")] = value
        elif target == "comment":
            notes.insert(0, str(value))
        elif target in TARGETS:
            lead[target] = str(value)
        else:
            shown = _("yes") if value is True else value
            notes.append(f"{field['label']}: {shown}")
    lead["comment"] = "\n".join(notes)
    return lead


@transaction.atomic
def webform_submit(*, form: WebForm, data, utm: dict | None = None, address: str = "") -> WebFormSubmission:
    """Take a visitor's submission: the rate limit, the honeypot, the checks, then the lead (or the deal).

    `address` is the client's address hash (`address_hash`). Raises `NotFound` for an inactive form,
    `TooManySubmissions` past the rate, `Invalid` for bad input (nothing stored)."""
    # Lock the form: the rate count and the submission counter stay right under concurrent posts.
    form = WebForm.objects.select_for_update().filter(pk=form.pk, is_active=True).first()
    if form is None:
        raise NotFound()
    since = timezone.now() - RATE_WINDOW
    sent = WebFormSubmission.objects.filter(address_hash=address, created_at__gte=since).count()
    if sent >= settings.LUMEN_CRM_WEBFORM_RATE:
        raise TooManySubmissions(_("Too many submissions from your address. Try again in a few minutes."))
    if str(data.get(HONEYPOT) or "").strip():
        return WebFormSubmission.objects.create(form=form, address_hash=address, is_spam=True)
    values = webform_validate(form, data)
    lead_args = _lead_values(form, values)
    lead = lead_create(
        actor=None,
        source=LeadSource.WEB_FORM,
        source_detail=form.name,
        utm=utm or {},
        responsible=form.responsible,
        title=lead_args.pop("title", "")
        or default_title(lead_args, lead_args["communications"])
        or _("Web form: %(name)s") % {"name": form.name},
        **lead_args,
    )
    deal = None
    if form.target == Entity.DEAL:
        has_person = bool(lead.first_name or lead.last_name or lead_args["communications"])
        deal = lead_convert(
            actor=None,
            lead=lead,
            make_contact=has_person,
            make_company=bool(lead.company_name),
            make_deal=True,
            pipeline=form.pipeline,
        ).deal
    WebForm.objects.filter(pk=form.pk).update(submissions_count=F("submissions_count") + 1)
    return WebFormSubmission.objects.create(
        form=form,
        address_hash=address,
        data={k: v for k, v in values.items()},
        lead=lead,
        deal=deal,
    )
