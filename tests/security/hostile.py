"""Hostile input for the fuzz tests of tests/security/test_hostile_input.py: Hypothesis
strategies for form fields and JSON bodies, raw request encoders (so that invalid UTF-8,
lone surrogates and repeated fields reach the app unchanged), the HTML form reader that
takes a page's fields and their current values, and a digest of every table's rows.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

from hypothesis import strategies as st
from sqlalchemy import select

from caseflow.extensions import db

# -- values --------------------------------------------------------------------------------
HUGE = 100_000

# Texts that have broken web apps before: control characters, Unicode that changes the
# direction or shape of text, digits that are not ASCII, SQL, HTML and template fragments,
# numbers and dates out of range or impossible.
HOSTILE_TEXTS: list[str] = [
    "", " ", "\t", "\r\n", "\x00", "a\x00b", "\x00" * 8, "\x07\x08\x0b\x0c\x1b[31m\x7f",
    "\x85\u2028\u2029", "\u202eevil\u202c", "\u200f\u200e\u200b\u2060", "\ufeff", "\ufffd",
    "e\u0301\u0308\u0323" * 40, "Z̴̡̛̙a̷l̸g̶o̵", "😀👨‍👩‍👧‍👦🏳️‍🌈", "\U0010ffff",
    "\U0001d573\U0001d594\U0001d59d\U0001d58d\U0001d586",
    "\uff11\uff12\uff13", "١٢٣", "߁߂", "Ⅻ", "²", "½", "Ђорђе", "Đorđe", "İı", "ß" * 3, "ﬃ",
    "' OR '1'='1", "'; DROP TABLE cases; --", "1 UNION SELECT password_hash FROM users",
    "%", "_", "\\", "\\x00", "1; SELECT pg_sleep(10)", "\"", "'", "`",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "{{7*7}}", "{% raw %}", "${7*7}", "%s%s%n", "../../../../etc/passwd", "//evil.example",
    "https://evil.example/", "=HYPERLINK(\"http://x\")", "+1", "-0", "0", "-1", "1e309",
    "NaN", "Infinity", "-Infinity", "1.5", "0x1F", "1_000", "2147483648", "-2147483649",
    "9223372036854775808", "9" * 400, "0.000000000000000000001", "1,5", "true", "null",
    "[]", "{}", "0000-00-00", "9999-12-31", "10000-01-01", "2026-02-30", "2026-13-01",
    "2026-00-10", "0001-01-01", "1900-02-29", "20260101", "2026-1-1", "31/12/2026",
    "2026-W53", "2026-W00", "9999-W99", "2026-02-28T25:61:00", "BE-2026-000001",
    "x" * 1000, "x" * HUGE, "\x00" * HUGE, "é" * 20_000, "a\nb" * 300,
]

# Bytes that are not valid UTF-8 text: a lone surrogate (CESU-8), an overlong NUL, stray
# continuation bytes. Form bodies carry them percent-encoded, JSON bodies raw.
HOSTILE_BYTES: list[bytes] = [
    b"\xed\xa0\x80", b"a\xed\xbf\xbfb", b"\xc0\x80", b"\xff\xfe", b"\x80\x81", b"\xf8\x88\x80",
]

hostile_text: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Mn", "Zl", "Zp", "Nd"]),
            min_size=1, max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda day: day.isoformat()),
)

hostile_bytes: st.SearchStrategy[bytes] = st.one_of(
    hostile_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(HOSTILE_BYTES),
    st.binary(max_size=30),
)


# -- forms ---------------------------------------------------------------------------------
@dataclass
class FormPage:
    """The fields of one form of a page: name -> current values (in order), the options of
    each select or radio group, and which fields are files."""

    action: str | None = None
    values: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    multipart: bool = False
    # The named submit button a person would press (the primary one), sent as is.
    submit: tuple[str, str] | None = None


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FormPage] = []
        self._form: FormPage | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = FormPage(action=a.get("action"),
                                  multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None:
            return
        if tag == "button" and name and a.get("type", "submit") == "submit":
            if form.submit is None or "primary" in a.get("class", ""):
                form.submit = (name, a.get("value", ""))
        elif tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.add(name)
                return
            form.values.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                form.options.setdefault(name, []).append(a.get("value", "y"))
                if "checked" in a:
                    form.values[name].append(a.get("value", "y"))
            elif kind not in ("submit", "button", "image", "reset"):
                form.values[name].append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            form.values.setdefault(name, [])
            form.options.setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options[self._select].append(value)
            if "selected" in a:
                form.values[self._select].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            form.values[name] = [""]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select:
            # A browser sends the first option of a select where none is selected.
            options = self._form.options[self._select]
            if not self._form.values[self._select] and options:
                self._form.values[self._select].append(options[0])
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def read_form(html: str, url: str) -> FormPage:
    """The form of the page that posts to `url` (or to the page itself)."""
    reader = _FormReader()
    reader.feed(html)
    path = urlsplit(url).path
    for form in reader.forms:
        action = form.action
        if action in (None, "") or urlsplit(action).path == path:
            return form
    raise AssertionError(f"no form posting to {url} on the page; forms: "
                         f"{[f.action for f in reader.forms]}")


Pair = tuple[str, bytes]


@dataclass(frozen=True)
class Change:
    """One hostile change to a form: to the field at `slot` (modulo the number of fields),
    so that the same plan applies to whatever fields the page shows."""

    slot: int
    action: str  # replace | drop | repeat | option
    value: bytes
    option: int


@dataclass(frozen=True)
class Plan:
    changes: list[Change]
    extras: list[Pair]
    file: tuple[bytes, str] | None


# Appended to a valid value, so that they get past the form's other checks to the database:
# NUL (PostgreSQL refuses it in text), a lone surrogate, control and direction characters,
# a value far over any length limit.
SHARP: list[bytes] = [b"\x00", b"a\x00", b"\xed\xa0\x80", b"\x1b\x07\x7f",
                      "\u202e\u0301".encode(), b"x" * HUGE, b"<script>alert(1)</script>",
                      b"' OR 1=1 --"]
EXTRA_NAMES = ["id", "version", "csrf_token", "status", "role", "office_id", "is_admin",
               "case_id", "number", "__proto__"]
FILE_CONTENTS = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\x00" * 64, b"GIF89a<script>", b"",
                 b"\x89PNG\r\n\x1a\n" + b"\x00" * 32]

# Drawn before the page is read, the same way whatever it shows: Hypothesis replays and
# shrinks plans, and a strategy that depended on the page would be flaky.
form_plan: st.SearchStrategy[Plan] = st.builds(
    Plan,
    changes=st.lists(st.builds(
        Change, slot=st.integers(0, 1000),
        action=st.sampled_from(["replace", "replace", "append", "append", "drop", "repeat",
                                "option"]),
        value=st.one_of(st.sampled_from(SHARP), hostile_bytes), option=st.integers(0, 1000)),
        max_size=3),
    extras=st.lists(st.tuples(st.one_of(st.sampled_from(EXTRA_NAMES), hostile_text),
                              hostile_bytes), max_size=2),
    file=st.one_of(st.none(), st.tuples(
        st.one_of(st.binary(max_size=200), st.sampled_from(FILE_CONTENTS)),
        hostile_text.map(lambda name: name or "x"))),
)


def apply_plan(plan: Plan, page: FormPage) -> tuple[list[Pair], list[tuple[str, bytes, str]]]:
    """Fields (and files) for one hostile submission of `page`'s form.

    Starts from the page's own values so that the submission gets past the fields it
    leaves alone, then makes the plan's changes: a value replaced, a field left out,
    repeated or given another option, unknown fields added."""
    names = sorted(page.values)
    changes = {names[c.slot % len(names)]: c for c in plan.changes} if names else {}
    pairs: list[Pair] = []
    for name in names:
        current = [v.encode() for v in page.values[name]]
        change = changes.get(name)
        if change is None:
            pairs.extend((name, v) for v in current)
        elif change.action == "append":
            pairs.append((name, (current[0] if current else b"") + change.value))
        elif change.action == "replace":
            pairs.append((name, change.value))
        elif change.action == "repeat":
            pairs.extend((name, v) for v in current or [b""])
            pairs.append((name, change.value))
        elif change.action == "option" and page.options.get(name):
            options = page.options[name]
            pairs.append((name, options[change.option % len(options)].encode()))
        # "drop", or "option" for a field without options: left out
    pairs.extend(plan.extras)
    if not changes and not plan.extras and names:
        pairs.append((names[0], b"\x00"))
    files = [(name, *plan.file) for name in sorted(page.files)] if plan.file else []
    if page.submit is not None:
        pairs.append((page.submit[0], page.submit[1].encode()))
    return pairs, files


def urlencoded(pairs: list[Pair]) -> bytes:
    """application/x-www-form-urlencoded, byte for byte (no re-encoding of bad UTF-8)."""
    return b"&".join(quote_from_bytes(k.encode("utf-8", "surrogatepass"), safe="").encode()
                     + b"=" + quote_from_bytes(v, safe="").encode() for k, v in pairs)


def multipart(pairs: list[Pair], files: list[tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """multipart/form-data, byte for byte; returns the body and its content type."""
    boundary = "hostile" + secrets.token_hex(8)
    parts: list[bytes] = []

    def header(name: str, filename: str | None = None) -> bytes:
        quoted = name.replace('"', "%22").encode("utf-8", "surrogatepass")
        line = b'Content-Disposition: form-data; name="' + quoted + b'"'
        if filename is not None:
            line += b'; filename="' + filename.replace('"', "%22").replace(
                "\r", "").replace("\n", "").encode("utf-8", "surrogatepass") + b'"'
            line += b"\r\nContent-Type: application/octet-stream"
        return line

    for name, value in pairs:
        parts.append(header(name) + b"\r\n\r\n" + value)
    for name, content, filename in files:
        parts.append(header(name, filename) + b"\r\n\r\n" + content)
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


# -- JSON ----------------------------------------------------------------------------------
json_scalar: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), hostile_text,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30, 0.5, -0.0, 1e308, 1e-308, 12.345]),
)
json_value: st.SearchStrategy[Any] = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(hostile_text, inner, max_size=4)),
    max_leaves=8,
)
# A lone surrogate is valid JSON (as an escape) but not text: it must not reach the database.
lone_surrogate = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


RAW_BODIES: list[bytes] = [
    b"", b"null", b"[]", b"\"text\"", b"42", b"true", b"{", b"{\"a\":}", b"{'a': 1}",
    b"\xff\xfe{\x00}", b"{\"version\": NaN}", b"{\"version\": Infinity}",
    b"\xef\xbb\xbf{}", b"{\"a\":1,\"a\":2}", b"a=1&b=2", b"<xml/>",
    deep(5000).encode(), b"{\"x\":" * 3000 + b"1" + b"}" * 3000,
    b"{\"x\": \"" + b"y" * HUGE + b"\"}", b"{\"x\": \"\\ud800\"}", b"{\"x\": \"\\u0000\"}",
]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-16", "text/plain",
                 "application/x-www-form-urlencoded", "multipart/form-data", None]


def _mutate(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with one hostile change somewhere inside it."""
    if isinstance(value, dict) and value:
        value = dict(value)
        key = draw(st.sampled_from(sorted(value)))
        action = draw(st.sampled_from(["replace", "replace", "inside", "drop", "extra"]))
        if action == "inside" and depth < 4 and isinstance(value[key], (dict, list)):
            value[key] = _mutate(draw, value[key], depth + 1)
        elif action == "drop":
            value.pop(key)
        elif action == "extra":
            value[draw(hostile_text)] = draw(json_scalar)
        else:
            value[key] = draw(st.one_of(json_scalar, json_scalar, json_value, lone_surrogate))
        return value
    if isinstance(value, list) and value:
        value = list(value)
        index = draw(st.integers(0, len(value) - 1))
        action = draw(st.sampled_from(["inside", "inside", "append", "many"]))
        if action == "inside":
            value[index] = _mutate(draw, value[index], depth + 1)
        elif action == "append":
            value.append(draw(json_value))
        else:
            value = value * 60
        return value
    return draw(st.one_of(json_scalar, json_value))


