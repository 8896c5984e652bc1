"""Chat pages: thin views that read through selectors and write through services.

A chat the user is not a member of answers 404. htmx requests get the partial of what they changed;
the same message partial is what live events append (see rendering.py and static/lumen/chat.js).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.core.absences import absence_until
from portal.core.attachments import AttachmentDownloadView
from portal.core.htmx import partial_or_redirect, redirect_htmx, render_htmx

from . import selectors, services
from .forms import GroupChatForm, MemberAddForm, MessageEditForm, MessageForm, PersonChoiceForm
from .models import ChatMember
from .rendering import history_items, render_message

LIST_PAGE_SIZE = 30


def _members(chat) -> list[ChatMember]:
    return list(
        ChatMember.objects.filter(chat=chat).select_related("user").order_by("user__first_name", "id")
    )


def _can_manage(user, chat) -> bool:
    return not chat.is_direct and not chat.workgroup_id and chat.created_by_id == user.pk


@login_required
@require_GET
def chat_list(request: HttpRequest) -> HttpResponse:
    """My chats with unread badges and the last message; pickers for a new direct or group chat."""
    query = request.GET.get("q", "")
    chats = selectors.chat_list(user=request.user, query=query)
    page = Paginator(chats, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav_area": "chat", "page_obj": page, "chats": page.object_list, "query": query}
    return render_htmx(
        request, "chat/chat_list.html", context, partial="chat/partials/chat_list_results.html"
    )


@login_required
@require_GET
def people_search(request: HttpRequest) -> HttpResponse:
    """The person picker of the chat list (htmx): colleagues matching `q`, each with a button to chat."""
    people = selectors.people_for_chat(user=request.user, query=request.GET.get("q", ""))
    return render(request, "chat/partials/people_results.html", {"people": people})


@login_required
@require_POST
def direct_open(request: HttpRequest) -> HttpResponse:
    """Open (or create) the direct chat with a colleague."""
    form = PersonChoiceForm(request.POST, actor=request.user)
    if form.is_valid():
        chat = form.run(services.chat_direct_open, actor=request.user, other=form.cleaned_data["user"])
        if chat is not None:
            return redirect(chat)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("chat:list")


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    """Start a named group chat with chosen colleagues."""
    form = GroupChatForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        chat = form.save(actor=request.user)
        if chat is not None:
            messages.success(request, _("The chat “%(name)s” is ready.") % {"name": chat.title})
            return redirect(chat)
    status = 400 if request.method == "POST" else 200
    return render(request, "chat/chat_form.html", {"nav_area": "chat", "form": form}, status=status)


@login_required
@require_POST
def workgroup_chat(request: HttpRequest, group_id: int) -> HttpResponse:
    """Open the chat of a workgroup I am a member of (created on first use)."""
    from portal.groups.models import Workgroup

    group = get_object_or_404(Workgroup.objects.visible_to(request.user), pk=group_id)
    chat = services.chat_workgroup_open(actor=request.user, group=group)
    return redirect(chat)


def _detail_context(request: HttpRequest, chat, *, form=None, member_errors=None) -> dict:
    user = request.user
    members = _members(chat)
    page = selectors.message_page(user=user, chat=chat)
    can_manage = _can_manage(user, chat)
    return {
        "nav_area": "chat",
        "chat": chat,
        "chat_title": chat.display_title(user) if not chat.is_direct else _direct_title(chat, user, members),
        "chat_away": _direct_away(chat, user, members),
        "members": members,
        "can_manage": can_manage,
        "member_form": MemberAddForm(actor=user) if can_manage else None,
        "items": history_items(messages=page.messages, viewer=user, chat=chat, members=members),
        "page": page,
        "form": form or MessageForm(),
        "member_errors": member_errors or [],
        "file_max_bytes": services.file_max_bytes(),
    }


def _direct_away(chat, user, members):
    """In a direct chat, whether the other person is away today and until when ("Vacation until 12 Jan",
    core's absences), else None."""
    if not chat.is_direct:
        return None
    other = next((m.user for m in members if m.user_id != user.pk), None)
    if other is None:
        return None
    return absence_until(user_ids=[other.pk], day=timezone.localdate()).get(other.pk)


def _direct_title(chat, user, members) -> str:
    for m in members:
        if m.user_id != user.pk:
            return m.user.full_name or m.user.email
    return chat.display_title(user)


@login_required
@require_GET
def chat_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The chat: its newest messages, the composer and the members. Opening it marks it read."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    services.chat_mark_read(actor=request.user, chat=chat)
    return render(request, "chat/chat_detail.html", _detail_context(request, chat))


@login_required
@require_http_methods(["GET", "POST"])
def chat_messages(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: older messages (`?before=<id>`, htmx). POST: send a message (the composer)."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    if request.method == "GET":
        try:
            before = int(request.GET.get("before") or 0) or None
        except ValueError:
            before = None
        page = selectors.message_page(user=request.user, chat=chat, before=before)
        items = history_items(messages=page.messages, viewer=request.user, chat=chat, members=_members(chat))
        return render(
            request, "chat/partials/message_page.html", {"chat": chat, "items": items, "page": page}
        )

    form = MessageForm(request.POST, request.FILES)
    message = form.send(actor=request.user, chat=chat) if form.is_valid() else None
    if message is None:
        # A refused message: the page answers 400, the composer 200 so that htmx swaps the errors in.
        return render_htmx(
            request,
            "chat/chat_detail.html",
            {"chat": chat, "form": form},
            partial="chat/partials/composer.html",
            status=400,
            partial_status=200,
            page_context=lambda: _detail_context(request, chat, form=form),
        )
    return partial_or_redirect(
        request,
        f"{chat.get_absolute_url()}#message-{message.pk}",
        partial="chat/partials/composer.html",
        context=lambda: {
            "chat": chat,
            "form": MessageForm(),
            "appended": render_message(message=message, viewer=request.user, request=request),
        },
    )


def _message_response(request: HttpRequest, message) -> HttpResponse:
    return partial_or_redirect(
        request,
        f"{message.chat.get_absolute_url()}#message-{message.pk}",
        response=lambda: HttpResponse(render_message(message=message, viewer=request.user, request=request)),
    )


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """One message as I see it (htmx: cancelling an edit, a live event the page fetches)."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    message = selectors.message_get(user=request.user, pk=message_id, chat=chat)
    return HttpResponse(render_message(message=message, viewer=request.user, request=request))


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """Edit my own message in place (htmx), or on its own page without JavaScript."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    message = selectors.message_get(user=request.user, pk=message_id, chat=chat)
    if message.author_id != request.user.pk or message.is_deleted:
        raise PermissionDenied(_("Only the author changes a message."))
    form = MessageEditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        saved = form.save(actor=request.user, message=message)
        if saved is not None:
            return _message_response(request, saved)
    context = {"chat": chat, "message": message, "form": form, "nav_area": "chat"}
    # A refused edit: the page answers 400, the partial 200 so that htmx swaps the errors in.
    return render_htmx(
        request,
        "chat/message_edit.html",
        context,
        partial="chat/partials/message_edit.html",
        status=400 if request.method == "POST" else 200,
        partial_status=200,
    )


@login_required
@require_POST
def message_delete(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    """Delete my own message; a "deleted" stub stays."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    message = selectors.message_get(user=request.user, pk=message_id, chat=chat)
    message = services.message_delete(actor=request.user, message=message)
    return _message_response(request, message)


@login_required
@require_POST
def chat_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the chat read (up to `message_id` when given)."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    try:
        message_id = int(request.POST["message_id"]) if request.POST.get("message_id") else None
    except ValueError:
        message_id = None
    services.chat_mark_read(actor=request.user, chat=chat, message_id=message_id)
    return partial_or_redirect(request, chat, status=204)


def _members_response(request: HttpRequest, chat, errors=None, *, form=None) -> HttpResponse:
    """The members panel; after a refused addition its picker keeps the chosen chips (`form`)."""

    def context() -> dict:
        chat.refresh_from_db(fields=["members_count"])
        can_manage = _can_manage(request.user, chat)
        return {
            "chat": chat,
            "members": _members(chat),
            "can_manage": can_manage,
            "member_errors": errors or [],
            "member_form": (form or MemberAddForm(actor=request.user)) if can_manage else None,
        }

    return partial_or_redirect(
        request, chat, partial="chat/partials/members.html", context=context, errors=errors or ()
    )


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add colleagues, chosen as chips, to a group chat (its creator): all of them or none."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    form = MemberAddForm(request.POST, actor=request.user)
    if form.is_valid() and form.save(actor=request.user, chat=chat):
        return _members_response(request, chat)
    errors = [e for errs in form.errors.values() for e in errs]
    return _members_response(request, chat, errors, form=form)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Remove someone from a group chat (its creator), or leave it (anyone, for themselves)."""
    chat = selectors.chat_get(user=request.user, pk=pk)
    membership = get_object_or_404(selectors.chat_members(user=request.user, chat=chat), user_id=user_id)
    try:
        services.chat_member_remove(actor=request.user, chat=chat, user=membership.user)
    except ValidationError as exc:
        return _members_response(request, chat, list(exc.messages))
    if membership.user_id == request.user.pk:
        messages.success(request, _("You left the chat."))
        return redirect_htmx(request, "chat:list")
    return _members_response(request, chat)


# A message's file, for the chat's members only (404 for everybody else); pictures show inline.
attachment_download = AttachmentDownloadView.as_view(
    queryset=selectors.attachment_queryset,
    lookup_field="message_id",
    lookup_kwarg="message_id",
    inline_allowed=True,
)
