"""Storing uploaded scans (identity documents, certificates) safely on disk.

The files are sensitive and come from the outside, so every rule here assumes a hostile upload:

* the type is taken from the bytes themselves, never from the file name or the browser's
  Content-Type, both of which the uploader controls;
* only PDF, JPEG and PNG are kept, and images must really decode as what they claim to be;
* the size is capped before the whole upload is read;
* files live outside the web root under a random name (the user's file name never reaches the
  file system), readable by the application's user only, with a SHA-256 of their bytes.

This module is deliberately free of Flask and SQLAlchemy: it works on bytes, streams and
folders, so it can be tested and reused (CLI, imports) without an application.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pathlib
import re
import secrets
import tempfile
import typing
from dataclasses import dataclass

from PIL import Image

MAX_BYTES: int = 10 * 1024 * 1024
"""Largest accepted upload. A scanned page is well under this; anything bigger is a mistake or
an attempt to fill the disk."""

MAX_PIXELS: int = 50_000_000
"""Largest accepted image, in pixels. An A4 page scanned at 600 dpi is about 35 million pixels.
A few kilobytes of PNG can declare billions of pixels (a decompression bomb); the dimensions are
read from the header and checked before anything is decoded. Kept below Pillow's own
`Image.MAX_IMAGE_PIXELS` so we refuse first, without touching that process-wide setting."""

PDF_EOF_WINDOW: int = 1024
"""A PDF ends with `%%EOF`, possibly followed by a little whitespace; a file without it in its
last bytes is truncated (an interrupted upload or scan)."""

EXTENSIONS: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
"""Accepted content types and the extension their stored files get."""

# The one Pillow decoder allowed for each image type, and the formats it may report. A JPEG
# carrying several pictures (as some cameras and phones write) comes out of Pillow's JPEG decoder
# as "MPO"; it is still a JPEG to every viewer. ("MPO" is not a decoder of its own: passing it to
# Image.open(formats=...) fails.)
_PILLOW_DECODER: dict[str, str] = {"image/jpeg": "JPEG", "image/png": "PNG"}
_PILLOW_FORMATS: dict[str, tuple[str, ...]] = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",)}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

_NAME_BYTES = 16
# Exactly what store() produces: 32 lowercase hex digits and one known extension. fullmatch, not
# match with "$", so that a trailing newline cannot slip through.
_STORAGE_NAME = re.compile(
    rf"[0-9a-f]{{{_NAME_BYTES * 2}}}(?:{'|'.join(re.escape(e) for e in EXTENSIONS.values())})"
)

_CHUNK = 64 * 1024

Reason = typing.Literal["empty", "too_large", "unsupported_type", "corrupt"]


class UploadRefused(Exception):
    """An upload that will not be stored.

    `reason` is a short machine code ('empty', 'too_large', 'unsupported_type', 'corrupt') for
    code and logs to branch on; `message` is an English sentence meant for the user, which the
    caller translates (this module has no access to the request's language).
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message: str = message


@dataclass(frozen=True)
class StoredFile:
    """What store() wrote, to be recorded alongside the case or person.

    `storage_name` is random (never derived from the user's file name, which may contain path
    separators, control characters or personal data); `sha256` lets a later reader prove the
    bytes have not changed since the upload.
    """

    storage_name: str
    content_type: str
    size: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """Content type from the first bytes of a file (its magic number), or None if unsupported.

    %PDF- -> application/pdf; FF D8 FF -> image/jpeg; 89 50 4E 47 0D 0A 1A 0A -> image/png.
    The file name and the browser's Content-Type are both chosen by the uploader, so only the
    content decides.
    """
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def _too_large_message(max_bytes: int) -> str:
    if max_bytes >= 1024 * 1024 and max_bytes % (1024 * 1024) == 0:
        return f"The file is too large: the limit is {max_bytes // (1024 * 1024)} MB."
    return f"The file is too large: the limit is {max_bytes} bytes."


def _check_image(data: bytes, content_type: str) -> None:
    """Refuse an image that Pillow cannot parse as the sniffed format, or that is too large.

    A matching magic number alone proves little: a file can start with a PNG signature and carry
    anything after it. Pillow is restricted to the expected format so that no other decoder is
    ever tried on the bytes.
    """
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_DECODER[content_type]]) as image:
            width, height = image.size
            if image.format not in _PILLOW_FORMATS[content_type] or width * height > MAX_PIXELS:
                raise UploadRefused("corrupt", "The image is damaged or too large to be read.")
            image.verify()
    except UploadRefused:
        raise
    except Image.DecompressionBombError as error:
        raise UploadRefused("corrupt", "The image is damaged or too large to be read.") from error
    except Exception as error:
        # Decoders of hostile input fail in many ways (OSError, SyntaxError, ValueError,
        # struct.error, EOFError...); whichever it is, the file is not a readable image.
        raise UploadRefused("corrupt", "The image is damaged and cannot be read.") from error


