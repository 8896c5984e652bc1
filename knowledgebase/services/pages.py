"""Writes of pages: create, edit (with the optimistic lock), publish, move and reorder, delete, files.

Who may write: the space's editors and administrators (`selectors.spaces.space_may_edit`); someone who may
not read the space gets `NotFound` (it does not exist for them), a reader gets `NotAllowed`. Every save of the
text keeps a revision (`services.revisions`, whose `page_revised` signal other features listen to).
"""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.core.attachments import attachment_store
from portal.core.audit import audit_record
from portal.core.errors import DomainError, Invalid, NotAllowed, NotFound

from ..choices import EveryoneAccess, PageLanguage, PageStatus, SpaceKind
from ..models import Page, PageFile, PageRevision, PageTag, Space, SpaceGrant
from ..selectors.pages import page_ancestor_ids
from ..selectors.revisions import Diff, text_diff
from ..selectors.spaces import space_may_edit, space_role
from .revisions import revision_add

log = logging.getLogger(__name__)

PUBLISHED_VERB = "kb.page.published"
PUBLISHED_TEMPLATE = "knowledgebase/pages/stream/published.html"
MAX_TAGS = 12
TAG_RE = re.compile(r"[^\w\- ]+", re.UNICODE)
BODY_MAX = 500_000


class EditConflict(Invalid):
    """The page changed since the editor opened it: the save is refused. `current` is the page's latest
    revision, `diff` what changed between the revision the editor started from and it."""

    code = "edit_conflict"

    def __init__(self, *, base: int, current: PageRevision, diff: Diff):
        super().__init__(
            fields={
                "base_revision": [
                    _(
                        "%(name)s saved a newer version (revision %(number)s) while you were editing. Your text is kept below: compare, merge and save again."
                    )
                    % {"name": _person(current.author), "number": current.number}
                ]
            },
            code=self.code,
        )
        self.base = base
        self.current = current
        self.diff = diff


def _person(user) -> str:
    return (user.full_name or user.email) if user is not None else _("someone")


def default_language(space: Space | None = None) -> str:
    """The search language of a new page: the space's, else the one the portal speaks now."""
    if space is not None and space.language:
        return space.language
    return PageLanguage.RUSSIAN if (get_language() or "").startswith("ru") else PageLanguage.ENGLISH


def _require_edit(actor, space: Space) -> None:
    if space_role(user=actor, space=space) is None:
        raise NotFound(_("No space matches the given query."))
    if not space_may_edit(user=actor, space=space):
        raise NotAllowed(_("You may read this space but not edit it."))


def _lock_for_edit(*, actor, page: Page) -> Page:
    """The page's row locked for the change, after checking that `actor` sees it and may edit its space."""
    if not Page.objects.visible_to(actor).filter(pk=page.pk).exists():
        raise NotFound(_("No page matches the given query."))
    locked = Page.objects.select_for_update().select_related("space").get(pk=page.pk)
    _require_edit(actor, locked.space)
    return locked


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    out = []
    for tag in tags or ():
        name = " ".join(TAG_RE.sub(" ", str(tag)).split()).lower()[:50]
        if name and name not in out:
            out.append(name)
    if len(out) > MAX_TAGS:
        raise Invalid(fields={"tags": [_("At most %(n)s tags.") % {"n": MAX_TAGS}]})
    return out


def _set_tags(page: Page, tags: list[str]) -> None:
    existing = set(page.tags.values_list("name", flat=True)) if page.pk else set()
    wanted = set(tags)
    if existing - wanted:
        PageTag.objects.filter(page=page, name__in=existing - wanted).delete()
    PageTag.objects.bulk_create([PageTag(page=page, name=name) for name in sorted(wanted - existing)])


def _check_text(*, title: str, body: str, review_by=None, responsible=None) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the page a title.")]
    elif len(title.strip()) > 255:
        errors["title"] = [_("A title has at most 255 characters.")]
    if len(body or "") > BODY_MAX:
        errors["body"] = [_("The text is too long.")]
    if responsible is not None and not responsible.is_active:
        errors["responsible"] = [_("Name someone working here.")]
    if errors:
        raise Invalid(fields=errors)


def _check_parent(space: Space, parent: Page | None) -> None:
    if parent is not None and parent.space_id != space.pk:
        raise Invalid(fields={"parent": [_("The parent page must be in the same space.")]})


def _next_position(space: Space, parent: Page | None) -> int:
    last = Page.objects.filter(space=space, parent=parent).aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


