"""The page forms: the editor (title, text, tags, responsible editor, review date, language; the revision it is
based on travels with it), the move form (the fallback of dragging in the tree), files and the import."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.core.widgets import ChipPicker, bind_pickers

from ..choices import PageLanguage
from ..models import Page
from ..page_templates import PAGE_TEMPLATES
from .spaces import style


class PageForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace kb-editor-text"}),
        help_text=_(
            "Markdown: **bold**, *italic*, # headings, - lists, tables. Link a page of this space with [[Its title]]."
        ),
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    responsible = forms.ModelChoiceField(
        label=_("Responsible editor"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("The space's, unless named…")),
    )
    review_by = forms.DateField(
        label=_("Review by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(label=_("Language"), choices=PageLanguage.choices)
    comment = forms.CharField(label=_("What changed"), required=False, max_length=255)
    minor = forms.BooleanField(
        label=_("Minor edit"),
        required=False,
        help_text=_("A typo or a format fix: nobody is asked to read the page again."),
    )
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, page: Page | None = None, **kwargs):
        if page is not None:
            initial = {
                "title": page.title,
                "body": page.body,
                "tags": ", ".join(t.name for t in page.tags.all()),
                "responsible": page.responsible_id,
                "review_by": page.review_by,
                "language": page.language,
                "base_revision": page.revision,
            }
            kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.page = page
        self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)
        style(self)
        bind_pickers(self, user)


class PageCreateForm(PageForm):
    parent = forms.TypedChoiceField(label=_("Under"), coerce=int, required=False, empty_value=None)
    publish = forms.BooleanField(label=_("Publish now"), required=False, initial=True)

    def __init__(self, *args, tree: list, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["minor"]
        del self.fields["base_revision"]
        self.fields["parent"].choices = [("", _("— top level —"))] + [
            (node.id, "\u2003" * node.depth + node.title) for node in tree
        ]
        self.fields["parent"].widget.attrs["class"] = "form-select"
        self.fields["publish"].widget.attrs["class"] = "form-check-input"


class PageMoveForm(forms.Form):
    parent = forms.TypedChoiceField(label=_("Move under"), coerce=int, required=False, empty_value=None)
    position = forms.IntegerField(label=_("Position among its new siblings"), min_value=0, required=False)

    def __init__(self, *args, tree: list, page: Page, **kwargs):
        super().__init__(*args, **kwargs)
        # The page and its sub-tree are no place to move it to.
        excluded, skipping_depth = set(), None
        choices = [("", _("— top level —"))]
        for node in tree:
            if skipping_depth is not None and node.depth > skipping_depth:
                excluded.add(node.id)
                continue
            skipping_depth = None
            if node.id == page.pk:
                skipping_depth = node.depth
                continue
            choices.append((node.id, "\u2003" * node.depth + node.title))
        self.fields["parent"].choices = choices
        style(self)


class FileForm(forms.Form):
    file = forms.FileField(label=_("File or picture"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("A Markdown file (.md) or a .zip of a folder of them"),
        help_text=_("Folders become parent pages; each file's first heading, else its name, is the title."),
    )
    parent = forms.TypedChoiceField(label=_("Under"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, tree: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— top level —"))] + [
            (node.id, "\u2003" * node.depth + node.title) for node in tree
        ]
        style(self)


TEMPLATE_CHOICES = [("", _("Empty page"))] + [(t.key, t.label) for t in PAGE_TEMPLATES]