def check(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Return the content type of an upload, or raise UploadRefused saying why it is refused.

    Empty -> 'empty'; more than max_bytes -> 'too_large'; not PDF, JPEG or PNG by its content ->
    'unsupported_type'; an image Pillow cannot open and verify as that very format, or one with
    more than MAX_PIXELS pixels (a decompression bomb) -> 'corrupt'; a PDF without %%EOF in its
    last PDF_EOF_WINDOW bytes (truncated) -> 'corrupt'.
    """
    if not data:
        raise UploadRefused("empty", "The file is empty.")
    if len(data) > max_bytes:
        raise UploadRefused("too_large", _too_large_message(max_bytes))
    content_type = sniff(data[:16])
    if content_type is None:
        raise UploadRefused("unsupported_type", "Only PDF, JPEG and PNG files are accepted.")
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
            raise UploadRefused("corrupt", "The PDF file is incomplete or damaged.")
    else:
        _check_image(data, content_type)
    return content_type


def _read_at_most(stream: typing.BinaryIO, limit: int) -> bytes:
    """Read up to `limit` bytes, never more, looping because a raw stream may return short
    reads before its end."""
    parts: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


def store(folder: pathlib.Path, stream: typing.BinaryIO, max_bytes: int = MAX_BYTES) -> StoredFile:
    """Check an upload and write it under a random name in `folder`; raise UploadRefused if not.

    At most max_bytes + 1 bytes are read from the stream: one byte over is enough to know the
    upload is too large, and a huge upload is refused without being read (or held in memory) in
    full. Nothing touches the disk until the content has passed check().

    The folder is created with mode 0o700 and the file with mode 0o600: the scans are personal
    data that no other local user needs. The bytes go to a temporary file in the same folder and
    are moved into place with os.replace, which is atomic within a file system, so a file under
    its final name is always complete; the temporary file is removed if anything fails.
    """
    data = _read_at_most(stream, max_bytes + 1)
    content_type = check(data, max_bytes)
    storage_name = write_new_file(folder, data, EXTENSIONS[content_type])
    return StoredFile(
        storage_name=storage_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def write_new_file(folder: pathlib.Path, data: bytes, suffix: str) -> str:
    """Write `data` under a new random name ending in `suffix` in `folder`; return the name.

    Shared by uploads, issued certificates and job results: the folder gets mode 0o700 and
    the file 0o600 (personal data no other local user needs); the bytes go to a temporary
    file in the same folder, are synced and moved into place with os.replace, atomic within a
    file system, so a file under its final name is always complete; the temporary file is
    removed if anything fails.
    """
    storage_name = secrets.token_hex(_NAME_BYTES) + suffix
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0o600, exclusively, under a name nobody can predict.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".new-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, folder / storage_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return storage_name


def _path(folder: pathlib.Path, storage_name: str) -> pathlib.Path:
    """folder / storage_name, after making sure the name is one store() could have produced.

    The name usually comes back from the database or a URL; accepting only that exact shape
    (no separators, no dots but the extension's) rules out path traversal outright.
    """
    if not isinstance(storage_name, str) or not _STORAGE_NAME.fullmatch(storage_name):
        raise ValueError(f"Not a stored file name: {storage_name!r}")
    return folder / storage_name


def open_stored(folder: pathlib.Path, storage_name: str) -> pathlib.Path:
    """Path of a stored file, for the caller to send or read.

    Raises ValueError for any storage_name that is not exactly the shape store() produces
    (32 hex digits and .pdf, .jpg or .png), so that no path traversal is possible, and
    FileNotFoundError if there is no such file.
    """
    path = _path(folder, storage_name)
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def delete_stored(folder: pathlib.Path, storage_name: str) -> None:
    """Remove a stored file if it is there (deleting twice is not an error, so a retried
    deletion succeeds); ValueError for a name store() cannot have produced."""
    _path(folder, storage_name).unlink(missing_ok=True)