@transaction.atomic
def page_create(
    *,
    actor,
    space: Space,
    title: str,
    body: str = "",
    parent: Page | None = None,
    tags=(),
    responsible=None,
    review_by=None,
    language: str | None = None,
    publish: bool = True,
    comment: str = "",
    announce: bool = True,
) -> Page:
    """A new page at the end of `parent`'s children (or of the top level), with its first revision. Published
    at once (a stream entry for the space's readers, unless `announce` is false: an import) unless `publish` is
    false (a draft only its author sees). Audited as ``kb.page.create``."""
    _require_edit(actor, space)
    _check_text(title=title, body=body, responsible=responsible)
    _check_parent(space, parent)
    if language and language not in PageLanguage.values:
        raise Invalid(fields={"language": [_("Choose a language.")]})
    page = Page.objects.create(
        space=space,
        parent=parent,
        position=_next_position(space, parent),
        title=title.strip(),
        body=body or "",
        status=PageStatus.PUBLISHED if publish else PageStatus.DRAFT,
        language=language or default_language(space),
        responsible=responsible,
        review_by=review_by,
        revision=1,
        created_by=actor,
        updated_by=actor,
        published_at=timezone.now() if publish else None,
    )
    _set_tags(page, _clean_tags(tags))
    revision_add(actor=actor, page=page, comment=comment or _("Created"))
    audit_record(actor=actor, action="kb.page.create", target=page, changes={"title": [None, page.title]})
    if publish and announce:
        _publish_entry(actor=actor, page=page)
    return page


@transaction.atomic
def page_update(
    *,
    actor,
    page: Page,
    base_revision: int,
    title: str,
    body: str,
    comment: str = "",
    minor: bool = False,
    tags=None,
    responsible=...,
    review_by=...,
    language: str | None = None,
) -> Page:
    """Save a new text of the page as its next revision, if it is still based on the latest one.

    The optimistic lock: `base_revision` is the revision the editor opened; when someone saved another one
    meanwhile, nothing is written and `EditConflict` carries the other revision and the diff from the base to
    it (the view keeps the editor's text in the form). A save that changes nothing keeps no revision. The
    responsible editor, review date, tags and language change with it (no revision of their own).
    Audited as ``kb.page.update``."""
    page = _lock_for_edit(actor=actor, page=page)
    try:
        base = int(base_revision)
    except (TypeError, ValueError) as exc:
        raise Invalid(fields={"base_revision": [_("Reload the page and edit again.")]}) from exc
    _check_text(title=title, body=body, responsible=responsible if responsible is not ... else None)
    if base != page.revision:
        current = PageRevision.objects.select_related("author").get(page=page, number=page.revision)
        old = PageRevision.objects.filter(page=page, number=base).first()
        diff = text_diff(old.title if old else "", old.body if old else "", current.title, current.body)
        raise EditConflict(base=base, current=current, diff=diff)
    fields = ["updated_by", "updated_at"]
    meta = {}
    editor_before = page.answering_editor_id
    if responsible is not ... and responsible != page.responsible:
        meta["responsible"] = [page.responsible_id, getattr(responsible, "pk", None)]
        page.responsible = responsible
        fields.append("responsible")
    if review_by is not ... and review_by != page.review_by:
        meta["review_by"] = [str(page.review_by or ""), str(review_by or "")]
        page.review_by = review_by
        fields.append("review_by")
    if language and language != page.language:
        if language not in PageLanguage.values:
            raise Invalid(fields={"language": [_("Choose a language.")]})
        page.language = language
        fields.append("language")
    if tags is not None:
        _set_tags(page, _clean_tags(tags))
    title = title.strip()
    text_changed = title != page.title or (body or "") != page.body
    if text_changed:
        meta["revision"] = [page.revision, page.revision + 1]
        page.title, page.body = title, body or ""
        page.revision += 1
        fields += ["title", "body", "revision"]
    page.updated_by = actor
    page.save(update_fields=fields)
    if text_changed:
        revision_add(actor=actor, page=page, comment=comment, minor=minor)
    if "review_by" in meta or "responsible" in meta:  # who has it to review, and whether it is due, changed
        from portal.notifications.counters import counters_recount

        from .governance import REVIEW_COUNTER

        counters_recount({editor_before, page.answering_editor_id} - {None}, [REVIEW_COUNTER])
    if meta:
        audit_record(actor=actor, action="kb.page.update", target=page, changes=meta)
    return page


@transaction.atomic
def page_publish(*, actor, page: Page) -> Page:
    """Publish a draft: its space's readers see it, and the stream tells them. Audited."""
    page = _lock_for_edit(actor=actor, page=page)
    if page.status == PageStatus.PUBLISHED:
        return page
    page.status = PageStatus.PUBLISHED
    page.published_at = timezone.now()
    page.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor, action="kb.page.publish", target=page, changes={"status": ["draft", "published"]}
    )
    _publish_entry(actor=actor, page=page)
    return page


