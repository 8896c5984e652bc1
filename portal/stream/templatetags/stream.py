"""Template helpers of the stream: texts with mentions, event entries, poll results."""

import datetime

from django import template
from django.template.loader import get_template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from portal.core.links import url_for_pk
from portal.core.templatetags.lumen import avatar_html, time_ago
from portal.stream import mentions

register = template.Library()


@register.filter
def stream_text(text):
    """Escaped text with mentions as profile links and paragraphs."""
    return mentions.render(str(text or ""))


@register.simple_tag(takes_context=True)
def render_event(context, entry):
    """An event entry through the template its publisher chose (the context is stored with the entry)."""
    data = dict(entry.context or {})
    values = {
        **data,
        "entry": entry,
        "actor": entry.author,
        "context": data,
        "target_url": data.get("target_url", ""),
        "target_repr": data.get("target_repr", ""),
    }
    try:
        return get_template(entry.template).render(values, context.get("request"))
    except template.TemplateDoesNotExist:
        return mark_safe(f"<p>{escape(entry.verb)}</p>")  # noqa: S308 - escaped


@register.filter
def stream_datetime(value, format_name="DATETIME_FORMAT"):
    """A moment stored in an event's context (ISO text, as JSON keeps it) shown in the reader's time zone
    and language. Publishers store the moment, never its text: the entry is written once, in the actor's
    zone and language, but read by everybody in their own. Unreadable text is shown as it is."""
    if not value:
        return ""
    moment = value
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None:
            return value
    if isinstance(moment, datetime.datetime):
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        moment = timezone.localtime(moment)
    return formats.date_format(moment, format_name)


@register.filter
def percent(part, whole):
    try:
        return round(100 * int(part) / int(whole)) if int(whole) else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def audience_label(entry):
    """ "Everyone", or the names of the departments, groups and people the entry is for."""
    if entry.audience_everyone:
        return ""
    return ", ".join(str(row.target) for row in entry.audience.all())


# The fixed words of a feed card. A page shows 20 cards with several comments each, and a `{% translate %}`
# per word and per card was a visible share of the page's time: the words are translated once per language
# and process (they are the same for everybody), and a card reads them as `{{ L.key }}`.
CARD_LABELS = {
    "actions": gettext_noop("Actions"),
    "cancel": gettext_noop("cancel"),
    "comment": gettext_noop("Comment"),
    "confirmed": gettext_noop("You have confirmed reading this."),
    "delete": gettext_noop("Delete"),
    "delete_comment": gettext_noop("Delete this comment?"),
    "delete_post": gettext_noop("Delete this post?"),
    "edit": gettext_noop("Edit"),
    "edited": gettext_noop("edited"),
    "everyone": gettext_noop("Everyone"),
    "i_have_read": gettext_noop("I have read it"),
    "important": gettext_noop("Important"),
    "like": gettext_noop("Like"),
    "readers": gettext_noop("Who has read it"),
    "readers_all": gettext_noop("See who has and has not read it"),
    "reply": gettext_noop("Reply"),
    "replying_to": gettext_noop("Replying to"),
    "send": gettext_noop("Send"),
    "write_comment": gettext_noop("Write a comment…"),
}
_labels_by_language: dict[str | None, dict[str, str]] = {}


@register.simple_tag
def stream_labels() -> dict[str, str]:
    """`{% stream_labels as L %}`: the card's fixed words in the active language."""
    language = get_language()
    labels = _labels_by_language.get(language)
    if labels is None:
        labels = _labels_by_language[language] = {key: gettext(text) for key, text in CARD_LABELS.items()}
    return labels


# --- the feed card, built in Python ---------------------------------------------------------------------
# A feed page shows 20 cards, each with a like button, a comment form and a few comments: rendered through
# the template engine (includes, a variable lookup and a localisation per value, a `{% csrf_token %}` per
# form) the cards were most of the page's time. They are built here from strings instead, with what is the
# same for every card of a page (the reader, the CSRF field, the fixed words) computed once per page.
# The partials (entry_card.html, comment.html, like_button.html, comment_form.html) call these tags, so the
# card has one definition whatever renders it.


