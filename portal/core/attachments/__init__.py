"""Files in and out of the portal: the one place that decides what is stored and how it is served.

Uploads:
- `check_image_upload` is for pictures the portal shows (profile photos, stream photos, chat images):
  it decodes the upload with Pillow, refuses what is not a JPEG, PNG, GIF or WebP and decompression
  bombs, then re-encodes the pixels into the same format. Nothing of the uploaded file but its pixels
  survives: no metadata, no text chunks, no comments, and so nothing a browser could take for a page.
- `check_file_upload` is for documents (group files, task files, chat attachments): it keeps the bytes,
  detects their type from the bytes (`detect_content_type`, never the browser's word nor the name).
Both give a sanitised display name and a random storage name whose extension follows the detected type,
so that no stored file ever ends in `.html` whatever it was called.

Downloads: `file_response` serves a stored file with the type stored at upload (only the types the
detector can answer; anything else goes out as application/octet-stream), inline only for a short list
of image types, always with `nosniff` and a sandboxing Content-Security-Policy.

The attachments piece puts these together, once for every app: `AttachmentBase` (the abstract row of a
kept file), `attachment_store` (the one upload service), `attachment_files_discard` (storage follows a
delete on commit), `attachment_thumbnail_job` in `portal.core.jobs` (pictures' thumbnails) and
`AttachmentDownloadView` (the one permission-checked download). A new app attaches files in a few lines:

    # models.py
    class DealFile(AttachmentBase):
        storage_folder, storage_owner_field, download_url_name = "crm", "deal", "crm:deal_file_download"
        deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="files")
        objects = DealFileQuerySet.as_manager()  # with visible_to(user)

    # services.py: the app checks who may attach, then hands the file part over
    deal_file = attachment_store(model=DealFile, actor=actor, upload=upload, deal=deal)

    # urls.py
    path("files/<int:pk>/download/", AttachmentDownloadView.as_view(
        queryset=lambda request, **kw: DealFile.objects.visible_to(request.user)), name="deal_file_download")

`attachment_store` raises `portal.core.errors.Invalid` ({field: [message]}) and stores nothing on bad
input; the app's own service keeps its permission checks, stream entry, audit row and counters.

The package: `detection` (types from the bytes, safe names), `uploads` (the checks), `stored` (the
abstract row, the upload service, thumbnails), `downloads` (the response and the download view).
"""

from portal.core.attachments.detection import (
    DOCX,
    EXTENSIONS,
    FILE_RESPONSE_CSP,
    IMAGE_FORMATS,
    INLINE_IMAGE_TYPES,
    OCTET_STREAM,
    ODP,
    ODS,
    ODT,
    PPTX,
    SERVABLE_TYPES,
    SNIFF_BYTES,
    XLSX,
    detect_content_type,
    detect_stored_content_type,
    extension_for,
    random_file_name,
    redetect_content_types,
    sanitize_file_name,
)
from portal.core.attachments.downloads import (
    AttachmentDownloadView,
    content_disposition,
    download_name_for,
    file_response,
    servable_content_type,
)
from portal.core.attachments.stored import (
    THUMBNAIL_BOX,
    THUMBNAIL_TYPES,
    AttachmentBase,
    AttachmentT,
    attachment_files_discard,
    attachment_max_bytes,
    attachment_store,
    attachment_thumbnail_make,
    attachment_thumbnail_upload_to,
    attachment_upload_to,
    stored_extension,
)
from portal.core.attachments.uploads import (
    DEFAULT_IMAGE_MAX_PIXELS,
    CleanFile,
    CleanImage,
    check_file_upload,
    check_image_upload,
    image_max_pixels,
)

__all__ = [
    "AttachmentBase",
    "AttachmentDownloadView",
    "AttachmentT",
    "CleanFile",
    "CleanImage",
    "DEFAULT_IMAGE_MAX_PIXELS",
    "DOCX",
    "EXTENSIONS",
    "FILE_RESPONSE_CSP",
    "IMAGE_FORMATS",
    "INLINE_IMAGE_TYPES",
    "OCTET_STREAM",
    "ODP",
    "ODS",
    "ODT",
    "PPTX",
    "SERVABLE_TYPES",
    "SNIFF_BYTES",
    "THUMBNAIL_BOX",
    "THUMBNAIL_TYPES",
    "XLSX",
    "attachment_files_discard",
    "attachment_max_bytes",
    "attachment_store",
    "attachment_thumbnail_make",
    "attachment_thumbnail_upload_to",
    "attachment_upload_to",
    "check_file_upload",
    "check_image_upload",
    "content_disposition",
    "detect_content_type",
    "detect_stored_content_type",
    "download_name_for",
    "extension_for",
    "file_response",
    "image_max_pixels",
    "random_file_name",
    "redetect_content_types",
    "sanitize_file_name",
    "servable_content_type",
    "stored_extension",
]
