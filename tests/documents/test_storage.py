"""Uploaded scans: typed from their content, size-capped, stored under random names."""

import hashlib
import io
import stat
import struct
import zlib

import pytest
from PIL import Image

from caseflow.documents import storage
from caseflow.documents.storage import (
    MAX_BYTES,
    UploadRefused,
    check,
    delete_stored,
    open_stored,
    sniff,
    store,
)


def make_png(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_jpeg(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_pdf():
    """A tiny valid one-page PDF, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return out


def png_declaring(width, height):
    """A small PNG whose header declares width x height pixels (a decompression bomb)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


class CountingStream:
    """A binary stream that records how many bytes were handed out."""

    def __init__(self, data, chunk=None):
        self._source = io.BytesIO(data)
        self._chunk = chunk
        self.bytes_read = 0

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("store() must never read a stream to its end")
        if self._chunk is not None:
            size = min(size, self._chunk)
        data = self._source.read(size)
        self.bytes_read += len(data)
        return data


def refused(data, **kwargs):
    with pytest.raises(UploadRefused) as info:
        check(data, **kwargs)
    return info.value.reason


def files_in(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(("make", "content_type", "extension"), [
    (make_pdf, "application/pdf", ".pdf"),
    (make_jpeg, "image/jpeg", ".jpg"),
    (make_png, "image/png", ".png"),
])
def test_each_type_is_stored_with_its_content_type(tmp_path, make, content_type, extension):
    data = make()
    stored = store(tmp_path, io.BytesIO(data))
    assert stored.content_type == content_type
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.storage_name.endswith(extension)
    path = tmp_path / stored.storage_name
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert files_in(tmp_path) == [stored.storage_name]


def test_folder_is_created_private(tmp_path):
    folder = tmp_path / "instance" / "documents"
    store(folder, io.BytesIO(make_png()))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_same_bytes_get_two_different_random_names(tmp_path):
    data = make_png()
    first = store(tmp_path, io.BytesIO(data))
    second = store(tmp_path, io.BytesIO(data))
    assert first.storage_name != second.storage_name
    assert first.sha256 == second.sha256
    assert len(files_in(tmp_path)) == 2


def test_type_comes_from_the_content_not_the_name(tmp_path):
    upload = io.BytesIO(make_png())
    upload.name = "passport.pdf"
    stored = store(tmp_path, upload)
    assert stored.content_type == "image/png"
    assert stored.storage_name.endswith(".png")
    assert "passport" not in stored.storage_name


def test_sniff_reads_magic_numbers():
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert sniff(b"\x89PNG") is None
    assert sniff(b"") is None
    assert sniff(b"GIF89a") is None


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
    b"This is just a text file renamed to scan.pdf\n%%EOF\n",
    b" %PDF-1.4\n%%EOF\n",
])
def test_other_content_is_unsupported_whatever_its_name(tmp_path, data):
    upload = io.BytesIO(data)
    upload.name = "scan.pdf"
    with pytest.raises(UploadRefused) as info:
        store(tmp_path, upload)
    assert info.value.reason == "unsupported_type"
    assert info.value.message
    assert files_in(tmp_path) == []


def test_multi_picture_jpeg_from_a_camera_is_a_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="MPO", save_all=True,
                                           append_images=[Image.new("RGB", (20, 20), "blue")])
    assert check(buffer.getvalue()) == "image/jpeg"


def test_image_header_followed_by_garbage_is_corrupt():
    assert refused(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50) == "corrupt"
    assert refused(b"\xff\xd8\xff" + b"garbage" * 50) == "corrupt"


def test_truncated_png_is_corrupt():
    assert refused(make_png()[:-30]) == "corrupt"


def test_pdf_without_eof_marker_is_corrupt():
    assert refused(make_pdf().replace(b"%%EOF", b"")) == "corrupt"
    assert refused(make_pdf() + b" " * 2000) == "corrupt"


def test_pdf_with_a_little_trailing_whitespace_is_accepted():
    assert check(make_pdf() + b"\r\n\r\n") == "application/pdf"


def test_decompression_bombs_are_corrupt():
    # Above our limit but below Pillow's warning threshold, then above Pillow's hard limit.
    assert refused(png_declaring(8000, 8000)) == "corrupt"
    assert refused(png_declaring(20000, 20000)) == "corrupt"


def test_empty_is_refused(tmp_path):
    with pytest.raises(UploadRefused) as info:
        store(tmp_path, io.BytesIO(b""))
    assert info.value.reason == "empty"
    assert files_in(tmp_path) == []


def test_exactly_max_bytes_is_accepted():
    data = make_pdf()
    assert check(data, max_bytes=len(data)) == "application/pdf"
    assert refused(data, max_bytes=len(data) - 1) == "too_large"


def test_too_large_is_refused_without_reading_the_whole_stream(tmp_path):
    max_bytes = 1000
    stream = CountingStream(make_pdf() + b"\x00" * 1_000_000)
    with pytest.raises(UploadRefused) as info:
        store(tmp_path, stream, max_bytes=max_bytes)
    assert info.value.reason == "too_large"
    assert stream.bytes_read == max_bytes + 1
    assert files_in(tmp_path) == []


def test_default_limit_is_ten_megabytes(tmp_path):
    stream = CountingStream(b"%PDF-" + b"\x00" * (MAX_BYTES + 100))
    with pytest.raises(UploadRefused) as info:
        store(tmp_path, stream)
    assert info.value.reason == "too_large"
    assert "10 MB" in info.value.message
    assert stream.bytes_read == MAX_BYTES + 1


def test_short_reads_are_collected(tmp_path):
    data = make_jpeg()
    stored = store(tmp_path, CountingStream(data, chunk=7))
    assert (tmp_path / stored.storage_name).read_bytes() == data


def test_nothing_is_left_behind_when_a_refused_store_hits_an_existing_folder(tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    for data in (b"", b"garbage", b"\x89PNG\r\n\x1a\nbroken", make_pdf()[:-8]):
        with pytest.raises(UploadRefused):
            store(folder, io.BytesIO(data))
    assert files_in(folder) == []


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store(tmp_path, io.BytesIO(make_png()))
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("name", [
    "../etc/passwd",
    "abc",
    "",
    "0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef.exe",
    "0123456789ABCDEF0123456789ABCDEF.pdf",
    "0123456789abcdef0123456789abcdef.pdf\n",
    "../0123456789abcdef0123456789abcdef.pdf",
    "sub/0123456789abcdef0123456789abcdef.pdf",
    "/var/0123456789abcdef0123456789abcdef.pdf",
    "sub\\0123456789abcdef0123456789abcdef.pdf",
    "0123456789abcdef0123456789abcde.pdf",
])
def test_names_not_made_by_store_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="Not a stored file name"):
        open_stored(tmp_path, name)
    with pytest.raises(ValueError, match="Not a stored file name"):
        delete_stored(tmp_path, name)


def test_open_stored_finds_a_stored_file_and_delete_stored_removes_it(tmp_path):
    data = make_pdf()
    stored = store(tmp_path, io.BytesIO(data))
    path = open_stored(tmp_path, stored.storage_name)
    assert path == tmp_path / stored.storage_name
    assert path.read_bytes() == data

    delete_stored(tmp_path, stored.storage_name)
    assert files_in(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        open_stored(tmp_path, stored.storage_name)
    delete_stored(tmp_path, stored.storage_name)  # already gone: not an error
