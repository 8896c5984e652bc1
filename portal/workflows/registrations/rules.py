"""Where the workflows app shows up in the rest of the portal: automation rules.

- the engine listens to `portal.core.automation.automation_event` (every app's triggers);
- the trigger "a process ended" (`workflows.process_finished`, rules set per template by portal admins; the
  process engine sends it);
- the actions any rule may run: notify people, send an e-mail from a template, start a process.

The apps register their own triggers and the actions on their own objects (tasks: tasks/registrations.py,
CRM: crm/registrations/automation.py).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.core.registry import AutomationAction, AutomationTrigger, registry

PROCESS_FINISHED = "workflows.process_finished"
NOTIFY = "workflows.notify"
EMAIL = "workflows.email"
START_PROCESS = "workflows.start_process"
RULE_NOTIFICATION_KIND = "workflows_rule"

PLACEHOLDER_HELP = gettext_lazy("{{ title }}-style placeholders take the values of the event.")


# --- the trigger "a process ended" ---------------------------------------------------------------------------


def _process_get(object_id):
    from ..models import Process

    try:
        return Process.objects.select_related("template").filter(pk=int(object_id)).first()
    except (TypeError, ValueError):
        return None


def _process_describe(process) -> tuple[str, str]:
    return _("Request: %(title)s") % {"title": process.title}, process.get_absolute_url()


def _template_scopes(*, user, scope: str | None = None) -> list[tuple[str, str]]:
    """Portal admins set rules on every process template."""
    from portal.core.permissions import is_portal_admin

    from ..models import ProcessTemplate

    if not is_portal_admin(user):
        return []
    templates = ProcessTemplate.objects.order_by("name", "id")
    if scope is not None:
        kind, _sep, ident = scope.partition(":")
        if kind != "template" or not ident.isdigit():
            return []
        templates = templates.filter(pk=int(ident))
    return [(f"template:{pk}", name) for pk, name in templates.values_list("pk", "name")]


def _process_choices(field: str) -> list[tuple[str, str]]:
    from ..choices import ProcessStatus, TemplateKind

    if field == "status":
        return [
            (value, label)
            for value, label in ProcessStatus.choices
            if value in (ProcessStatus.APPROVED, ProcessStatus.REJECTED, ProcessStatus.WITHDRAWN)
        ]
    if field == "kind":
        return list(TemplateKind.choices)
    return []


PROCESS_FINISHED_TRIGGER = AutomationTrigger(
    key=PROCESS_FINISHED,
    label=gettext_lazy("A request ended (approved, rejected or withdrawn)"),
    scope_kind="template",
    scope_choices=_template_scopes,
    get=_process_get,
    describe=_process_describe,
    conditions=(
        ("status", gettext_lazy("Result"), "choice"),
        ("kind", gettext_lazy("Kind of template"), "choice"),
        ("title", gettext_lazy("Title"), "text"),
    ),
    choices=_process_choices,
    order=30,
)


# --- generic actions -----------------------------------------------------------------------------------------

WHOM = (
    ("people", gettext_lazy("The people chosen")),
    ("owner", gettext_lazy("The owner (the responsible person, the requester)")),
    ("both", gettext_lazy("Both")),
)


def _recipient_ids(params: dict, obj) -> list[int]:
    from ..services.rules import object_owner_id

    whom = params.get("to") or "people"
    ids = list(params.get("people") or []) if whom in ("people", "both") else []
    if whom in ("owner", "both"):
        owner = object_owner_id(obj)
        if owner:
            ids.append(owner)
    return list(dict.fromkeys(int(pk) for pk in ids))


def _object_url(rule, obj) -> str:
    from ..selectors.rules import trigger_get

    trigger = trigger_get(rule.trigger)
    return str(trigger.describe(obj)[1] or "") if trigger is not None else ""


def _notify_run(*, rule, obj, event, params) -> str:
    from portal.notifications.services import notify

    from ..services.rules import text_render

    text = " ".join(text_render(params.get("text") or "", event.data).split())[:250]
    if not text:
        raise ValueError(_("The text of the notification is empty."))
    recipients = _recipient_ids(params, obj)
    made = notify(
        recipients=recipients,
        kind=RULE_NOTIFICATION_KIND,
        title=text,
        body=_("Automation rule: %(name)s") % {"name": rule.name},
        url=_object_url(rule, obj),
        target=obj,
    )
    return ngettext("Notified %(n)d person.", "Notified %(n)d people.", len(made)) % {"n": len(made)}


def _whom_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in WHOM] if field == "to" else []


def _email_run(*, rule, obj, event, params) -> str:
    from django.contrib.auth import get_user_model

    from portal.core.mail import mail_send

    from ..services.rules import text_render

    subject = " ".join(text_render(params.get("subject") or "", event.data).split())[:250]
    body = text_render(params.get("body") or "", event.data)
    if not subject or not body.strip():
        raise ValueError(_("The e-mail's subject or text is empty."))
    people = list(
        get_user_model()
        .objects.filter(pk__in=_recipient_ids(params, obj), is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    url = _object_url(rule, obj)
    link = f"{settings.LUMEN_BASE_URL.rstrip('/')}{url}" if url.startswith("/") else url
    for person in people:
        mail_send(
            to=[person.email],
            subject=subject,
            template="workflows/rules/email",
            context={"body": body, "link": link, "rule_name": rule.name},
            language=person.language or None,
            time_zone=person.time_zone or None,
        )
    if not people:
        return _("Nobody to send it to.")
    return _("E-mail sent to %(to)s.") % {"to": ", ".join(p.email for p in people)}


def _start_choices(field: str, *, user=None) -> list[tuple[str, str]]:
    from ..models import ProcessTemplate

    if field == "template":
        if user is None:
            return []
        templates = (
            ProcessTemplate.objects.visible_to(user)
            .filter(is_active=True, current_version__isnull=False)
            .order_by("name", "id")
        )
        return [(str(pk), name) for pk, name in templates.values_list("pk", "name")]
    if field == "requester":
        return [
            ("actor", _("The person who made the change")),
            ("owner", _("The owner (the responsible person, the requester)")),
            ("person", _("A named person")),
        ]
    return []


def _start_data(version, data: dict) -> dict:
    """The form values the event can give: fields whose code names a value of the event (title, status...)."""
    from ..choices import FieldType
    from ..definitions import field_defs

    out = {}
    for field in field_defs(version):
        value = data.get(field.key)
        if value in (None, "") or field.type not in (FieldType.TEXT, FieldType.LONGTEXT, FieldType.NUMBER):
            continue
        out[field.key] = str(value)
    return out


def _start_run(*, rule, obj, event, params) -> str:
    from django.contrib.auth import get_user_model

    from portal.core.errors import NotFound

    from ..models import ProcessTemplate
    from ..services.processes import process_start
    from ..services.rules import object_owner_id

    whom = params.get("requester") or "actor"
    requester_id = {
        "actor": event.actor_id,
        "owner": object_owner_id(obj),
        "person": params.get("person"),
    }.get(whom)
    requester = (
        get_user_model().objects.filter(pk=requester_id, is_active=True).first() if requester_id else None
    )
    if requester is None:
        raise NotFound(_("Nobody to start the request for."))
    template = (
        ProcessTemplate.objects.select_related("current_version")
        .filter(pk=params.get("template"), is_active=True, current_version__isnull=False)
        .first()
    )
    if template is None:
        raise NotFound(_("The process template is gone or turned off."))
    process = process_start(
        actor=requester, template=template, data=_start_data(template.current_version, event.data or {})
    )
    return _("Request #%(id)d started for %(name)s: %(title)s") % {
        "id": process.pk,
        "name": requester.full_name or requester.email,
        "title": process.title,
    }


ACTIONS = (
    AutomationAction(
        key=NOTIFY,
        label=gettext_lazy("Notify people"),
        run=_notify_run,
        fields=(
            ("to", gettext_lazy("Whom"), "choice", {"required": True}),
            ("people", gettext_lazy("People"), "people", {"when": ("to", ("people", "both"))}),
            ("text", gettext_lazy("Text"), "text", {"required": True, "help": PLACEHOLDER_HELP}),
        ),
        choices=_whom_choices,
        order=10,
    ),
    AutomationAction(
        key=EMAIL,
        label=gettext_lazy("Send an e-mail"),
        run=_email_run,
        fields=(
            ("to", gettext_lazy("Whom"), "choice", {"required": True}),
            ("people", gettext_lazy("People"), "people", {"when": ("to", ("people", "both"))}),
            ("subject", gettext_lazy("Subject"), "text", {"required": True, "help": PLACEHOLDER_HELP}),
            ("body", gettext_lazy("Text"), "longtext", {"required": True, "help": PLACEHOLDER_HELP}),
        ),
        choices=_whom_choices,
        order=20,
    ),
    AutomationAction(
        key=START_PROCESS,
        label=gettext_lazy("Start a request (process)"),
        run=_start_run,
        fields=(
            (
                "template",
                gettext_lazy("Process template"),
                "template",
                {
                    "required": True,
                    "help": gettext_lazy(
                        "Form fields whose code names a value of the event are filled from it."
                    ),
                },
            ),
            ("requester", gettext_lazy("Requester"), "choice", {"required": True}),
            ("person", gettext_lazy("Person"), "person", {"when": ("requester", "person")}),
        ),
        choices=_start_choices,
        order=90,
    ),
)


def register() -> None:
    from portal.core.automation import automation_event

    from ..services.rules import automation_event_receive

    automation_event.connect(automation_event_receive, dispatch_uid="workflows.rules.engine")
    if RULE_NOTIFICATION_KIND not in registry.notification_kinds:
        from portal.notifications.services import register_notification_kind

        register_notification_kind(
            RULE_NOTIFICATION_KIND, gettext_lazy("Automation rules: messages of a rule")
        )
    if PROCESS_FINISHED not in registry.automation_triggers:
        registry.automation_triggers.register(PROCESS_FINISHED_TRIGGER)
    for action in ACTIONS:
        registry.automation_actions.register(action)
