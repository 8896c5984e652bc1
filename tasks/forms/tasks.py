"""Tasks: the forms of a task: create/edit (with the rules fields), bulk changes, the responsible filter, the
blocks of the task page (title, description, status action, people, dates, tags, rules, estimate), and the
prefill of a task made from a work report line.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from portal.core.errors import NotFound
from portal.core.widgets import ChipPicker, QuickDateTimeInput, bind_pickers

from .. import selectors, services
from ..choices import (
    DependantsPolicy,
    MemberRole,
    OpenSubtasksPolicy,
    TaskPriority,
    TaskStatus,
)
from ..models import Tag, Task
from .fields import (
    MAX_ESTIMATE_HOURS,
    IdListField,
    PeopleFieldsMixin,
    ServiceErrorsMixin,
    _datetime_field,
    _HoursMinutesForm,
    _lines,
    _people,
    _person_label,
    _small_datetime_field,
    _split_names,
    _to_minute,
    group_choices,
    people_choices,
    people_picker_field,
    person_picker_field,
)


def _quick_datetime_field(label):
    """A date-time field of the task form, with quick dates (today, tomorrow, end of week...) beside it."""
    field = _datetime_field(label)
    field.widget = QuickDateTimeInput(attrs={"class": "form-control"})
    return field


class TagNamesField(forms.Field):
    """Tag names, from the picker's chips (one value each) or typed as comma-separated text: each name once,
    blanks dropped, at most the length a tag name may have."""

    def to_python(self, value) -> list[str]:
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return _split_names(",".join(str(v) for v in values))

    def validate(self, value) -> None:
        super().validate(value)
        if any(len(name) > Tag._meta.get_field("name").max_length for name in value):
            raise ValidationError(_("A tag is at most 60 characters long."), code="max_length")

    def has_changed(self, initial, data) -> bool:
        before = [name.casefold() for name in self.to_python(initial)]
        return before != [name.casefold() for name in self.to_python(data)]


class TaskRulesFields(forms.Form):
    """The estimate and the creator's rules, shared by the task form and the template form."""

    time_estimate = forms.DecimalField(
        label=_("Time estimate, hours"),
        required=False,
        min_value=0,
        max_value=MAX_ESTIMATE_HOURS,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.25"}),
    )
    allow_change_deadline = forms.BooleanField(
        label=_("The responsible person may change the deadline"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    requires_control = forms.BooleanField(
        label=_("The task needs my approval when it is done"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    @staticmethod
    def estimate_hours(seconds: int | None) -> Decimal | None:
        """A stored estimate (seconds) as the form shows it (hours)."""
        if seconds is None:
            return None
        return (Decimal(seconds) / 3600).quantize(Decimal("0.01")).normalize()


class TaskForm(ServiceErrorsMixin, PeopleFieldsMixin, TaskRulesFields):
    """Create or edit a task. `task` given: edit (the checklist is then managed on the task page)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=250,
        widget=forms.TextInput(attrs={"class": "form-control", "autofocus": True}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        help_text=_("Markdown: **bold**, _italic_, lists, links."),
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 6}),
    )
    responsible = person_picker_field(_("Responsible person"))
    participants = people_picker_field(_("Participants"))
    observers = people_picker_field(_("Observers"))
    checklist_required = forms.BooleanField(
        label=_("The checklist must be complete before the task is completed"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    deadline = _quick_datetime_field(_("Deadline"))
    planned_start = _quick_datetime_field(_("Planned start"))
    planned_end = _quick_datetime_field(_("Planned end"))
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=TaskPriority.choices,
        initial=TaskPriority.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    group = forms.ModelChoiceField(
        label=_("Workgroup or project"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    parent = forms.IntegerField(
        label=_("Parent task"),
        required=False,
        min_value=1,
        help_text=_("The task this one belongs to: type a few words of its title or its number."),
        widget=ChipPicker(sources=["tasks"], multiple=False, placeholder=_("Find a task…")),
    )
    tags = TagNamesField(
        label=_("Tags"),
        required=False,
        help_text=_("Pick a tag or type a new one and press Enter."),
        widget=ChipPicker(sources=["tags"], create=True, placeholder=_("Add a tag…")),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        help_text=_("One item per line."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}),
    )
    deadline_in_work_hours = forms.BooleanField(
        label=_("Keep the deadline within the responsible person's working hours"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    dependants = forms.ChoiceField(
        label=_("When the dates move, linked tasks that follow"),
        choices=DependantsPolicy.choices,
        initial=DependantsPolicy.SHIFT,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    # Fields task_update takes; the others go through their own services.
    UPDATE_FIELDS = (
        "title",
        "description",
        "responsible",
        "priority",
        "group",
        "deadline",
        "planned_start",
        "planned_end",
        "allow_change_deadline",
        "requires_control",
        "checklist_required",
        "deadline_in_work_hours",
        "time_estimate",
    )

    def __init__(self, *args, user, task: Task | None = None, source=None, **kwargs):
        self.user = user
        self.task = task
        self.source = source
        self.current_members: dict[str, list[int]] = {}
        self.current_tags: list[Tag] = []
        if task is not None:
            kwargs["initial"] = {**self._initial_from(task), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        keep = []
        if task is not None:
            keep = [
                task.responsible_id,
                *self.current_members["participant"],
                *self.current_members["observer"],
            ]
            del self.fields["checklist"]
        else:
            del self.fields["dependants"]
            self.fields["responsible"].initial = user.pk
        self.setup_people(user, keep=keep)
        self.fields["group"].queryset = group_choices(
            user, keep=task.group if task and task.group_id else None
        )
        self.fields["group"].label_from_instance = lambda g: g.name
        self.parent_task: Task | None = None
        bind_pickers(self, user)

    def _initial_from(self, task: Task) -> dict:
        members = {MemberRole.PARTICIPANT: [], MemberRole.OBSERVER: []}
        for member in task.members.all():
            members.setdefault(member.role, []).append(member.user_id)
        self.current_members = {
            "participant": members[MemberRole.PARTICIPANT],
            "observer": members[MemberRole.OBSERVER],
        }
        # Only the tags the editor may see and use: someone else's personal tag is neither shown nor touched.
        self.current_tags = list(Tag.objects.visible_to(self.user).filter(task_tags__task=task))
        estimate = self.estimate_hours(task.time_estimate)
        return {
            "title": task.title,
            "description": task.description,
            "responsible": task.responsible_id,
            "participants": self.current_members["participant"],
            "observers": self.current_members["observer"],
            "deadline": _to_minute(task.deadline),
            "planned_start": _to_minute(task.planned_start),
            "planned_end": _to_minute(task.planned_end),
            "priority": task.priority,
            "group": task.group_id,
            "parent": task.parent_id,
            "tags": [tag.name for tag in self.current_tags],
            "time_estimate": estimate,
            "allow_change_deadline": task.allow_change_deadline,
            "requires_control": task.requires_control,
            "checklist_required": task.checklist_required,
            "deadline_in_work_hours": task.deadline_in_work_hours,
            "dependants": DependantsPolicy.SHIFT,
        }

    def clean_parent(self):
        pk = self.cleaned_data.get("parent")
        if not pk:
            return None
        if self.task is not None and pk == self.task.parent_id:
            self.parent_task = self.task.parent  # unchanged: no need to see it again
            return pk
        try:
            self.parent_task = selectors.task_get_plain(user=self.user, pk=pk)
        except NotFound:
            raise ValidationError(_("There is no task number %(pk)s you can see.") % {"pk": pk}) from None
        return pk

    def clean_checklist(self):
        return _lines(self.cleaned_data.get("checklist", ""))

    def clean_time_estimate(self):
        hours = self.cleaned_data.get("time_estimate")
        return None if hours is None else int(hours * 3600)

    def _resolve_tags(self, actor, names: list[str]) -> list[Tag]:
        """Tags already on the task keep their identity (a group's shared tag stays shared); new names become
        the actor's personal tags."""
        by_name = {tag.name.casefold(): tag for tag in self.current_tags}
        new = [name for name in names if name.casefold() not in by_name]
        created = {t.name.casefold(): t for t in services.tags_resolve(actor=actor, names=new)} if new else {}
        return [by_name.get(name.casefold()) or created[name.casefold()] for name in names]

    def save(self, *, actor) -> Task | None:
        if self.task is None:
            return self.run_atomic(lambda: self._extended(self._create(actor), actor))
        return self.run_atomic(lambda: self._extended(self._update(actor), actor))

    def _extended(self, task: Task, actor) -> Task:
        """Other apps' parts of the form (`registry.task_extensions`: the goal a task serves), saved with it."""
        from portal.core.registry import registry

        for extension in registry.task_extensions:
            if extension.form_saved is not None:
                extension.form_saved(actor=actor, task=task, data=self.data)
        return task

    def _create(self, actor) -> Task:
        data = self.cleaned_data
        return services.task_create(
            actor=actor,
            title=data["title"],
            responsible=data["responsible"],
            description=data["description"],
            participants=list(data["participants"]),
            observers=list(data["observers"]),
            deadline=data["deadline"],
            planned_start=data["planned_start"],
            planned_end=data["planned_end"],
            priority=data["priority"],
            group=data["group"],
            parent=self.parent_task,
            tags=self._resolve_tags(actor, data["tags"]),
            checklist=data["checklist"],
            allow_change_deadline=data["allow_change_deadline"],
            requires_control=data["requires_control"],
            checklist_required=data["checklist_required"],
            deadline_in_work_hours=data["deadline_in_work_hours"],
            time_estimate=data["time_estimate"],
            source=self.source,
        )

    def _update(self, actor) -> Task:
        data, changed, task = self.cleaned_data, set(self.changed_data), self.task
        fields = {name: data[name] for name in self.UPDATE_FIELDS if name in changed}
        if fields:
            services.task_update(
                actor=actor, task=task, dependants=data.get("dependants") or DependantsPolicy.SHIFT, **fields
            )
        if "parent" in changed:
            services.task_move(actor=actor, task=task, parent=self.parent_task)
        members = {}
        if "participants" in changed:
            members["participants"] = list(data["participants"])
        if "observers" in changed:
            members["observers"] = list(data["observers"])
        if members:
            services.task_set_members(actor=actor, task=task, **members)
        if "tags" in changed:
            services.task_set_tags(actor=actor, task=task, tags=self._resolve_tags(actor, data["tags"]))
        task.refresh_from_db()
        return task


def source_initial(source) -> dict:
    """Title and description of a task made from a chat message or a stream post: the first line becomes
    the title, the whole text is quoted in the description."""
    text = (getattr(source, "body", "") or "").strip() or str(source)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "") or str(source)
    author = getattr(source, "author", None)
    quote = "\n".join(f"> {line.rstrip()}" if line.strip() else ">" for line in text.splitlines())
    intro = _("%(name)s wrote:") % {"name": _person_label(author)} if author else ""
    description = f"{intro}\n\n{quote}" if intro else quote
    return {"title": first[:250], "description": description}


class TaskBulkForm(ServiceErrorsMixin, PeopleFieldsMixin, forms.Form):
    field_aliases = {"name": "tag_name", "names": "tag_name", "tags": "tag_name"}
    ACTION_CHOICES = [
        ("responsible", _("Change the responsible person")),
        ("deadline", _("Change the deadline")),
        ("status", _("Change the status")),
        ("add_tag", _("Add a tag")),
        ("remove_tag", _("Remove a tag")),
    ]
    MAX_TASKS = 500

    ids = IdListField(label=_("Tasks"), error_messages={"required": _("Choose at least one task.")})
    action = forms.ChoiceField(
        label=_("Action"),
        choices=ACTION_CHOICES,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Find a colleague…")),
    )
    deadline = _datetime_field(_("Deadline"), help_text=_("Leave empty to remove the deadline."))
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "—"), *TaskStatus.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    tag_name = forms.CharField(
        label=_("Tag"), required=False, max_length=60, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.setup_people(user)
        self.fields["tag"].queryset = selectors.tag_list(user=user)
        bind_pickers(self, user)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if len(data.get("ids") or []) > self.MAX_TASKS:
            self.add_error("ids", _("Choose at most %(n)d tasks at once.") % {"n": self.MAX_TASKS})
        if action == "responsible" and not data.get("responsible"):
            self.add_error("responsible", _("Choose the new responsible person."))
        if action == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        if action == "add_tag" and not " ".join((data.get("tag_name") or "").split()):
            self.add_error("tag_name", _("Name the tag to add."))
        if action == "remove_tag" and not data.get("tag"):
            self.add_error("tag", _("Choose the tag to remove."))
        return data

    def save(self, *, actor) -> services.BulkResult | None:
        data = self.cleaned_data
        ids = data["ids"]
        visible = list(selectors.task_list(user=actor, decorate=False).filter(pk__in=ids).order_by())
        found = {task.pk for task in visible}
        changes: dict = {}
        action = data["action"]

        def work():
            if action == "responsible":
                changes["responsible"] = data["responsible"]
            elif action == "deadline":
                changes["deadline"] = data["deadline"]
            elif action == "status":
                changes["status"] = data["status"]
            elif action == "add_tag":
                changes["add_tags"] = services.tags_resolve(actor=actor, names=[data["tag_name"]])
            elif action == "remove_tag":
                changes["remove_tags"] = [data["tag"]]
            return services.tasks_bulk_update(actor=actor, tasks=visible, **changes)

        result = self.run_atomic(work)
        if result is None:
            return None
        for pk in ids:
            if pk not in found:
                result.skipped[pk] = str(_("Not found."))
        return result


class ResponsibleFilterForm(forms.Form):
    """The list's "Responsible" filter as core's chip picker (no chip: anyone). It only shows the choice (the
    chip is labelled through the "people" lookup, which answers only whom the viewer may see); the FilterSet
    reads ?responsible= itself, so the form stays unbound (a bound one would validate the pk: one more query
    for nothing)."""

    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=None,
        required=False,
        widget=ChipPicker(sources=["people"], multiple=False, placeholder=_("Anyone")),
    )

    def __init__(self, params, *, user):
        super().__init__(initial={"responsible": params.get("responsible")}, auto_id="filter-%s")
        self.fields["responsible"].queryset = people_choices(user)
        bind_pickers(self, user)


# The status actions a button may post (the service decides which of them apply now).
STATUS_ACTIONS = ("accept", "start", "pause", "complete", "approve", "return", "defer", "decline", "renew")


class TitleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)


class DescriptionForm(forms.Form):
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


class ActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[(a, a) for a in STATUS_ACTIONS])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=10_000)
    open_subtasks = forms.ChoiceField(
        label=_("Open subtasks"), required=False, choices=[("", "")] + list(OpenSubtasksPolicy.choices)
    )
    confirm_checklist = forms.BooleanField(label=_("Complete with open checklist items"), required=False)


