"""CRM pages: files on records. Uploading is the timeline composer's file tab (crm:timeline_file); here the
permission-checked download and the delete."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.core.attachments import AttachmentDownloadView
from portal.core.errors import NotFound
from portal.core.htmx import partial_or_redirect

from ..models import CrmFile
from ..models.links import LINK_FIELDS
from ..selectors.activities import record_url
from ..services import files as services


@login_required
@require_POST
def file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    crm_file = CrmFile.objects.visible_to(request.user).filter(pk=pk).first()
    if crm_file is None:
        raise NotFound()
    back = next(
        (
            record_url(name, getattr(crm_file, f"{name}_id"))
            for name in LINK_FIELDS
            if getattr(crm_file, f"{name}_id")
        ),
        "",
    )
    services.file_delete(actor=request.user, crm_file=crm_file)
    return partial_or_redirect(request, back or "crm:activity_list", success=_("File deleted."))


urls = [
    path(
        "files/<int:pk>/download/",
        AttachmentDownloadView.as_view(
            queryset=lambda request, **kwargs: CrmFile.objects.visible_to(request.user), inline_allowed=True
        ),
        name="file_download",
    ),
    path("files/<int:pk>/delete/", file_delete, name="file_delete"),
]
