"""Uploaded photos: checked by their content, stored under a name of our own, served only through views
that have checked the data scope (MEDIA_ROOT itself is never served)."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.html import format_html
from django.utils.translation import gettext as _

PHOTO_MAX_MB = 10
# The first bytes of the picture formats a phone takes or a clerk scans.
PHOTO_SIGNATURES: list[tuple[str, Callable[[bytes], bool]]] = [
    ("jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
]
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
PHOTO_ACCEPT = ".jpg,.jpeg,.png,.webp,image/jpeg,image/png,image/webp"


def photo_widget() -> forms.FileInput:
    return forms.FileInput(attrs={"accept": PHOTO_ACCEPT})


def photo_help(current_url: str | None = None, max_mb: int = PHOTO_MAX_MB) -> str:
    """The help text of a photo field; with a link to the stored photo when there is one."""
    text = _("JPG, PNG or WebP, at most %(mb)s MB.") % {"mb": max_mb}
    if not current_url:
        return text
    return format_html(
        '{} <a href="{}" target="_blank">{}</a>',
        text + " " + _("Choose a file to replace the current photo:"),
        current_url,
        _("current photo"),
    )


def check_photo(upload: Any, max_mb: int = PHOTO_MAX_MB) -> Any:
    """A new upload if it is a JPG, PNG or WebP picture of at most `max_mb`, renamed to a random name.

    Raises forms.ValidationError with the clerk's file name in the message otherwise.
    """
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in PHOTO_EXTENSIONS:
        raise forms.ValidationError(
            _("“%(name)s” is not a photo: upload a JPG, PNG or WebP picture.") % {"name": upload.name}
        )
    if upload.size > max_mb * 1024 * 1024:
        raise forms.ValidationError(
            _("The photo is %(size).1f MB; at most %(mb)s MB. Take it at a lower resolution.")
            % {"size": upload.size / 1024 / 1024, "mb": max_mb}
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    kind = next((name for name, matches in PHOTO_SIGNATURES if matches(head)), None)
    if kind is None:
        raise forms.ValidationError(
            _("“%(name)s” is not a JPG, PNG or WebP picture (the file's content is something else).")
            % {"name": upload.name}
        )
    # A name of our own: the clerk's file name says nothing and may not be safe in a path.
    upload.name = f"{uuid.uuid4().hex}.{kind}"
    return upload


def serve_private_file(file: FieldFile) -> FileResponse:
    """The stored file inline, for a view that has already checked who may see it; 404 when there is none."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(file.name or "")[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
