"""CRM API: a record's custom field values (`custom`), checked against the CRM administrator's definitions.

The API takes `custom` as a JSON object {key: value}; `crm.services.fields.custom_validate` turns the values
of the active fields into their stored shapes and drops the keys of no active field, so that nothing the
database cannot hold (a NUL character, a stray surrogate, a number beyond its range) gets as far as a write.
"""

from __future__ import annotations

from rest_framework import serializers

from portal.core.errors import Invalid

from ..services.fields import custom_validate


class CustomValuesField(serializers.DictField):
    """`custom` of a record of `entity`: the values of its active custom fields. A partial update does not
    ask for the required fields it leaves out; a bad value answers 400 with a message per field key."""

    def __init__(self, *, entity: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", "Custom field values by field key; keys of no active field are dropped."
        )
        super().__init__(**kwargs)
        self.entity = entity

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        partial = bool(getattr(self.root, "partial", False))
        try:
            return custom_validate(self.entity, values, partial=partial)
        except Invalid as exc:
            raise serializers.ValidationError(
                {key.removeprefix("cf_"): messages for key, messages in exc.fields.items()}
            ) from None
