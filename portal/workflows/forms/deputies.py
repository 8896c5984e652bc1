"""The deputy form: who acts for me (or, for an admin, for whom) and when."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.permissions import is_portal_admin
from portal.core.widgets import bind_pickers

from .absences import DATE_WIDGET, bootstrap, person_field


class DeputyForm(forms.Form):
    user = person_field(_("Whose deputy"))
    deputy = person_field(_("Deputy"))
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("To"), widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if is_portal_admin(user):
            self.fields["user"].required = False
            self.fields["user"].help_text = _("Empty: yours.")
        else:
            self.fields.pop("user")  # a person sets their own deputies
        bind_pickers(self, user)
        bootstrap(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
            self.add_error("end", _("The last day cannot be before the first."))
        return data
