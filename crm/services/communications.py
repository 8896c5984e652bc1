"""Phones, e-mails, messengers, websites and addresses of a record, normalised as they are saved."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.core.errors import Invalid

from ..choices import CommunicationKind
from ..models import Communication, CrmSettings


def normalize(kind: str, value: str, *, region: str | None = None) -> tuple[str, str]:
    """(normalized, tail) of a value: phones in E.164 and their last ten digits, e-mails lowercased."""
    value = (value or "").strip()
    if kind == CommunicationKind.PHONE:
        from ..phones import normalize_phone, phone_tail

        e164 = normalize_phone(value, region or CrmSettings.current().default_region)
        return e164, phone_tail(e164) if e164 else ""
    if kind == CommunicationKind.EMAIL:
        return value.lower(), ""
    return value[:255], ""


@transaction.atomic
def communications_set(*, record, items: list[dict], region: str | None = None) -> list[Communication]:
    """Replace a record's communications with `items` ([{"kind", "type", "value"}, ...]; empty values are
    dropped). A phone that is not a possible number or an e-mail without "@" is refused, naming the row."""
    owner = {type(record).__name__.lower(): record}
    region = region or CrmSettings.current().default_region
    rows, errors = [], {}
    for index, item in enumerate(items):
        kind, value = item.get("kind"), (item.get("value") or "").strip()
        if not value:
            continue
        if kind not in CommunicationKind.values:
            errors[f"communications-{index}"] = [_("Unknown kind of contact detail.")]
            continue
        normalized, tail = normalize(kind, value, region=region)
        if kind == CommunicationKind.PHONE and not normalized:
            errors[f"communications-{index}"] = [_("“%(value)s” is not a phone number.") % {"value": value}]
            continue
        if kind == CommunicationKind.EMAIL and "@" not in value:
            errors[f"communications-{index}"] = [
                _("“%(value)s” is not an e-mail address.") % {"value": value}
            ]
            continue
        rows.append(
            Communication(
                kind=kind,
                type=item.get("type") or "work",
                value=value[:500],
                normalized=normalized,
                tail=tail,
                sort=index,
                **owner,
            )
        )
    if errors:
        raise Invalid(fields=errors)
    Communication.objects.filter(**owner).delete()
    return Communication.objects.bulk_create(rows)
