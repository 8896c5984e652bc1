"""Forms of the task list pages: they shape input and call services; the rules live in the services.

A service's ValidationError lands on the form field of the same name (else above the form). A form that
calls several services runs them in one transaction, so that a refusal of the last leaves nothing half-done.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from portal.people.widgets import PeoplePicker, PersonPicker

from . import selectors, services
from .choices import DependantsPolicy, MemberRole, Repeat, TaskPriority, TaskStatus
from .models import Tag, Task, TaskTemplate

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
MAX_ESTIMATE_HOURS = Decimal("10000")


def _datetime_field(label, help_text=""):
    """A datetime-local input; the value is read in the viewer's time zone (activated per request)."""
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format=DATETIME_FORMAT
        ),
    )


def _to_minute(value):
    return value.replace(second=0, microsecond=0) if value else value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _split_names(text: str) -> list[str]:
    """Comma-separated tag names, blanks dropped, each name once (case does not matter)."""
    names: dict[str, str] = {}
    for raw in (text or "").split(","):
        name = " ".join(raw.split())
        if name:
            names.setdefault(name.casefold(), name)
    return list(names.values())


def people_choices(user, *, keep=()):
    """Active people the user may pick (plus whoever is already chosen, even if since deactivated)."""
    keep_ids = [getattr(p, "pk", p) for p in keep if p]
    people = get_user_model().objects
    chosen = Q(pk__in=people.visible_to(user).filter(is_active=True).values("pk"))
    if keep_ids:
        chosen |= Q(pk__in=keep_ids)
    return (
        people.filter(chosen)
        .only("id", "first_name", "last_name", "email", "is_active")
        .order_by("last_name", "first_name", "id")
    )


def group_choices(user, *, keep=None):
    from portal.groups.models import Workgroup

    visible = Workgroup.objects.visible_to(user)
    if keep is not None:
        visible = Workgroup.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk=keep.pk))
    return visible.only("id", "name").order_by("name", "id")


def _person_label(person) -> str:
    return person.full_name or person.email


class ServiceErrorsMixin:
    """Runs services and turns their ValidationError into field-by-field form errors."""

    field_aliases: dict[str, str] = {}

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                name = self.field_aliases.get(field, field)
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)

    def run_atomic(self, work):
        """Run `work()` in one transaction; on a ValidationError roll it all back and show the errors."""
        try:
            with transaction.atomic():
                return work()
        except ValidationError as exc:
            self.add_service_errors(exc)
            return None


class PeopleFieldsMixin:
    def setup_people(self, user, *, keep=()) -> None:
        people = people_choices(user, keep=keep)
        for name in ("responsible", "participants", "observers"):
            if name in self.fields:
                self.fields[name].queryset = people
                self.fields[name].label_from_instance = _person_label


# --- the task form -----------------------------------------------------------------------------------


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
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=None, widget=PersonPicker(attrs={"class": "form-control"})
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=PeoplePicker(attrs={"class": "form-control"}),
    )
    observers = forms.ModelMultipleChoiceField(
        label=_("Observers"),
        queryset=None,
        required=False,
        widget=PeoplePicker(attrs={"class": "form-control"}),
    )
    deadline = _datetime_field(_("Deadline"))
    planned_start = _datetime_field(_("Planned start"))
    planned_end = _datetime_field(_("Planned end"))
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
        help_text=_("The number of the task this one belongs to."),
        widget=forms.NumberInput(attrs={"class": "form-control", "placeholder": "#"}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"class": "form-control", "list": "task-tag-names"}),
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
            "tags": ", ".join(tag.name for tag in self.current_tags),
            "time_estimate": estimate,
            "allow_change_deadline": task.allow_change_deadline,
            "requires_control": task.requires_control,
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
        except Http404:
            raise ValidationError(_("There is no task number %(pk)s you can see.") % {"pk": pk}) from None
        return pk

    def clean_tags(self):
        names = _split_names(self.cleaned_data.get("tags", ""))
        if any(len(name) > Tag._meta.get_field("name").max_length for name in names):
            raise ValidationError(_("A tag is at most 60 characters long."))
        return names

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
            return self.run_atomic(lambda: self._create(actor))
        return self.run_atomic(lambda: self._update(actor))

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


# --- bulk actions ------------------------------------------------------------------------------------


