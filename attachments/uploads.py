"""An upload handler that stops reading a file past settings.SOP_ATTACHMENT_MAX_BYTES.

First in FILE_UPLOAD_HANDLERS: a file over the limit is skipped (`SkipFile`) as soon as its
data passes the limit, so it is neither kept in memory nor written to a temporary file, and
the other fields of the form (the draft's text) still arrive. The view learns which files were
refused from `oversize_uploads(request)` and says so.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.SOP_ATTACHMENT_MAX_BYTES:
            refused = getattr(self.request, "_sop_oversize_uploads", [])
            refused.append((self.field_name, self.file_name))
            self.request._sop_oversize_uploads = refused
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file


def oversize_uploads(request) -> list[tuple[str, str]]:
    """Return (field name, file name) of each file of the request skipped for its size."""
    request.FILES  # noqa: B018  (parses the body, which fills the list)
    return list(getattr(request, "_sop_oversize_uploads", []))