class _Page:
    """What every card of one page shares, computed once per render (kept in the render context)."""

    def __init__(self, context):
        user = context.get("user")
        self.user_pk = getattr(user, "pk", None)
        self.is_staff = bool(getattr(user, "is_staff", False))
        token = context.get("csrf_token")
        self.csrf = (
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token and token != "NOTPROVIDED"
            else ""
        )
        self.L = _escaped_labels()
        form = context.get("comment_form")
        self._form_tail = None
        self.form = form

    def form_tail(self) -> str:
        """The comment form after its opening tag (the same under every card of the page)."""
        if self._form_tail is None:
            L, form = self.L, self.form
            value = ""
            errors = ""
            if form is not None:
                bound = form["body"]
                value = bound.value()
                value = conditional_escape(value) if value else ""
                errors = "".join(
                    format_html('<div class="invalid-feedback d-block">{}</div>', e)
                    for e in list(bound.errors) + list(form.non_field_errors())
                )
            self._form_tail = (
                f"{self.csrf}\n"
                '  <input type="hidden" name="parent" value="" data-parent-input>\n'
                f'  <div class="small text-body-secondary d-none mb-1" data-reply-note>{L["replying_to"]} '
                '<span data-reply-who></span> <button type="button" class="btn btn-link btn-sm p-0" '
                f"data-reply-cancel>{L['cancel']}</button></div>\n"
                '  <div class="d-flex gap-2 align-items-start">\n'
                '    <textarea name="body" rows="1" class="form-control form-control-sm" '
                f'placeholder="{L["write_comment"]}" aria-label="{L["comment"]}" data-mention-target>{value}'
                "</textarea>\n"
                '    <button class="btn btn-sm btn-primary" type="submit" data-comment-submit><i class="bi bi-send" aria-hidden="true">'
                f'</i><span class="visually-hidden">{L["send"]}</span></button>\n'
                "  </div>\n"
                f"  {errors}\n"
                "</form>"
            )
        return self._form_tail


_escaped_by_language: dict[str | None, dict[str, str]] = {}


def _escaped_labels() -> dict[str, str]:
    language = get_language()
    labels = _escaped_by_language.get(language)
    if labels is None:
        labels = _escaped_by_language[language] = {k: escape(v) for k, v in stream_labels().items()}
    return labels


def _page(context) -> _Page:
    # The render context's bottom layer lives as long as the render of the page (its top one, the
    # only one `get` reads, as long as one template of it).
    shared = context.render_context.dicts[0]
    page = shared.get("stream_card_page")
    if page is None:
        page = shared["stream_card_page"] = _Page(context)
    return page


