"""Forms of the chat pages: they validate input and call services; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.widgets import ChipPicker, bind_pickers

from . import services


class ServiceFormMixin:
    """Runs a service and turns its ValidationError into field-by-field form errors."""

    def run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


class MessageForm(ServiceFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "class": "form-control",
                "rows": 2,
                "placeholder": _("Write a message… (@name to mention)"),
            }
        ),
    )
    attachment = forms.FileField(
        label=_("File"), required=False, widget=forms.ClearableFileInput(attrs={"class": "form-control"})
    )

    def send(self, *, actor, chat):
        return self.run(
            services.message_send,
            actor=actor,
            chat=chat,
            body=self.cleaned_data.get("body") or "",
            attachment=self.cleaned_data.get("attachment"),
        )


class MessageEditForm(ServiceFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2})
    )

    def save(self, *, actor, message):
        return self.run(services.message_edit, actor=actor, message=message, body=self.cleaned_data["body"])


class PersonChoiceForm(ServiceFormMixin, forms.Form):
    """One colleague, by id (the person picker posts it)."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.visible_to(actor).filter(is_active=True)


class MemberAddForm(ServiceFormMixin, forms.Form):
    """Colleagues to add to a group chat, chosen as chips (the "people" lookup). Posted as `user`, once per
    person; the service checks each of them."""

    user = forms.ModelMultipleChoiceField(
        label=_("Add someone"),
        queryset=None,
        widget=ChipPicker(sources=["people"], placeholder=_("Type a name…")),
        error_messages={"required": _("Choose at least one colleague.")},
    )

    def __init__(self, *args, actor, **kwargs):
        kwargs.setdefault("auto_id", "chat-member-%s")
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.visible_to(actor).filter(is_active=True)
        bind_pickers(self, actor)

    def save(self, *, actor, chat) -> bool:
        """All of them or, when the service refuses one, none (its reason becomes the form's error)."""

        def add_all():
            with transaction.atomic():
                for person in self.cleaned_data["user"]:
                    services.chat_member_add(actor=actor, chat=chat, user=person)
            return True

        return bool(self.run(add_all))


class GroupChatForm(ServiceFormMixin, forms.Form):
    title = forms.CharField(
        label=pgettext_lazy("title of a thing", "Name"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "autofocus": True}),
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], placeholder=_("Type a colleague's name…")),
        help_text=_("You can add more people later."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = (
            get_user_model()
            .objects.visible_to(actor)
            .filter(is_active=True)
            .exclude(pk=actor.pk)
            .order_by("first_name", "last_name")
        )
        bind_pickers(self, actor)

    def save(self, *, actor):
        return self.run(
            services.chat_group_create,
            actor=actor,
            title=self.cleaned_data["title"],
            members=list(self.cleaned_data.get("members") or []),
        )
