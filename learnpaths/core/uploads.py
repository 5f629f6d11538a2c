"""File uploads: refused everywhere but on the views that say they take one (`accepts_file`).

The request body is parsed before any view runs (the NUL check of every form field, the CSRF
check), so a view cannot install its own upload handler: the project's one handler
(settings.FILE_UPLOAD_HANDLERS) looks the request's URL up instead. On a view marked with
`accepts_file(max_bytes)` it keeps the file in memory, at most `max_bytes + 1` bytes of it, and
hands the view an uploaded file whose `size` is the size sent: the view's form then refuses a
file over the limit with a message, and nothing larger is ever held. Anywhere else a file part
is a 400, as before, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.urls import Resolver404, resolve

_MAX_BYTES_ATTRIBUTE = "upload_max_bytes"


def accepts_file(max_bytes: int) -> Callable[[Callable], Callable]:
    """Mark a view as taking one uploaded file, of which at most `max_bytes + 1` bytes are
    kept (its form checks `size` against `max_bytes`). Put it outermost, above the view's
    other decorators, so that the mark is on what the URL resolves to."""

    def decorator(view: Callable) -> Callable:
        setattr(view, _MAX_BYTES_ATTRIBUTE, max_bytes)
        return view

    return decorator


def upload_limit(path_info: str) -> int | None:
    """The `max_bytes` of the view at `path_info` (`accepts_file`), None when it takes none."""
    try:
        view = resolve(path_info).func
    except Resolver404:
        return None
    return getattr(view, _MAX_BYTES_ATTRIBUTE, None)


class BoundedMemoryUploadHandler(FileUploadHandler):
    """The upload handler of the project (see the module's docstring)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.max_bytes = upload_limit(self.request.path_info) if self.request else None
        if self.max_bytes is None:
            # Django's own exception for an unwanted file part: the request is a 400 and its
            # POST data are marked unreadable, so the 400 page does not parse the body again.
            raise TooManyFilesSent("A file was sent to a page that takes none.")
        self.file = BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = self.max_bytes + 1 - start
        if room > 0:
            self.file.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,  # as sent, though at most max_bytes + 1 bytes were kept
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