def _when(value) -> str:
    return escape(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT"))


def _since(value) -> str:
    """ "just now" or "5 minutes ago" (the one helper in core)."""
    return escape(time_ago(value))


def _name(person) -> str:
    return escape(person.full_name or person.email)


def like_button_html(page: _Page, entry) -> str:
    L = page.L
    url = url_for_pk("stream:entry_like", entry.pk)
    liked = getattr(entry, "liked_by_me", False)
    return (
        f'<form id="like-{entry.pk}" method="post" action="{url}" hx-post="{url}" hx-target="this" '
        f'hx-swap="outerHTML" class="d-inline">{page.csrf}\n'
        f'  <button type="submit" class="btn btn-sm {"btn-primary" if liked else "btn-outline-primary"}" '
        f'aria-pressed="{"true" if liked else "false"}" data-like-button>\n'
        f'    <i class="bi {"bi-hand-thumbs-up-fill" if liked else "bi-hand-thumbs-up"}" aria-hidden="true"></i> {L["like"]} '
        f'<span class="badge text-bg-light" data-likes-count>{entry.likes_count}</span>\n'
        "  </button>\n"
        "</form>"
    )


def comment_html(page: _Page, comment, *, reply_allowed: bool) -> str:
    L = page.L
    author = comment.author
    mine = comment.author_id == page.user_pk
    edited = f' · <span class="fst-italic">{L["edited"]}</span>' if comment.edited_at else ""
    actions = []
    if reply_allowed:
        actions.append(
            f'<button type="button" class="btn btn-link btn-sm p-0 text-body-secondary" '
            f'data-reply-to="{comment.pk}" data-reply-name="{escape(author.full_name)}">{L["reply"]}</button>'
        )
    if mine:
        actions.append(
            f'<a class="text-body-secondary" href="{url_for_pk("stream:comment_edit", comment.pk)}">'
            f"{L['edit']}</a>"
        )
    if mine or page.is_staff:
        actions.append(
            f'<form method="post" action="{url_for_pk("stream:comment_delete", comment.pk)}" class="d-inline" '
            f'data-confirm="{L["delete_comment"]}">{page.csrf}<button class="btn btn-link btn-sm p-0 '
            f'text-body-secondary" type="submit">{L["delete"]}</button></form>'
        )
    return (
        f'<div class="d-flex gap-2 mb-2 stream-comment" id="comment-{comment.pk}" data-comment="{comment.pk}">\n'
        f"  {avatar_html(author, 28, 10)}\n"
        '  <div class="flex-grow-1 min-w-0">\n'
        '    <div class="bg-body rounded px-2 py-1 border">\n'
        f'      <div class="small"><a class="fw-semibold text-reset" href="{author.get_absolute_url()}">'
        f"{_name(author)}</a>\n"
        f'        <span class="text-body-secondary">· {_since(comment.created_at)}{edited}</span></div>\n'
        f'      <div class="stream-text small">{mentions.render(str(comment.body or ""))}</div>\n'
        "    </div>\n"
        f'    <div class="small d-flex gap-3 ms-1">\n      {"".join(actions)}\n    </div>\n'
        "  </div>\n"
        "</div>\n"
    )


def comment_form_html(page: _Page, *, entry=None, photo=None) -> str:
    if photo:
        head = f'<form method="post" action="{url_for_pk("stream:photo_comment", photo.pk)}"\n  '
    else:
        url = url_for_pk("stream:entry_comments", entry.pk)
        head = (
            f'<form method="post" action="{url}"\n  hx-post="{url}" hx-target="#entry-{entry.pk}" '
            'hx-swap="outerHTML"'
        )
    return f'{head} class="stream-comment-form" data-comment-form>{page.form_tail()}'


def _dropdown(page: _Page, entry) -> str:
    L = page.L
    mine = entry.author_id == page.user_pk
    actions = getattr(entry, "extra_actions", None) or []
    if not (mine or page.is_staff or actions):
        return ""
    items = []
    if mine and not entry.is_event:
        items.append(
            f'<li><a class="dropdown-item" href="{url_for_pk("stream:entry_edit", entry.pk)}">'
            f'<i class="bi bi-pencil" aria-hidden="true"></i> {L["edit"]}</a></li>'
        )
    if entry.is_important:
        items.append(
            f'<li><a class="dropdown-item" href="{url_for_pk("stream:entry_readers", entry.pk)}">'
            f'<i class="bi bi-eye" aria-hidden="true"></i> {L["readers"]}</a></li>'
        )
    for action in actions:
        items.append(
            format_html(
                '<li><a class="dropdown-item" href="{}" data-action="{}"><i class="bi {}" aria-hidden="true"></i> {}</a></li>',
                action.url,
                action.key,
                action.icon,
                action.label,
            )
        )
    if mine or page.is_staff:
        items.append(
            f'<li><form method="post" action="{url_for_pk("stream:entry_delete", entry.pk)}" '
            f'data-confirm="{L["delete_post"]}">{page.csrf}<button class="dropdown-item text-danger" '
            f'type="submit"><i class="bi bi-trash" aria-hidden="true"></i> {L["delete"]}</button></form></li>'
        )
    lines = "\n        ".join(items)
    return (
        '\n    <div class="dropdown">\n'
        '      <button class="btn btn-sm btn-link text-body-secondary" type="button" data-bs-toggle="dropdown" '
        f'aria-expanded="false" aria-label="{L["actions"]}"><i class="bi bi-three-dots" aria-hidden="true"></i></button>\n'
        '      <ul class="dropdown-menu dropdown-menu-end">\n'
        f"        {lines}\n"
        "      </ul>\n"
        "    </div>"
    )


def _album_html(album) -> str:
    thumbs = "".join(
        format_html(
            '<a href="{}" class="stream-thumb"><img src="{}" alt="{}" loading="lazy"></a>',
            photo.get_absolute_url(),
            url_for_pk("stream:photo_thumb", photo.pk),
            photo.name,
        )
        for photo in album.first_photos
    )
    title = escape(album.title or gettext("Photos"))
    return (
        '\n  <div class="stream-album mt-2">\n'
        f'    <div class="small text-body-secondary mb-1"><i class="bi bi-images" aria-hidden="true"></i> <a href="'
        f'{album.get_absolute_url()}">{title}</a> · {album.photos_count}</div>\n'
        f'    <div class="stream-album-grid">\n      {thumbs}\n    </div>\n'
        "  </div>"
    )


def _read_html(page: _Page, entry) -> str:
    L = page.L
    if not entry.is_important:
        return ""
    if entry.author_id != page.user_pk:
        if getattr(entry, "read_by_me", False):
            inner = f'<span class="small text-success"><i class="bi bi-check2-circle" aria-hidden="true"></i> {L["confirmed"]}</span>'
        else:
            url = url_for_pk("stream:entry_read", entry.pk)
            inner = (
                f'<form method="post" action="{url}" hx-post="{url}" hx-target="#entry-{entry.pk}" '
                f'hx-swap="outerHTML">{page.csrf}\n'
                '        <button class="btn btn-warning btn-sm" type="submit" data-read-button>'
                f'<i class="bi bi-check2" aria-hidden="true"></i> {L["i_have_read"]}</button>\n'
                "      </form>"
            )
        return f'\n    <div class="mt-3" id="read-{entry.pk}">\n      {inner}\n    </div>'
    return (
        f'\n    <div class="mt-3 small"><a href="{url_for_pk("stream:entry_readers", entry.pk)}" '
        f'id="readers-link-{entry.pk}"><i class="bi bi-eye" aria-hidden="true"></i> {L["readers_all"]}</a></div>'
    )


def entry_card_html(context, entry) -> str:
    """One feed card (what stream/partials/entry_card.html shows)."""
    page = _page(context)
    L = page.L
    pk = entry.pk
    author = entry.author
    entry_url = entry.get_absolute_url()
    mine = entry.author_id == page.user_pk
    pinned = entry.is_important and not getattr(entry, "read_by_me", False) and not mine
    to = audience_label(entry)
    edited = (
        f'<span class="ms-1 fst-italic" title="{_when(entry.edited_at)}">· {L["edited"]}</span>'
        if entry.edited_at
        else ""
    )
    important = (
        f'<span class="badge text-bg-warning" data-important><i class="bi bi-pin-angle-fill" aria-hidden="true"></i> '
        f"{L['important']}</span>"
        if entry.is_important
        else ""
    )
    text = render_event(context, entry) if entry.is_event else mentions.render(str(entry.body or ""))
    notes = getattr(entry, "annotations", None)
    notes_html = ""
    if notes:
        notes_html = (
            '<div class="stream-notes small mt-1">'
            + "".join(
                format_html(
                    '<a class="d-inline-flex align-items-center gap-1 me-2 link-secondary" href="{}" '
                    'data-annotation="{}"><i class="bi {}" aria-hidden="true"></i> {}</a>',
                    note.url,
                    note.key,
                    note.icon,
                    note.label,
                )
                for note in notes
            )
            + "</div>"
        )
    poll = getattr(entry, "poll_or_none", None)
    poll_html = ""
    if poll:
        with context.push(entry=entry, poll=poll):
            poll_html = context.template.engine.get_template("stream/partials/poll.html").render(context)
    album = getattr(entry, "album_or_none", None)
    likes = ""
    if entry.likes_count:
        url = url_for_pk("stream:entry_likes", pk)
        n = entry.likes_count
        # (Translated outside the f-string: gettext's extractor does not look inside f-strings.)
        who = ngettext("%(n)s person likes this", "%(n)s people like this", n) % {"n": n}
        likes = (
            f'\n      <a class="small text-body-secondary ms-1" href="{url}" hx-get="{url}" hx-target="#likes-{pk}" '
            f"data-likes-link>{who}</a>"
        )
    if context.get("full"):
        with context.push(entry=entry):
            footer = context.template.engine.get_template("stream/partials/comments.html").render(context)
    else:
        parts = []
        latest = entry.latest_comments
        if entry.comments_count > len(latest):
            n = entry.comments_count
            show_all = ngettext("Show the %(n)s comment", "Show all %(n)s comments", n) % {"n": n}
            parts.append(
                f'<a class="small d-inline-block mb-2" href="{entry_url}#comments" '
                f'hx-get="{url_for_pk("stream:entry_comments", pk)}" hx-target="#comments-{pk}" data-all-comments>'
                f"{show_all}</a>\n"
            )
        parts.extend(comment_html(page, c, reply_allowed=False) for c in latest)
        parts.append(comment_form_html(page, entry=entry))
        footer = "".join(parts)
    return mark_safe(  # noqa: S308 - every value above is escaped or built from escaped parts
        f'<article class="card mb-3 shadow-sm stream-entry{" stream-entry-pinned border-warning" if pinned else ""}" '
        f'id="entry-{pk}" data-entry="{pk}">\n'
        f'  <div class="card-body" id="entry-body-{pk}">\n'
        '  <header class="d-flex align-items-start gap-2 mb-2">\n'
        f"    {avatar_html(author, 40, 13)}\n"
        '    <div class="flex-grow-1 min-w-0">\n'
        f'      <div class="fw-semibold text-truncate"><a href="{author.get_absolute_url()}" class="text-reset">'
        f"{_name(author)}</a>\n"
        '        <span class="text-body-secondary fw-normal small"><i class="bi bi-caret-right-fill" aria-hidden="true"></i> '
        f"{escape(to) if to else L['everyone']}</span>\n"
        "      </div>\n"
        '      <div class="small text-body-secondary">\n'
        f'        <a href="{entry_url}" class="text-reset" title="{_when(entry.created_at)}">'
        f"{_since(entry.created_at)}</a>\n"
        f"        {edited}\n"
        "      </div>\n"
        "    </div>\n"
        f"    {important}{_dropdown(page, entry)}\n"
        "  </header>\n\n"
        f'  <div class="stream-text">{text}</div>\n'
        f"  {notes_html}\n"
        f"  {poll_html}"
        f"{_album_html(album) if album else ''}"
        f"{_read_html(page, entry)}\n\n"
        '  <div class="d-flex align-items-center gap-2 mt-3">\n'
        f"    {like_button_html(page, entry)}\n"
        f'    <a class="btn btn-sm btn-outline-secondary" href="{entry_url}#comments"><i class="bi bi-chat" aria-hidden="true"></i> '
        f"{entry.comments_count}</a>{likes}\n"
        "  </div>\n"
        f'  <div id="likes-{pk}"></div>\n'
        "</div>\n"
        f'  <div class="card-footer bg-body-tertiary" id="comments-{pk}">\n'
        f"{footer}\n"
        "  </div>\n"
        "</article>\n"
    )


@register.simple_tag(takes_context=True)
def entry_card(context, entry):
    """`{% entry_card entry %}`: one feed card."""
    return entry_card_html(context, entry)


@register.simple_tag(takes_context=True)
def entry_cards(context, entries):
    """`{% entry_cards entries %}`: the cards of a page, one after the other."""
    return mark_safe("".join(entry_card_html(context, entry) for entry in entries))  # noqa: S308 - built escaped


@register.simple_tag(takes_context=True)
def stream_comment(context, comment, reply_allowed=False):
    """`{% stream_comment comment reply_allowed %}`: one comment (stream/partials/comment.html)."""
    return mark_safe(comment_html(_page(context), comment, reply_allowed=bool(reply_allowed)))  # noqa: S308


@register.simple_tag(takes_context=True)
def stream_like_button(context, entry):
    """`{% stream_like_button entry %}`: the like button of an entry (stream/partials/like_button.html)."""
    return mark_safe(like_button_html(_page(context), entry))  # noqa: S308


@register.simple_tag(takes_context=True)
def stream_comment_form(context):
    """`{% stream_comment_form %}`: the comment form of the entry or photo in the context."""
    page = _page(context)
    return mark_safe(  # noqa: S308
        comment_form_html(page, entry=context.get("entry"), photo=context.get("photo"))
    )