class PeopleForm(forms.Form):
    """The task page's people block: three chip pickers over the "people" lookup. `user` labels the chips
    (bind_pickers); the fields and the service still check every posted id."""

    responsible = person_picker_field(_("Responsible person"))
    participants = people_picker_field(_("Participants"))
    observers = people_picker_field(_("Observers"))

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("auto_id", "task-people-%s")  # the page has other forms with a "responsible"
        super().__init__(*args, **kwargs)
        for name in ("responsible", "participants", "observers"):
            self.fields[name].queryset = _people()
        bind_pickers(self, user)

    def clean(self):
        data = super().clean()
        participants = set(data.get("participants") or ())
        observers = set(data.get("observers") or ())
        both = participants & observers
        if both:
            names = ", ".join(sorted(str(p) for p in both))
            raise forms.ValidationError(
                _("A person is either a participant or an observer, not both: %(names)s.") % {"names": names}
            )
        return data


class DatesForm(forms.Form):
    deadline = _small_datetime_field(_("Deadline"))
    planned_start = _small_datetime_field(_("Planned start"))
    planned_end = _small_datetime_field(_("Planned end"))
    dependants = forms.ChoiceField(
        label=_("Dependent tasks"),
        choices=DependantsPolicy.choices,
        initial=DependantsPolicy.SHIFT,
        required=False,
    )


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=2000, help_text=_("Separate tags with commas.")
    )

    def names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return list(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))


class RulesForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices)
    allow_change_deadline = forms.BooleanField(
        label=_("Responsible person may change the deadline"), required=False
    )
    requires_control = forms.BooleanField(
        label=_("Task requires my control after completion"), required=False
    )
    checklist_required = forms.BooleanField(
        label=_("A complete checklist is required to complete the task"), required=False
    )
    deadline_in_work_hours = forms.BooleanField(label=_("Deadline from the working schedule"), required=False)


class EstimateForm(_HoursMinutesForm):
    def estimate(self) -> int | None:
        """Seconds, or None when both boxes are empty (no estimate)."""
        if self.cleaned_data.get("hours") is None and self.cleaned_data.get("minutes") is None:
            return None
        return self.seconds()


REPORT_PARTS = {"facts": gettext_lazy("What was done"), "plans": gettext_lazy("Plans")}


BULLET = re.compile(r"^(?:[-*•·–]|\d{1,3}[.)])\s+")


def report_line(report, *, part, line) -> str:
    """The text of line number `line` (from 1) of the report's `part` ("facts" or "plans"); 404 for another
    part, a line that is not there or an empty one."""
    if part not in REPORT_PARTS:
        raise Http404("No such part of the report.")
    try:
        number = int(line)
    except (TypeError, ValueError):
        raise Http404("No such line in the report.") from None
    lines = (getattr(report, part) or "").splitlines()
    if not 1 <= number <= len(lines) or not lines[number - 1].strip():
        raise Http404("No such line in the report.")
    return lines[number - 1].strip()


