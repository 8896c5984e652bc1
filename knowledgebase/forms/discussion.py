"""Forms of the discussion: a comment (or a reply), and the reason of a rejection."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..services.discussion import COMMENT_MAX


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(
            attrs={
                "class": "form-control form-control-sm",
                "rows": 2,
                "placeholder": _("Write a comment… Mention a colleague with @"),
                "data-mention-target": "1",
            }
        ),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput(attrs={"data-parent-input": "1"}))


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the author reads it)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