def _audience(actor, space: Space):
    """The stream audience of a space's readers: everyone, or its departments (those granted with their
    sub-departments), and the people named or in its workgroups or in a department granted alone."""
    from portal.groups.models import Membership
    from portal.people.models import User
    from portal.stream.audience import Audience

    if space.everyone_access != EveryoneAccess.NONE:
        return Audience(everyone=True)
    departments, users = [], {space.responsible_id}
    if space.owner_id:
        users.add(space.owner_id)
    single_departments, groups = [], []
    for grant in SpaceGrant.objects.filter(content_object=space):
        if grant.user_id:
            users.add(grant.user_id)
        elif grant.department_id and grant.include_subdepartments:
            departments.append(grant.department_id)
        elif grant.department_id:
            single_departments.append(grant.department_id)
        else:
            groups.append(grant.workgroup_id)
    if groups:
        users.update(Membership.objects.filter(group_id__in=groups).values_list("user_id", flat=True))
    if single_departments:
        users.update(
            User.objects.filter(department_id__in=single_departments, is_active=True).values_list(
                "pk", flat=True
            )
        )
    active = set(User.objects.filter(pk__in=users, is_active=True).values_list("pk", flat=True))
    return Audience(departments=departments, users=sorted(active))


def _publish_entry(*, actor, page: Page) -> None:
    """The stream entry of a published page, for the readers of its space (not for a personal space's)."""
    space = page.space
    if space.kind == SpaceKind.PERSONAL:
        return
    from portal.stream.services import entry_publish

    try:
        entry_publish(
            actor=actor,
            verb=PUBLISHED_VERB,
            target=page,
            audience=_audience(actor, space),
            template=PUBLISHED_TEMPLATE,
            context={"title": page.title, "space": space.title, "space_icon": space.icon},
        )
    except DomainError as exc:  # an audience that cannot be addressed must not undo the page
        log.warning("the page %s was not posted to the stream: %s", page.pk, exc.message)


@transaction.atomic
def page_move(*, actor, page: Page, parent: Page | None, position: int | None = None) -> Page:
    """Put the page (with its sub-tree) under `parent` (None: the top level) at `position` among its new
    siblings (None: last). Refuses a move under itself or one of its descendants (a cycle) and to another
    space. Audited as ``kb.page.move``."""
    page = _lock_for_edit(actor=actor, page=page)
    if parent is not None:
        if not Page.objects.visible_to(actor).filter(pk=parent.pk).exists():
            raise NotFound(_("No page matches the given query."))
        _check_parent(page.space, parent)
        if parent.pk == page.pk or page.pk in page_ancestor_ids(parent.pk):
            raise Invalid(
                fields={"parent": [_("A page cannot be moved under itself or one of its sub-pages.")]}
            )
    before = [page.parent_id, page.position]
    siblings = list(
        Page.objects.select_for_update()
        .filter(space=page.space, parent=parent)
        .exclude(pk=page.pk)
        .order_by("position", "id")
    )
    index = len(siblings) if position is None else max(0, min(int(position), len(siblings)))
    siblings.insert(index, page)
    changed = []
    for number, sibling in enumerate(siblings):
        if sibling.position != number or sibling.pk == page.pk:
            sibling.position = number
            changed.append(sibling)
    page.parent = parent
    Page.objects.bulk_update(changed, ["position"])
    page.save(update_fields=["parent", "position", "updated_at"])
    audit_record(
        actor=actor,
        action="kb.page.move",
        target=page,
        changes={"place": [before, [page.parent_id, page.position]]},
    )
    return page


@transaction.atomic
def page_delete(*, actor, page: Page) -> None:
    """Delete the page and its sub-pages, revisions and files (the space's editors). Audited."""
    page = _lock_for_edit(actor=actor, page=page)
    audit_record(actor=actor, action="kb.page.delete", target=page, changes={"title": [page.title, None]})
    from portal.core.attachments import attachment_files_discard

    files = PageFile.objects.filter(page_id__in=[page.pk, *_descendant_ids(page)])
    attachment_files_discard(*files)
    page.delete()


def _descendant_ids(page: Page) -> list[int]:
    ids, frontier = [], [page.pk]
    while frontier:
        frontier = list(Page.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


@transaction.atomic
def page_file_add(*, actor, page: Page, upload) -> PageFile:
    """Attach a file or an inline image to the page (its space's editors). Audited."""
    page = _lock_for_edit(actor=actor, page=page)
    stored = attachment_store(model=PageFile, actor=actor, upload=upload, page=page)
    audit_record(actor=actor, action="kb.page.file_add", target=page, changes={"file": [None, stored.name]})
    return stored


@transaction.atomic
def page_file_delete(*, actor, file: PageFile) -> None:
    """Remove a file of the page (its space's editors). Audited."""
    page = _lock_for_edit(actor=actor, page=file.page)
    from portal.core.attachments import attachment_files_discard

    audit_record(actor=actor, action="kb.page.file_delete", target=page, changes={"file": [file.name, None]})
    attachment_files_discard(file)
    file.delete()
