"""Stream pages: thin views over selectors and services.

An entry the user may not see answers 404; an action on a visible entry without the right answers 403.
htmx requests get the partial of the part of the page they changed (a card, the comments, the poll,
the like button, the next page of the feed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.attachments import file_response
from portal.core.htmx import partial_or_redirect, render_htmx

from . import selectors, services
from .filters import EntryFilterSet
from .forms import CommentEditForm, CommentForm, PhotosForm, PostEditForm, PostForm
from .models import Poll


def _feed_context(request: HttpRequest, *, form: PostForm | None = None) -> dict:
    user = request.user
    filterset = EntryFilterSet(request.GET or None, user=user)
    params = request.GET.copy()
    params.pop("before", None)
    pinned = selectors.pinned_ids(user=user)
    entries = selectors.feed_page(
        user=user, filters=request.GET, limit=selectors.PAGE_SIZE + 1, exclude_ids=pinned
    )
    has_more = len(entries) > selectors.PAGE_SIZE
    entries = entries[: selectors.PAGE_SIZE]
    my_groups = list(selectors.groups_addressable(user=user))
    return {
        "nav_area": "stream",
        "filter_form": filterset.form,
        "show": request.GET.get("show") or "all",
        "group_filter": request.GET.get("group") or "",
        "my_groups": my_groups,
        "pinned": selectors.entries_load(user=user, ids=pinned),
        "entries": entries,
        "next_cursor": selectors.cursor_for(entries[-1]) if has_more else None,
        "filter_query": params.urlencode(),
        "form": form or PostForm(user=user, addressable=my_groups),
        "comment_form": CommentForm(),
        "celebrations_html": _celebrations_html(user),
    }


def _celebrations_html(user) -> str:
    """The sidebar of birthdays and anniversaries, rendered once a day per language: it is the same for
    everybody (about a hundred people with their avatars on a company of thousands)."""
    from portal.people.selectors import people_daily

    def compute() -> str:
        return render_to_string("stream/partials/celebrations.html", selectors.celebrations(user=user))

    if not (user and user.is_authenticated and user.is_active):
        return compute()
    return mark_safe(people_daily(f"celebrations-html:{get_language()}", compute))  # noqa: S308 - our render


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The feed: composer, filters, pinned announcements, newest first; "more" appends with htmx."""
    before = request.GET.get("before")
    if before:
        user = request.user
        try:
            pinned = selectors.pinned_ids(user=user)
            entries = selectors.feed_page(
                user=user,
                filters=request.GET,
                before=before,
                limit=selectors.PAGE_SIZE + 1,
                exclude_ids=pinned,
            )
        except ValidationError:
            return HttpResponseBadRequest(_("The position in the feed is not valid."))
        has_more = len(entries) > selectors.PAGE_SIZE
        entries = entries[: selectors.PAGE_SIZE]
        params = request.GET.copy()
        params.pop("before", None)
        context = {
            "entries": entries,
            "next_cursor": selectors.cursor_for(entries[-1]) if has_more else None,
            "filter_query": params.urlencode(),
            "comment_form": CommentForm(),
        }
        return render_htmx(
            request, "stream/feed_more.html", context, partial="stream/partials/entry_page.html"
        )
    try:
        context = _feed_context(request)
    except ValidationError:
        return HttpResponseBadRequest(_("The filter is not valid."))
    return render(request, "stream/feed.html", context)


@login_required
@require_POST
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        entry = form.save(actor=request.user)
        if entry is not None:
            messages.success(request, _("Posted."))
            return redirect("stream:feed")
    return render(request, "stream/feed.html", _feed_context(request, form=form), status=400)


def _entry_context(request: HttpRequest, entry, **extra) -> dict:
    return {
        "nav_area": "stream",
        "entry": entry,
        "threads": selectors.comment_threads(user=request.user, entry=entry),
        "comment_form": CommentForm(),
        "full": True,
        **extra,
    }


@login_required
@require_GET
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get(user=request.user, pk=pk)
    return render(request, "stream/entry_detail.html", _entry_context(request, entry))


