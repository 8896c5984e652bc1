"""Posts and events: publishing, changing and deleting entries, and who they are addressed to.

Other apps publish their domain events with `entry_publish(...)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core import i18n
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed
from portal.core.permissions import is_portal_admin

from .. import mentions
from ..audience import Audience, entry_audience_users
from ..choices import AudienceKind, EntryKind
from ..models import Album, Entry, EntryAudience, Photo, Poll, PollOption
from . import notices
from .access import _require_actor, _require_visible, can_delete, can_edit
from .counts import _recount
from .photos import _check_images, _save_photos
from .polls import PollSpec, _validate_poll

BODY_MAX = 20_000


_UNSET: object = object()


def _clean_text(text: str, *, field_name: str, max_length: int, empty_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid({field_name: [empty_message]})
    if len(text) > max_length:
        raise Invalid(
            {field_name: [_("The text is too long (%(max)d characters at most).") % {"max": max_length}]}
        )
    return text


def _clean_audience(*, actor, audience: Audience | None) -> Audience:
    """Check that the actor may address this audience; field errors name what is wrong."""
    from portal.groups.models import Membership, Workgroup
    from portal.people.models import Department, User

    if audience is None or audience.is_empty:
        raise Invalid({"audience": [_("Choose who the post is for.")]})
    errors: dict[str, list[str]] = {}
    if audience.department_ids:
        found = set(Department.objects.filter(pk__in=audience.department_ids).values_list("pk", flat=True))
        if found != set(audience.department_ids):
            errors["departments"] = [_("Some of the departments do not exist.")]
    if audience.group_ids:
        visible = Workgroup.objects.visible_to(actor).filter(pk__in=audience.group_ids)
        if not is_portal_admin(actor):
            visible = visible.filter(pk__in=Membership.objects.filter(user=actor).values("group_id"))
        if set(visible.values_list("pk", flat=True)) != set(audience.group_ids):
            errors["groups"] = [_("You can only post to groups you are a member of.")]
        elif Workgroup.objects.filter(pk__in=audience.group_ids, is_archived=True).exists():
            errors["groups"] = [_("An archived group takes no new posts.")]
    if audience.user_ids:
        found = set(
            User.objects.filter(pk__in=audience.user_ids, is_active=True).values_list("pk", flat=True)
        )
        if found != set(audience.user_ids):
            errors["users"] = [_("Some of the people are unknown or no longer with the company.")]
    if errors:
        raise Invalid(errors)
    return audience


def _write_audience(entry: Entry, audience: Audience) -> None:
    rows = [
        EntryAudience(entry=entry, kind=AudienceKind.DEPARTMENT, department_id=i)
        for i in audience.department_ids
    ]
    rows += [EntryAudience(entry=entry, kind=AudienceKind.GROUP, group_id=i) for i in audience.group_ids]
    rows += [EntryAudience(entry=entry, kind=AudienceKind.USER, user_id=i) for i in audience.user_ids]
    EntryAudience.objects.bulk_create(rows)


@transaction.atomic
def post_create(
    *,
    actor,
    body: str,
    audience: Audience,
    is_important: bool = False,
    poll: PollSpec | None = None,
    photos: list | None = None,
    album_title: str = "",
) -> Entry:
    """Publish a post to its audience, optionally important, with a poll or a photo album.

    Mentioned people who may see the post are notified; an important post notifies its whole audience
    and raises their `stream.important_unread` counter.
    """
    _require_actor(actor)
    errors: dict[str, list[str]] = {}
    checks = [
        lambda: _clean_text(
            body, field_name="body", max_length=BODY_MAX, empty_message=_("Write something before posting.")
        ),
        lambda: _clean_audience(actor=actor, audience=audience),
        lambda: _validate_poll(poll) if poll is not None else None,
        lambda: _check_images(photos) if photos else [],
    ]
    results = []
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            results.append(None)
    if poll is not None and photos:
        errors.setdefault("photos", []).append(_("A post carries either a poll or photos, not both."))
    if errors:
        raise Invalid(errors)
    body, audience, poll, images = results

    entry = Entry.objects.create(
        kind=EntryKind.POST,
        author=actor,
        body=body,
        audience_everyone=audience.everyone,
        is_important=bool(is_important),
    )
    _write_audience(entry, audience)
    if poll is not None:
        created = Poll.objects.create(
            entry=entry,
            question=poll.question,
            multiple=poll.multiple,
            anonymous=poll.anonymous,
            closes_at=poll.closes_at,
        )
        PollOption.objects.bulk_create(
            [PollOption(poll=created, text=text, position=i) for i, text in enumerate(poll.options)]
        )
        if created.closes_at:
            from ..jobs import poll_close_job

            transaction.on_commit(
                lambda: poll_close_job.apply_async(args=[created.pk], eta=created.closes_at)
            )
    if images:
        album = Album.objects.create(entry=entry, title=(album_title or "").strip()[:200])
        _save_photos(actor=actor, album=album, images=images)
    audit_record(
        actor=actor,
        action="stream.post_create",
        target=entry,
        changes={"important": entry.is_important, "everyone": entry.audience_everyone},
    )
    url = entry.get_absolute_url()
    notices.notify_mentions(actor=actor, entry=entry, text=body, url=url)
    if entry.is_important:
        readers = list(entry_audience_users(entry).values_list("pk", flat=True))
        notices.notify(
            recipients=readers,
            kind="announcement",
            title=i18n.message(gettext_lazy("Important: %(text)s"), text=mentions.plain(body)[:120]),
            actor=actor,
            body=mentions.plain(body)[:300],
            url=url,
            target=entry,
        )
        _recount(readers)
    return entry


@transaction.atomic
def post_update(
    *, actor, entry: Entry, body: str | object = _UNSET, is_important: bool | object = _UNSET
) -> Entry:
    """The author changes the text or the importance of their post; it is shown as edited."""
    _require_visible(actor, entry)
    if entry.kind != EntryKind.POST or not can_edit(actor, entry):
        raise NotAllowed(_("Only the author may change this post."))
    old_body, old_important = entry.body, entry.is_important
    fields = []
    if body is not _UNSET:
        entry.body = _clean_text(
            body, field_name="body", max_length=BODY_MAX, empty_message=_("Write something before posting.")
        )
        fields.append("body")
    if is_important is not _UNSET:
        entry.is_important = bool(is_important)
        fields.append("is_important")
    changed = {
        f: [old, getattr(entry, f)] for f, old in (("body", old_body), ("is_important", old_important))
    }
    changed = {k: v for k, v in changed.items() if v[0] != v[1]}
    if not changed:
        return entry
    entry.edited_at = timezone.now()
    entry.save(update_fields=[*fields, "edited_at", "updated_at"])
    audit_record(actor=actor, action="stream.post_update", target=entry, changes=changed)
    if "body" in changed:
        notices.notify_mentions(
            actor=actor, entry=entry, text=entry.body, url=entry.get_absolute_url(), old_text=old_body
        )
    if "is_important" in changed:
        _recount(entry_audience_users(entry).values_list("pk", flat=True))
    return entry


@transaction.atomic
def entry_delete(*, actor, entry: Entry) -> None:
    """The author or an admin deletes a post or event with its comments, likes, poll and photos."""
    _require_visible(actor, entry)
    if not can_delete(actor, entry):
        raise NotAllowed(_("Only the author or an admin may delete this post."))
    readers = list(entry_audience_users(entry).values_list("pk", flat=True)) if entry.is_important else []
    files = [
        name
        for pair in Photo.objects.filter(album__entry=entry).values_list("image", "thumbnail")
        for name in pair
        if name
    ]
    audit_record(
        actor=actor,
        action="stream.entry_delete",
        target=entry,
        changes={"author": entry.author_id, "body": entry.body[:500]},
    )
    entry.delete()
    storage = Photo._meta.get_field("image").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    _recount(readers)


def _check_template(template: str) -> str:
    template = (template or "").strip()
    if not template:
        raise ValueError("entry_publish needs a template.")
    try:
        get_template(template)
    except TemplateDoesNotExist as exc:
        raise ValueError(f"entry_publish: template {template!r} does not exist.") from exc
    return template


@transaction.atomic
def entry_publish(
    *,
    actor,
    verb: str,
    target: Model | None,
    audience: Audience,
    template: str,
    context: dict | None = None,
) -> Entry:
    """Publish a domain event (a task created, a deal won, a wiki page changed...) to the stream.

    Call it inside the service that makes the change, so the entry commits with it. `audience` is the
    event's own audience (checked like a post's: the actor must be able to address it). `template` renders
    the entry in the feed; it receives `entry`, `actor`, `target_url`, `target_repr` and the JSON-safe
    `context` (keep what the template needs there: rendering must not query the target).
    """
    from django.contrib.contenttypes.models import ContentType

    _require_actor(actor)
    verb = (verb or "").strip()
    if not verb or len(verb) > 64:
        raise ValueError("entry_publish needs a verb of 1-64 characters.")
    template = _check_template(template)
    audience = _clean_audience(actor=actor, audience=audience)
    data = dict(context or {})
    if target is not None:
        data.setdefault("target_repr", str(target)[:200])
        if hasattr(target, "get_absolute_url"):
            data.setdefault("target_url", target.get_absolute_url())
    entry = Entry(
        kind=EntryKind.EVENT,
        author=actor,
        verb=verb,
        template=template,
        context=data,
        audience_everyone=audience.everyone,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
    )
    try:
        import json

        from django.core.serializers.json import DjangoJSONEncoder

        entry.context = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise ValueError(f"entry_publish: context must be JSON-serialisable ({exc}).") from exc
    entry.save()
    _write_audience(entry, audience)
    audit_record(actor=actor, action="stream.entry_publish", target=entry, changes={"verb": verb})
    return entry


@transaction.atomic
def entry_audience_remove(*, target: Model, users: Iterable = (), groups: Iterable = ()) -> int:
    """Take people and/or workgroups (instances or ids) out of the audience of the events published about
    `target`: the publishing app calls it when they lose sight of the target (a person taken off a task,
    a task moved to another group), so that the feed no longer shows them what they may not see. Posts
    written by people, and an event's author, are left alone. Returns how many audience rows went."""
    from django.contrib.contenttypes.models import ContentType

    wanted = Audience(users=tuple(users or ()), groups=tuple(groups or ()))
    if not (wanted.user_ids or wanted.group_ids):
        return 0
    events = Entry.objects.filter(
        kind=EntryKind.EVENT, target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    )
    who = Q()
    if wanted.user_ids:
        who |= Q(kind=AudienceKind.USER, user_id__in=wanted.user_ids)
    if wanted.group_ids:
        who |= Q(kind=AudienceKind.GROUP, group_id__in=wanted.group_ids)
    rows = EntryAudience.objects.filter(entry__in=events).filter(who)
    important = rows.filter(entry__is_important=True).exists()
    removed, _rows = rows.delete()
    if important:  # an unread announcement no longer reaches them
        from portal.groups.models import Membership

        members = Membership.objects.filter(group_id__in=wanted.group_ids).values_list("user_id", flat=True)
        _recount({*wanted.user_ids, *members})
    return removed
