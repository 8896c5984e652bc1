"""Every write to the activity stream.

Services are keyword-only and atomic. They check who may act (an entry the actor may not see answers
404; a visible entry without the right answers 403), validate input (ValidationError with a field dict,
and nothing is written), write the audit row, keep the stored counters right with F(), notify people
and schedule jobs after commit.

Other apps publish their domain events with `entry_publish(...)`.
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.attachments import (
    CleanImage,
    check_image_upload,
    detect_content_type,
    extension_for,
    random_file_name,
)
from portal.core.audit import audit_record
from portal.core.errors import Invalid, NotAllowed, NotFound
from portal.core.permissions import is_portal_admin

from . import mentions
from .audience import Audience, entry_audience_users
from .choices import AudienceKind, EntryKind
from .models import (
    Album,
    Comment,
    Entry,
    EntryAudience,
    EntryRead,
    Like,
    Photo,
    Poll,
    PollBallot,
    PollOption,
    PollVote,
)

__all__ = [
    "Audience",
    "PollSpec",
    "entry_publish",
    "entry_audience_remove",
    "post_create",
    "post_update",
    "entry_delete",
    "comment_create",
    "comment_update",
    "comment_delete",
    "like_add",
    "like_remove",
    "like_toggle",
    "poll_vote",
    "poll_close",
    "polls_close_due",
    "announcement_read",
    "album_photos_add",
    "photo_thumbnail_make",
]

log = logging.getLogger(__name__)

IMPORTANT_UNREAD = "stream.important_unread"
BODY_MAX = 20_000
COMMENT_MAX = 5_000
POLL_OPTIONS_MAX = 20
PHOTOS_MAX = 30
THUMBNAIL_SIZE = (480, 480)
_UNSET: object = object()


@dataclass(frozen=True)
class PollSpec:
    """A poll to attach to a new post."""

    question: str
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    anonymous: bool = False
    closes_at: datetime.datetime | None = None


# --- helpers ---------------------------------------------------------------------------------------


def _require_actor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotAllowed(_("Sign in first."))


def _require_visible(actor, entry: Entry) -> None:
    _require_actor(actor)
    if not Entry.objects.visible_to(actor).filter(pk=entry.pk).exists():
        raise NotFound("No stream entry matches the given query.")


def can_edit(user, obj) -> bool:
    """Only the author changes a post or comment."""
    return bool(user and user.is_authenticated and obj.author_id == user.pk)


def can_delete(user, obj) -> bool:
    """The author, and admins (moderation), delete a post or comment."""
    return can_edit(user, obj) or is_portal_admin(user)


def _notify(
    *, recipients, kind: str, title: str, actor=None, body: str = "", url: str = "", target=None
) -> None:
    """Hand a notification to the notifications app (absent in a stripped-down install: then nothing)."""
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return
    try:
        from portal.notifications.services import notify
    except ImportError:  # pragma: no cover - the notifications app is part of every real install
        log.info("notifications app not available: %s not sent", kind)
        return
    notify(recipients=recipients, kind=kind, title=title, actor=actor, body=body, url=url, target=target)


def _recount(user_ids: Iterable[int]) -> None:
    ids = [i for i in user_ids if i]
    if not ids:
        return
    try:
        from portal.notifications.counters import counters_recount
    except ImportError:  # pragma: no cover
        return
    try:
        counters_recount(ids, [IMPORTANT_UNREAD])
    except ValueError:  # the counter is not registered (a test that clears the registry)
        log.warning("counter %s is not registered", IMPORTANT_UNREAD)


def _bump(model, pk: int, field_name: str, delta: int) -> None:
    model.objects.filter(pk=pk).update(**{field_name: F(field_name) + delta})


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


def _notify_mentions(*, actor, entry: Entry, text: str, url: str, old_text: str = "") -> None:
    """Notify people newly mentioned in `text`, but only those who may see the entry."""
    ids = set(mentions.mentioned_ids(text)) - set(mentions.mentioned_ids(old_text)) - {actor.pk}
    if not ids:
        return
    readers = list(entry_audience_users(entry).filter(pk__in=ids).values_list("pk", flat=True))
    _notify(
        recipients=readers,
        kind="mention",
        title=_("%(name)s mentioned you") % {"name": actor.full_name or actor.email},
        actor=actor,
        body=mentions.plain(text)[:300],
        url=url,
        target=entry,
    )


def _validate_poll(poll: PollSpec) -> PollSpec:
    errors: dict[str, list[str]] = {}
    question = (poll.question or "").strip()
    options = [o.strip() for o in poll.options if o and o.strip()]
    if not question:
        errors["poll_question"] = [_("A poll needs a question.")]
    elif len(question) > 300:
        errors["poll_question"] = [_("The question is too long (300 characters at most).")]
    if len(options) < 2:
        errors["poll_options"] = [_("A poll needs at least two answers.")]
    elif len(options) > POLL_OPTIONS_MAX:
        errors["poll_options"] = [_("A poll takes %(max)d answers at most.") % {"max": POLL_OPTIONS_MAX}]
    elif len({o.lower() for o in options}) != len(options):
        errors["poll_options"] = [_("Each answer must be different.")]
    elif any(len(o) > 200 for o in options):
        errors["poll_options"] = [_("An answer is too long (200 characters at most).")]
    if poll.closes_at is not None and poll.closes_at <= timezone.now():
        errors["poll_closes_at"] = [_("The closing time must be in the future.")]
    if errors:
        raise Invalid(errors)
    return PollSpec(
        question=question,
        options=options,
        multiple=bool(poll.multiple),
        anonymous=bool(poll.anonymous),
        closes_at=poll.closes_at,
    )


def _check_images(files: Iterable) -> list[CleanImage]:
    """Check and re-encode every upload (core attachments) before anything is saved; errors name the file."""
    checked: list[CleanImage] = []
    errors: list[str] = []
    files = list(files)
    if len(files) > PHOTOS_MAX:
        raise Invalid({"photos": [_("Upload %(max)d photos at most at once.") % {"max": PHOTOS_MAX}]})
    for upload in files:
        try:
            checked.append(
                check_image_upload(upload, field="photos", max_bytes=settings.LUMEN_PHOTO_MAX_BYTES)
            )
        except ValidationError as exc:
            errors.extend(exc.message_dict["photos"])
    if errors:
        raise Invalid({"photos": errors})
    return checked


def _save_photos(*, actor, album: Album, images: list[CleanImage]) -> list[Photo]:
    from .jobs import photo_thumbnail_job

    photos = []
    for checked in images:
        photo = Photo(
            album=album,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            width=checked.width,
            height=checked.height,
            uploaded_by=actor,
        )
        # Stored under a random name with the extension of the detected format, never the uploaded one.
        photo.image.save(checked.stored_name, checked.content, save=False)
        photo.save()
        photos.append(photo)
        transaction.on_commit(lambda pk=photo.pk: photo_thumbnail_job.delay(pk))
    _bump(Album, album.pk, "photos_count", len(photos))
    return photos


# --- posts and events ------------------------------------------------------------------------------


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
            from .jobs import poll_close_job

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
    _notify_mentions(actor=actor, entry=entry, text=body, url=url)
    if entry.is_important:
        readers = list(entry_audience_users(entry).values_list("pk", flat=True))
        _notify(
            recipients=readers,
            kind="announcement",
            title=_("Important: %(text)s") % {"text": mentions.plain(body)[:120]},
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
        _notify_mentions(
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


# --- comments --------------------------------------------------------------------------------------


@transaction.atomic
def comment_create(
    *, actor, entry: Entry, body: str, parent: Comment | None = None, photo: Photo | None = None
) -> Comment:
    """Comment on an entry (or on one of its photos); a reply to a reply joins the thread of its parent."""
    _require_visible(actor, entry)
    body = _clean_text(
        body, field_name="body", max_length=COMMENT_MAX, empty_message=_("Write a comment first.")
    )
    if photo is not None and photo.album.entry_id != entry.pk:
        raise Invalid({"photo": [_("The photo does not belong to this post.")]})
    if parent is not None:
        if parent.entry_id != entry.pk or parent.photo_id != (photo.pk if photo else None):
            raise Invalid({"parent": [_("You can only reply to a comment of the same post.")]})
        if parent.parent_id:
            parent = parent.parent  # replies stay one level deep
    comment = Comment.objects.create(entry=entry, photo=photo, parent=parent, author=actor, body=body)
    if photo is not None:
        _bump(Photo, photo.pk, "comments_count", 1)
    else:
        _bump(Entry, entry.pk, "comments_count", 1)
    audit_record(actor=actor, action="stream.comment_create", target=comment, changes={"entry": entry.pk})
    url = (photo.get_absolute_url() if photo else entry.get_absolute_url()) + f"#comment-{comment.pk}"
    recipients = {entry.author_id}
    if parent is not None:
        recipients.add(parent.author_id)
    recipients -= {actor.pk}
    mentioned = set(mentions.mentioned_ids(body))
    _notify(
        recipients=sorted(recipients - mentioned),
        kind="comment",
        title=_("%(name)s commented: %(text)s")
        % {"name": actor.full_name or actor.email, "text": mentions.plain(body)[:80]},
        actor=actor,
        body=mentions.plain(body)[:300],
        url=url,
        target=entry,
    )
    _notify_mentions(actor=actor, entry=entry, text=body, url=url)
    return comment


@transaction.atomic
def comment_update(*, actor, comment: Comment, body: str) -> Comment:
    """The author changes their comment; it is shown as edited."""
    _require_visible(actor, comment.entry)
    if not can_edit(actor, comment):
        raise NotAllowed(_("Only the author may change this comment."))
    old = comment.body
    comment.body = _clean_text(
        body, field_name="body", max_length=COMMENT_MAX, empty_message=_("Write a comment first.")
    )
    if comment.body == old:
        return comment
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    audit_record(
        actor=actor, action="stream.comment_update", target=comment, changes={"body": [old, comment.body]}
    )
    _notify_mentions(
        actor=actor,
        entry=comment.entry,
        text=comment.body,
        url=comment.entry.get_absolute_url(),
        old_text=old,
    )
    return comment


@transaction.atomic
def comment_delete(*, actor, comment: Comment) -> None:
    """The author or an admin deletes a comment (with its replies)."""
    _require_visible(actor, comment.entry)
    if not can_delete(actor, comment):
        raise NotAllowed(_("Only the author or an admin may delete this comment."))
    removed = 1 + comment.replies.count()
    audit_record(
        actor=actor, action="stream.comment_delete", target=comment, changes={"body": comment.body[:500]}
    )
    if comment.photo_id:
        _bump(Photo, comment.photo_id, "comments_count", -removed)
    else:
        _bump(Entry, comment.entry_id, "comments_count", -removed)
    comment.delete()


# --- likes -----------------------------------------------------------------------------------------


@transaction.atomic
def like_add(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Like an entry or a photo; True when the like is new (liking twice changes nothing)."""
    _require_visible(actor, entry)
    if photo is not None and photo.album.entry_id != entry.pk:
        raise Invalid({"photo": [_("The photo does not belong to this post.")]})
    try:
        with transaction.atomic():
            Like.objects.create(entry=entry, photo=photo, user=actor)
    except IntegrityError:
        return False
    if photo is not None:
        _bump(Photo, photo.pk, "likes_count", 1)
    else:
        _bump(Entry, entry.pk, "likes_count", 1)
        _notify(
            recipients=[entry.author_id],
            kind="like",
            title=_("%(name)s liked your post") % {"name": actor.full_name or actor.email},
            actor=actor,
            body=mentions.plain(entry.body)[:200],
            url=entry.get_absolute_url(),
            target=entry,
        )
    return True