@login_required
@require_GET
def entry_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One feed card (htmx refresh after an action)."""
    entry = selectors.entry_get(user=request.user, pk=pk)
    return render(request, "stream/partials/entry_card.html", {"entry": entry, "comment_form": CommentForm()})


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    if not services.can_edit(request.user, entry) or entry.is_event:
        raise PermissionDenied(_("Only the author may change this post."))
    initial = {"body": entry.body, "is_important": entry.is_important}
    form = PostEditForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.save(actor=request.user, entry=entry) is not None
    ):
        messages.success(request, _("Saved."))
        return redirect(entry)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "stream/entry_edit.html", {"nav_area": "stream", "entry": entry, "form": form}, status=status
    )


@login_required
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    services.entry_delete(actor=request.user, entry=entry)
    return partial_or_redirect(request, "stream:feed", success=_("Deleted."))


@login_required
@require_POST
def entry_like(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    services.like_toggle(actor=request.user, entry=entry)
    return partial_or_redirect(
        request,
        entry,
        partial="stream/partials/like_button.html",
        context=lambda: {"entry": selectors.entry_get(user=request.user, pk=pk)},
    )


@login_required
@require_GET
def entry_likes(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    likes = selectors.like_list(user=request.user, entry=entry)
    context = {"nav_area": "stream", "entry": entry, "likes": likes}
    return render_htmx(request, "stream/likes.html", context, partial="stream/partials/likes.html")


@login_required
@require_POST
def entry_read(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    try:
        services.announcement_read(actor=request.user, entry=entry)
    except ValidationError as exc:
        text = " ".join(exc.messages)
        return partial_or_redirect(
            request, entry, response=lambda: HttpResponseBadRequest(text), errors=[text]
        )
    back = request.POST.get("next", "")
    return partial_or_redirect(
        request,
        back if back.startswith("/") and not back.startswith("//") else "stream:feed",
        partial="stream/partials/entry_card.html",
        context=lambda: {
            "entry": selectors.entry_get(user=request.user, pk=pk),
            "comment_form": CommentForm(),
        },
        success=_("Thank you: marked as read."),
    )


@login_required
@require_GET
def entry_readers(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    if not selectors.can_see_readers(request.user, entry):
        raise PermissionDenied(_("Only the author sees who has read the post."))
    report = selectors.announcement_readers(user=request.user, entry=entry)
    return render(request, "stream/readers.html", {"nav_area": "stream", "entry": entry, "report": report})


# --- comments --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def entry_comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the whole thread (htmx "show all"); POST: add a comment or reply."""
    entry = selectors.entry_get_plain(user=request.user, pk=pk)
    form = CommentForm(request.POST or None)
    errors = []
    if request.method == "POST":
        if form.is_valid() and form.save(actor=request.user, entry=entry) is not None:
            form = CommentForm()
        else:  # the partial shows the form's errors (200, so that htmx swaps them in); a page flashes them
            errors = [" ".join(str(e) for errs in form.errors.values() for e in errs)]
    # After a post the whole card comes back, so that its counters show the new comment too.
    return partial_or_redirect(
        request,
        entry,
        partial="stream/partials/entry_card.html"
        if request.method == "POST"
        else "stream/partials/comments.html",
        context=lambda: {
            "entry": selectors.entry_get(user=request.user, pk=pk),
            "threads": selectors.comment_threads(user=request.user, entry=entry),
            "comment_form": form,
            "full": True,
        },
        errors=errors,
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_get(user=request.user, pk=pk)
    if not services.can_edit(request.user, comment):
        raise PermissionDenied(_("Only the author may change this comment."))
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if (
        request.method == "POST"
        and form.is_valid()
        and form.save(actor=request.user, comment=comment) is not None
    ):
        messages.success(request, _("Saved."))
        return redirect(comment.photo or comment.entry)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "stream/comment_edit.html",
        {"nav_area": "stream", "comment": comment, "form": form},
        status=status,
    )


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_get(user=request.user, pk=pk)
    back = comment.photo or comment.entry
    services.comment_delete(actor=request.user, comment=comment)
    return partial_or_redirect(request, back, success=_("Comment deleted."))


# --- polls -----------------------------------------------------------------------------------------


def _poll_for(request: HttpRequest, pk: int) -> Poll:
    poll = Poll.objects.select_related("entry").filter(pk=pk).first()
    if poll is None:
        raise Http404("No poll matches the given query.")
    selectors.entry_get_plain(user=request.user, pk=poll.entry_id)  # 404 when hidden
    return poll