class IdListField(forms.Field):
    """Many ids from repeated inputs (checkboxes), as a list of ints."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return list(dict.fromkeys(int(v) for v in values))
        except (TypeError, ValueError):
            raise ValidationError(_("Choose tasks from the list."), code="invalid") from None


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
        widget=PersonPicker(attrs={"class": "form-control form-control-sm"}, clearable=False),
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


# --- the list's person filter ------------------------------------------------------------------------


class ResponsibleFilterForm(forms.Form):
    """The list's "Responsible" filter as a person picker. It only shows the choice (the person is looked up
    among those the viewer may pick); the FilterSet reads ?responsible= itself, so the form stays unbound
    (a bound one would validate the pk: one more query for nothing)."""

    responsible = forms.ModelChoiceField(
        label=_("Responsible"),
        queryset=None,
        required=False,
        widget=PersonPicker(attrs={"class": "form-control form-control-sm"}, blank_label=_("Anyone")),
    )

    def __init__(self, params, *, user):
        super().__init__(initial={"responsible": params.get("responsible")}, auto_id="filter-%s")
        self.fields["responsible"].queryset = people_choices(user)


# --- saved filters -----------------------------------------------------------------------------------


class SavedFilterForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(
        label=_("Filter name"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("Filter name")}
        ),
    )
    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)

    def save(self, *, actor):
        return self.run_atomic(
            lambda: services.saved_filter_save(
                actor=actor, name=self.cleaned_data["name"], query=self.cleaned_data["query"]
            )
        )


# --- templates ---------------------------------------------------------------------------------------


class TaskTemplateForm(ServiceErrorsMixin, PeopleFieldsMixin, TaskRulesFields):
    """A task template with its checklist, subtasks (one title per line) and recurrence."""

    field_aliases = {"tag_names": "tags"}

    title = forms.CharField(
        label=_("Title"),
        max_length=250,
        widget=forms.TextInput(attrs={"class": "form-control", "autofocus": True}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 4}),
    )
    responsible = forms.ModelChoiceField(
        label=_("Responsible person"),
        queryset=None,
        required=False,
        empty_label=_("Whoever creates the task"),
        widget=PersonPicker(attrs={"class": "form-control"}),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=None,
        required=False,
        widget=PeoplePicker(attrs={"class": "form-control"}),
    )
    observers = forms.ModelMultipleChoiceField(
        label=_("Observers"),
        queryset=None,
        required=False,
        widget=PeoplePicker(attrs={"class": "form-control"}),
    )
    group = forms.ModelChoiceField(
        label=_("Workgroup or project"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=TaskPriority.choices,
        initial=TaskPriority.NORMAL,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separate tags with commas."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        help_text=_("One item per line."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    subtasks = forms.CharField(
        label=_("Subtasks"),
        required=False,
        help_text=_("One subtask title per line."),
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
    deadline_days = forms.IntegerField(
        label=_("Deadline, days after the task is created"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=Repeat.choices,
        initial=Repeat.NONE,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On these days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    month_day = forms.IntegerField(
        label=_("On this day of the month"),
        required=False,
        min_value=1,
        max_value=31,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    repeat_time = forms.TimeField(
        label=_("At"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M"),
    )
    repeat_until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    is_active = forms.BooleanField(
        label=_("Active (repeats on schedule)"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    SERVICE_FIELDS = (
        "title",
        "description",
        "responsible",
        "participants",
        "observers",
        "group",
        "priority",
        "deadline_days",
        "allow_change_deadline",
        "requires_control",
        "repeat",
        "weekdays",
        "month_day",
        "repeat_time",
        "repeat_until",
        "is_active",
    )

    def __init__(self, *args, user, template: TaskTemplate | None = None, **kwargs):
        self.user = user
        self.template = template
        self.current_subtasks: list[dict] = []
        if template is not None:
            kwargs["initial"] = {**self._initial_from(template), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        keep = []
        if template is not None:
            keep = [
                template.responsible_id,
                *kwargs["initial"]["participants"],
                *kwargs["initial"]["observers"],
            ]
        self.setup_people(user, keep=keep)
        self.fields["group"].queryset = group_choices(
            user, keep=template.group if template and template.group_id else None
        )
        self.fields["group"].label_from_instance = lambda g: g.name

    def _initial_from(self, template: TaskTemplate) -> dict:
        self.current_subtasks = [
            {
                "title": s.title,
                "description": s.description,
                "responsible": s.responsible_id,
                "checklist": s.checklist,
            }
            for s in template.subtemplates.order_by("id")
        ]
        estimate = self.estimate_hours(template.time_estimate)
        return {
            "title": template.title,
            "description": template.description,
            "responsible": template.responsible_id,
            "participants": [p.pk for p in template.participants.all()],
            "observers": [p.pk for p in template.observers.all()],
            "group": template.group_id,
            "priority": template.priority,
            "tags": ", ".join(template.tag_names or []),
            "checklist": "\n".join(template.checklist or []),
            "subtasks": "\n".join(s["title"] for s in self.current_subtasks),
            "deadline_days": template.deadline_days,
            "time_estimate": estimate,
            "allow_change_deadline": template.allow_change_deadline,
            "requires_control": template.requires_control,
            "repeat": template.repeat,
            "weekdays": list(template.weekdays or []),
            "month_day": template.month_day,
            "repeat_time": template.repeat_time,
            "repeat_until": template.repeat_until,
            "is_active": template.is_active,
        }

    def _values(self) -> dict:
        data = self.cleaned_data
        values = {name: data.get(name) for name in self.SERVICE_FIELDS}
        values["participants"] = list(data.get("participants") or [])
        values["observers"] = list(data.get("observers") or [])
        values["weekdays"] = list(data.get("weekdays") or [])
        values["tag_names"] = _split_names(data.get("tags", ""))
        values["checklist"] = _lines(data.get("checklist", ""))
        hours = data.get("time_estimate")
        values["time_estimate"] = None if hours is None else int(hours * 3600)
        # Subtasks already on the template keep their description, person and checklist by title.
        kept = {s["title"]: s for s in self.current_subtasks}
        values["subtasks"] = [
            kept.get(title) or {"title": title} for title in _lines(data.get("subtasks", ""))
        ]
        return values

    def save(self, *, actor) -> TaskTemplate | None:
        values = self._values()
        if self.template is None:
            title = values.pop("title")
            return self.run_atomic(lambda: services.template_create(actor=actor, title=title, **values))
        changed = set(self.changed_data)
        renamed = {"tags": "tag_names"}
        fields = {
            name: value
            for name, value in values.items()
            if name in changed or any(renamed.get(c) == name for c in changed)
        }
        if not fields:
            return self.template
        return self.run_atomic(
            lambda: services.template_update(actor=actor, template=self.template, **fields)
        )