def report_initial(report, *, part, line) -> dict:
    """Title, description and responsible person of a task made from one line of a work report: the line
    (without a list bullet) becomes the title, the description quotes it with the author and the period,
    and the author is responsible for it."""
    text = report_line(report, part=part, line=line)
    title = BULLET.sub("", text).strip() or text
    author = report.author
    start, end = report.period_start, report.period_end
    when = formats.date_format(start, "DATE_FORMAT")
    if end and end != start:
        when = f"{when} – {formats.date_format(end, 'DATE_FORMAT')}"
    intro = gettext("From the work report of %(name)s for %(when)s (%(part)s):") % {
        "name": author.full_name or author.email,
        "when": when,
        "part": REPORT_PARTS[part],
    }
    origin = origin_of(report)
    url = origin.url(report.pk) if origin is not None else ""
    label = gettext("The report")  # outside the f-string, where the extractor finds it
    description = f"{intro}\n\n> {text}\n\n[{label}]({url})"
    return {"title": title[:250], "description": description, "responsible": report.author_id}


def origin_of(source):
    """The registered origin (`registry.task_origins`) `source` is an object of, or None."""
    from portal.core.registry import registry

    for origin in registry.task_origins:
        if isinstance(source, origin.model()):
            return origin
    return None


def is_report(source) -> bool:
    """A work report (the registered origin whose lines become tasks), duck-typed by its parts."""
    return origin_of(source) is not None and all(hasattr(source, part) for part in REPORT_PARTS)
