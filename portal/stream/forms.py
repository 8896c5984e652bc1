"""Forms of the stream pages: they read input and call services; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from . import services


class ServiceFormMixin:
    """Runs a service and turns its ValidationError into field-by-field form errors."""

    error_fields: dict[str, str | None] = {}

    def run(self, service, **kwargs):
        try:
            return service(**kwargs)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    target = self.error_fields.get(name, name)
                    self.add_error(target if target in self.fields else None, errors)
            else:
                self.add_error(None, exc)
            return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input; each is checked by the service (type and size, with Pillow)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        return [single(item, initial) for item in items if item]


def _department_label(department) -> str:
    return "— " * (department.depth - 1) + department.name


def _textarea(rows: int, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": rows, **attrs})


class PostForm(ServiceFormMixin, forms.Form):
    """The composer: text, audience, importance, and a poll or photos."""

    error_fields = {"audience": "audience"}

    # One "To:" picker for the whole audience; each chip posts into the field of its kind (everyone,
    # departments, groups, users), which validate as before.
    AUDIENCE_NAMES = {
        "everyone": "everyone",
        "departments": "departments",
        "groups": "groups",
        "people": "users",
    }

    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=services.BODY_MAX,
        widget=_textarea(
            3, placeholder=_("Share news with your colleagues…"), **{"data-mention-target": "1"}
        ),
    )
    audience = forms.Field(
        label=_("To"),
        required=False,
        initial=[("everyone", "1")],
        widget=ChipPicker(
            sources=list(AUDIENCE_NAMES),
            names=AUDIENCE_NAMES,
            placeholder=_("Everyone, a department, a group or a colleague…"),
        ),
    )
    everyone = forms.BooleanField(label=_("Everyone"), required=False, widget=forms.HiddenInput)
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    users = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=None, required=False, widget=forms.MultipleHiddenInput
    )
    is_important = forms.BooleanField(
        label=_("Important: pin it until each reader confirms"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    attach = forms.ChoiceField(
        label=_("Attach"),
        required=False,
        choices=[("", _("Nothing")), ("poll", _("A poll")), ("photos", _("Photos"))],
        widget=forms.RadioSelect,
    )
    poll_question = forms.CharField(
        label=_("Question"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    poll_options = forms.CharField(label=_("Answers, one per line"), required=False, widget=_textarea(3))
    poll_multiple = forms.BooleanField(
        label=_("Several answers allowed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    poll_anonymous = forms.BooleanField(
        label=_("Anonymous voting"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    poll_closes_at = forms.DateTimeField(
        label=_("Closes"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"class": "form-control", "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    album_title = forms.CharField(
        label=_("Album title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    photos = MultipleImageField(label=_("Photos"))

    def __init__(self, *args, user, addressable=None, **kwargs):
        """`addressable` is accepted for the pages that have the user's groups at hand; the picker asks the
        lookup endpoint instead (any group the user may see is a valid value: the service explains why
        one is refused)."""
        from portal.groups.models import Workgroup
        from portal.people.models import Department, User

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["departments"].queryset = Department.objects.visible_to(user).order_by("path")
        self.fields["departments"].label_from_instance = _department_label
        self.fields["groups"].queryset = Workgroup.objects.visible_to(user)
        self.fields["users"].queryset = User.objects.filter(is_active=True)
        bind_pickers(self, user)

    # Inputs whose markup is the same for everybody in an empty composer (the department and group lists
    # are the reader's own): rendered once per language and process, not through the widget templates on
    # every feed page.
    SHARED_INPUTS = (
        "body",
        "is_important",
        "poll_question",
        "poll_options",
        "poll_closes_at",
        "poll_multiple",
        "poll_anonymous",
        "album_title",
        "photos",
    )
    _shared_html: dict = {}

    @cached_property
    def inputs(self) -> dict[str, str]:
        """`{{ form.inputs.body }}`: the rendered input of a field (of an empty form, from the cache)."""
        if self.is_bound or self.initial or self.prefix:
            return {name: str(self[name]) for name in self.SHARED_INPUTS}
        key = (get_language(), self.auto_id)
        html = self._shared_html.get(key)
        if html is None:
            html = self._shared_html[key] = {name: str(self[name]) for name in self.SHARED_INPUTS}
        return html

    def save(self, *, actor):
        data = self.cleaned_data
        audience = services.Audience(
            everyone=bool(data.get("everyone")),
            departments=list(data.get("departments") or []),
            groups=list(data.get("groups") or []),
            users=list(data.get("users") or []),
        )
        attach = data.get("attach") or ""
        if not attach:  # a filled-in poll or chosen photos say what is attached
            attach = "poll" if data.get("poll_question") else ("photos" if data.get("photos") else "")
        poll = None
        if attach == "poll":
            poll = services.PollSpec(
                question=data.get("poll_question") or "",
                options=(data.get("poll_options") or "").splitlines(),
                multiple=bool(data.get("poll_multiple")),
                anonymous=bool(data.get("poll_anonymous")),
                closes_at=data.get("poll_closes_at"),
            )
        return self.run(
            services.post_create,
            actor=actor,
            body=data.get("body") or "",
            audience=audience,
            is_important=bool(data.get("is_important")),
            poll=poll,
            photos=(data.get("photos") or None) if attach == "photos" else None,
            album_title=data.get("album_title") or "",
        )


class PostEditForm(ServiceFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Message"), required=False, widget=_textarea(6, **{"data-mention-target": "1"})
    )
    is_important = forms.BooleanField(
        label=_("Important"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def save(self, *, actor, entry):
        return self.run(
            services.post_update,
            actor=actor,
            entry=entry,
            body=self.cleaned_data.get("body") or "",
            is_important=bool(self.cleaned_data.get("is_important")),
        )


class CommentForm(ServiceFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=services.COMMENT_MAX,
        widget=_textarea(2, placeholder=_("Write a comment…"), **{"data-mention-target": "1"}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def save(self, *, actor, entry, photo=None):
        from .models import Comment

        parent = None
        parent_id = self.cleaned_data.get("parent")
        if parent_id:
            parent = Comment.objects.filter(pk=parent_id, entry=entry).first()
            if parent is None:
                self.add_error(None, _("The comment you reply to is gone."))
                return None
        return self.run(
            services.comment_create,
            actor=actor,
            entry=entry,
            body=self.cleaned_data.get("body") or "",
            parent=parent,
            photo=photo,
        )


class CommentEditForm(ServiceFormMixin, forms.Form):
    body = forms.CharField(label=_("Comment"), required=False, widget=_textarea(3))

    def save(self, *, actor, comment):
        return self.run(
            services.comment_update, actor=actor, comment=comment, body=self.cleaned_data.get("body") or ""
        )


class PhotosForm(ServiceFormMixin, forms.Form):
    photos = MultipleImageField(label=_("Photos"))

    def save(self, *, actor, album):
        return self.run(
            services.album_photos_add,
            actor=actor,
            entry=album.entry,
            files=self.cleaned_data.get("photos") or [],
        )
