"""Forms of familiarisation: start a campaign (pages of one space, the audience through core's picker, the
deadline, an optional question) and confirm a page read (answering the campaigns' questions)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import PageStatus
from ..models.pages import Page
from ..services.familiarisation import QUESTION_OPTIONS_MAX


def _page_label(page: Page) -> str:
    return page.title


class CampaignForm(forms.Form):
    """The campaign of one space; `run` hands the cleaned data to `campaign_create`."""

    AUDIENCE_NAMES = {"departments": "departments", "groups": "groups", "people": "people"}

    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    pages = forms.ModelMultipleChoiceField(
        label=_("Pages"),
        queryset=Page.objects.none(),
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
    )
    subtree = forms.BooleanField(
        label=_("With their sub-pages"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    audience = forms.Field(
        label=_("Who reads"),
        required=False,
        widget=ChipPicker(
            sources=list(AUDIENCE_NAMES),
            names=AUDIENCE_NAMES,
            placeholder=_("A department, a group or a colleague…"),
        ),
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    people = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    newcomers = forms.BooleanField(
        label=_("Every newcomer too (people who join the company later)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    question = forms.CharField(
        label=_("A question to answer (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    options = forms.CharField(
        label=_("Answers, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    answer = forms.IntegerField(
        label=_("Number of the right answer"),
        required=False,
        min_value=1,
        max_value=QUESTION_OPTIONS_MAX,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user, space, **kwargs):
        from django.contrib.auth import get_user_model

        from portal.groups.models import Workgroup
        from portal.people.models import Department

        kwargs.setdefault("initial", {}).setdefault(
            "deadline", timezone.localdate() + datetime.timedelta(days=7)
        )
        super().__init__(*args, **kwargs)
        self.user, self.space = user, space
        self.fields["pages"].queryset = (
            Page.objects.visible_to(user)
            .filter(space=space, status=PageStatus.PUBLISHED)
            .order_by("parent_id", "position", "id")
        )
        self.fields["pages"].label_from_instance = _page_label
        self.fields["departments"].queryset = Department.objects.visible_to(user).order_by("path")
        self.fields["groups"].queryset = Workgroup.objects.visible_to(user)
        self.fields["people"].queryset = get_user_model().objects.filter(is_active=True)
        bind_pickers(self, user)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        answer = data.get("answer")
        return {
            "space": self.space,
            "title": data["title"],
            "pages": list(data["pages"]),
            "subtree": bool(data.get("subtree")),
            "departments": list(data.get("departments") or []),
            "groups": list(data.get("groups") or []),
            "people": list(data.get("people") or []),
            "newcomers": bool(data.get("newcomers")),
            "deadline": data["deadline"],
            "message": data.get("message") or "",
            "question": data.get("question") or "",
            "options": (data.get("options") or "").splitlines(),
            "answer": answer - 1 if answer else None,
        }


def confirm_answers(data) -> dict[int, int]:
    """{campaign id: chosen answer} from the confirm form's `answer_<campaign id>` fields."""
    answers = {}
    for key, value in data.items():
        if key.startswith("answer_") and key[7:].isdecimal() and str(value).isdecimal():
            answers[int(key[7:])] = int(value)
    return answers