@st.composite
def json_request(draw: st.DrawFn, good: dict[str, Any]) -> tuple[bytes, str | None]:
    """A body and content type: `good` with hostile changes (most of the time), or
    something that is not the object the endpoint expects."""
    content_type = draw(st.sampled_from(CONTENT_TYPES[:1] * 8 + CONTENT_TYPES[1:]))
    shape = draw(st.sampled_from(["mutate"] * 8 + ["value", "raw"]))
    if shape == "raw":
        return draw(st.sampled_from(RAW_BODIES)), content_type
    if shape == "value":
        body: Any = draw(json_value)
    else:
        body = good or {}
        for _ in range(draw(st.integers(1, 3))):
            body = _mutate(draw, body)
    text = json.dumps(body, ensure_ascii=draw(st.booleans()), allow_nan=True)
    return text.encode("utf-8", "surrogatepass"), content_type


# -- the database --------------------------------------------------------------------------
# What a refused request may still write: the audit trail (a refusal is audited), login
# sessions and throttling, and the last-use stamps of the account and its token.
def _ignored_table(name: str) -> bool:
    return name.startswith("audit") or name in {
        "user_sessions", "sessions", "login_sessions", "login_attempts", "login_failures",
        "throttle", "rate_limits"}


_VOLATILE_COLUMNS = {"last_used_at", "last_login_at", "last_seen_at", "last_active_at"}


def digest() -> dict[str, str]:
    """A hash of each table's rows, read on the test's connection (so it sees what the
    requests committed inside the test's transaction)."""
    tables: dict[str, str] = {}
    for table in db.metadata.sorted_tables:
        if _ignored_table(table.name):
            continue
        columns = [c for c in table.columns if c.name not in _VOLATILE_COLUMNS]
        rows = sorted(repr(tuple(row)) for row in db.session.execute(select(*columns)))
        tables[table.name] = hashlib.sha256("\n".join(rows).encode(
            "utf-8", "surrogatepass")).hexdigest()
    # End the read so that the next request's savepoint is not nested in ours.
    db.session.commit()
    return tables


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys()
                  if before.get(name) != after.get(name))