def _render_poll(request: HttpRequest, poll: Poll, *, error: str = "", status: int = 200) -> HttpResponse:
    entry = selectors.entry_get(user=request.user, pk=poll.entry_id)
    return render(
        request,
        "stream/partials/poll.html",
        {"entry": entry, "poll": entry.poll_or_none, "poll_error": error},
        status=status,
    )


@login_required
@require_POST
def poll_vote(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll_for(request, pk)
    try:
        services.poll_vote(actor=request.user, poll=poll, option_ids=request.POST.getlist("options"))
    except ValidationError as exc:
        text = " ".join(exc.messages)
        # 200 so that htmx swaps the poll in with the message; the write changed nothing.
        return partial_or_redirect(
            request, poll.entry, response=lambda: _render_poll(request, poll, error=text), errors=[text]
        )
    return partial_or_redirect(
        request, poll.entry, response=lambda: _render_poll(request, poll), success=_("Your vote is counted.")
    )


@login_required
@require_POST
def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll_for(request, pk)
    services.poll_close(poll=poll, actor=request.user)
    return partial_or_redirect(
        request, poll.entry, response=lambda: _render_poll(request, poll), success=_("The poll is closed.")
    )


# --- albums and photos -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def album_detail(request: HttpRequest, pk: int) -> HttpResponse:
    album = selectors.album_get(user=request.user, pk=pk)
    form = None
    if services.can_edit(request.user, album.entry):
        form = PhotosForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            if form.is_valid() and form.save(actor=request.user, album=album) is not None:
                messages.success(request, _("Photos added."))
                return redirect(album)
    elif request.method == "POST":
        raise PermissionDenied(_("Only the author may add photos to this album."))
    context = {
        "nav_area": "stream",
        "album": album,
        "entry": album.entry,
        "photos": selectors.album_photos(user=request.user, album=album),
        "form": form,
    }
    return render(
        request, "stream/album_detail.html", context, status=400 if form is not None and form.errors else 200
    )


@login_required
@require_GET
def photo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    photo = selectors.photo_get(user=request.user, pk=pk)
    previous_id, next_id = selectors.photo_neighbours(photo=photo)
    context = {
        "nav_area": "stream",
        "photo": photo,
        "album": photo.album,
        "entry": photo.album.entry,
        "previous_id": previous_id,
        "next_id": next_id,
        "threads": selectors.comment_threads(user=request.user, entry=photo.album.entry, photo=photo),
        "comment_form": CommentForm(),
        "likes": selectors.like_list(user=request.user, entry=photo.album.entry, photo=photo)[:20],
    }
    return render(request, "stream/photo_detail.html", context)


@login_required
@require_GET
def photo_file(request: HttpRequest, pk: int, size: str = "full") -> FileResponse:
    """The image itself, after the permission check (files never have a public URL)."""
    photo = selectors.photo_get(user=request.user, pk=pk)
    if size == "thumb" and photo.thumbnail:
        field, content_type = photo.thumbnail, photo.thumbnail_content_type
    else:
        field, content_type = photo.image, photo.content_type
    return file_response(
        field, content_type=content_type, download_name=photo.name, cache_control="private, max-age=3600"
    )


@login_required
@require_POST
def photo_like(request: HttpRequest, pk: int) -> HttpResponse:
    photo = selectors.photo_get(user=request.user, pk=pk)
    services.like_toggle(actor=request.user, entry=photo.album.entry, photo=photo)
    return redirect(photo)


@login_required
@require_POST
def photo_comment(request: HttpRequest, pk: int) -> HttpResponse:
    photo = selectors.photo_get(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if not (
        form.is_valid() and form.save(actor=request.user, entry=photo.album.entry, photo=photo) is not None
    ):
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(photo)


# --- pickers ---------------------------------------------------------------------------------------


@login_required
@require_GET
def people_picker(request: HttpRequest) -> HttpResponse:
    """Colleagues matching ?q= for the mention picker (an htmx partial): each inserts its mention markup."""
    from .mentions import mention_markup

    people = list(selectors.mention_candidates(user=request.user, query=request.GET.get("q", "")))
    for person in people:
        person.mention = mention_markup(person)
    return render(request, "stream/partials/people_picker.html", {"people": people})