@transaction.atomic
def like_remove(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Take a like back; True when there was one."""
    _require_visible(actor, entry)
    deleted, _rows = Like.objects.filter(entry=entry, photo=photo, user=actor).delete()
    if deleted:
        if photo is not None:
            _bump(Photo, photo.pk, "likes_count", -1)
        else:
            _bump(Entry, entry.pk, "likes_count", -1)
    return bool(deleted)


def like_toggle(*, actor, entry: Entry, photo: Photo | None = None) -> bool:
    """Like, or take the like back. Returns whether the actor likes it now."""
    if Like.objects.filter(entry=entry, photo=photo, user_id=getattr(actor, "pk", None)).exists():
        like_remove(actor=actor, entry=entry, photo=photo)
        return False
    like_add(actor=actor, entry=entry, photo=photo)
    return True


# --- polls -----------------------------------------------------------------------------------------


@transaction.atomic
def poll_vote(*, actor, poll: Poll, option_ids: Iterable[int]) -> PollBallot:
    """Cast a vote: one or (in a multiple-choice poll) several answers, once per person and poll."""
    entry = poll.entry
    _require_visible(actor, entry)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.is_closed:
        raise Invalid({"poll": [_("This poll is closed; votes are no longer taken.")]})
    try:
        ids = list(dict.fromkeys(int(i) for i in option_ids))
    except (TypeError, ValueError) as exc:
        raise Invalid({"options": [_("Choose an answer.")]}) from exc
    if not ids:
        raise Invalid({"options": [_("Choose an answer.")]})
    if len(ids) > 1 and not poll.multiple:
        raise Invalid({"options": [_("Choose one answer only.")]})
    options = list(PollOption.objects.filter(poll=poll, pk__in=ids))
    if len(options) != len(ids):
        raise Invalid({"options": [_("Choose among the poll's answers.")]})
    try:
        with transaction.atomic():
            ballot = PollBallot.objects.create(poll=poll, user=actor)
    except IntegrityError as exc:
        raise Invalid({"poll": [_("You have voted in this poll already.")]}) from exc
    PollVote.objects.bulk_create(
        [PollVote(option=option, ballot=None if poll.anonymous else ballot) for option in options]
    )
    PollOption.objects.filter(pk__in=ids).update(votes_count=F("votes_count") + 1)
    _bump(Poll, poll.pk, "voters_count", 1)
    audit_record(
        actor=actor,
        action="stream.poll_vote",
        target=poll,
        changes={} if poll.anonymous else {"options": ids},
    )
    return ballot


@transaction.atomic
def poll_close(*, poll: Poll, actor=None) -> Poll:
    """Close a poll: by its author (or an admin) now, or by the job when its closing time has come.

    Closing twice changes nothing. When the system closes it, the author is notified (`poll_closed`).
    """
    if actor is not None:
        _require_visible(actor, poll.entry)
        if not (poll.entry.author_id == actor.pk or is_portal_admin(actor)):
            raise NotAllowed(_("Only the author may close this poll."))
    elif poll.closes_at is None or poll.closes_at > timezone.now():
        return poll  # the job came early (the closing time was moved): nothing to do yet
    now = timezone.now()
    closed = Poll.objects.filter(pk=poll.pk, closed_at__isnull=True).update(closed_at=now)
    poll.refresh_from_db(fields=["closed_at"])
    if not closed:
        return poll
    audit_record(actor=actor, action="stream.poll_close", target=poll, changes={"closed_at": now.isoformat()})
    if actor is None or actor.pk != poll.entry.author_id:
        _notify(
            recipients=[poll.entry.author_id],
            kind="poll_closed",
            title=_("Your poll “%(question)s” has closed") % {"question": poll.question[:100]},
            actor=actor,
            body=_("%(count)d people voted.") % {"count": poll.voters_count},
            url=poll.entry.get_absolute_url(),
            target=poll.entry,
        )
    return poll


def polls_close_due(*, now: datetime.datetime | None = None) -> int:
    """Close every poll whose closing time has passed (the beat sweep). Returns how many closed."""
    now = now or timezone.now()
    done = 0
    for poll in Poll.objects.filter(closed_at__isnull=True, closes_at__lte=now).select_related("entry"):
        before = poll.closed_at
        poll_close(poll=poll)
        done += int(before is None and poll.closed_at is not None)
    return done


# --- important announcements -----------------------------------------------------------------------


@transaction.atomic
def announcement_read(*, actor, entry: Entry) -> EntryRead:
    """ "I have read it": the important entry stops being pinned for the reader. Repeating is harmless."""
    _require_visible(actor, entry)
    if not entry.is_important:
        raise Invalid({"entry": [_("Only important posts are confirmed as read.")]})
    read, created = EntryRead.objects.get_or_create(entry=entry, user=actor)
    if created:
        audit_record(actor=actor, action="stream.announcement_read", target=entry)
        _recount([actor.pk])
    return read


# --- photos ----------------------------------------------------------------------------------------


@transaction.atomic
def album_photos_add(*, actor, entry: Entry, files: list, title: str = "") -> list[Photo]:
    """The author adds photos to their post's album (made on first upload). All files are checked
    first: one bad file saves none."""
    _require_visible(actor, entry)
    if entry.kind != EntryKind.POST or not can_edit(actor, entry):
        raise NotAllowed(_("Only the author may add photos to this post."))
    if not files:
        raise Invalid({"photos": [_("Choose at least one photo.")]})
    if Poll.objects.filter(entry=entry).exists():
        raise Invalid({"photos": [_("A post carries either a poll or photos, not both.")]})
    images = _check_images(files)
    album, _created = Album.objects.get_or_create(
        entry=entry, defaults={"title": (title or "").strip()[:200]}
    )
    photos = _save_photos(actor=actor, album=album, images=images)
    audit_record(actor=actor, action="stream.photos_add", target=album, changes={"count": len(photos)})
    return photos


def photo_thumbnail_make(*, photo_id: int) -> bool:
    """Make the thumbnail of a photo (the job's body). Does nothing when it exists or the photo is gone."""
    from PIL import Image, ImageOps

    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return False
    with photo.image.open("rb") as handle, Image.open(handle) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "L"):
            background = Image.new("RGB", image.size, "white")
            rgba = image.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            image = background
        image.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=82, optimize=True)
    data = out.getvalue()
    # Like every stored file: its type detected from the bytes and kept, its extension following that type.
    content_type = detect_content_type(data)
    with transaction.atomic():
        locked = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if locked is None or locked.thumbnail:
            return False
        locked.thumbnail.save(random_file_name(extension_for(content_type)), ContentFile(data), save=False)
        locked.thumbnail_content_type = content_type
        locked.save(update_fields=["thumbnail", "thumbnail_content_type"])
    return True
