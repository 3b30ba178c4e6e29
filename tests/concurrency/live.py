"""A real caseflow server for the concurrency and fault tests, and browser-like clients.

`fresh_database()` makes an empty PostgreSQL database and prepares it in a subprocess (the
migrations, the reference data and a few users: see seed.py). `LiveServer` runs gunicorn with
several workers on it, in production mode, on a free port. `Browser` talks HTTP to it the way
a person's browser does: cookies, the CSRF token read from each form, redirects not followed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy.engine import make_url

from tests.databases import TEST_DATABASE_URL
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# These tests always run on PostgreSQL: the SQLite suite run uses the usual local server.
POSTGRES_URL = TEST_DATABASE_URL if TEST_DATABASE_URL.startswith("postgres") else \
    "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = 4
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                        user=url.username, password=url.password,
                        dbname=url.database or "postgres", connect_timeout=2).close()
    except psycopg.Error:
        return False
    return True


def _admin() -> psycopg.Connection:
    url = make_url(POSTGRES_URL)
    return psycopg.connect(host=url.host or "127.0.0.1", port=url.port or 5432,
                           user=url.username, password=url.password,
                           dbname=url.database or "postgres", autocommit=True)


@dataclass
class Database:
    name: str
    url: str  # postgresql+psycopg://... on the real server
    users: dict[str, str] = field(default_factory=dict)  # label -> e-mail

    def connect(self) -> psycopg.Connection:
        parsed = make_url(self.url)
        return psycopg.connect(host=parsed.host, port=parsed.port or 5432,
                               user=parsed.username, password=parsed.password,
                               dbname=parsed.database, autocommit=True)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def url_via(self, port: int) -> str:
        """The same database reached through another port (a proxy)."""
        return make_url(self.url).set(host="127.0.0.1", port=port).render_as_string(
            hide_password=False)


def base_environment(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CASEFLOW_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"CASEFLOW_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
                "CASEFLOW_INSTANCE_PATH": str(instance), "FLASK_APP": "wsgi",
                "PYTHONPATH": str(ROOT)})
    return env


@contextmanager
def fresh_database(instance: Path) -> Iterator[Database]:
    """A new, migrated PostgreSQL database with users; dropped afterwards."""
    name = f"caseflow_live_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    database = Database(name, url.render_as_string(hide_password=False))
    try:
        env = base_environment(instance) | {"DATABASE_URL": database.url}
        done = subprocess.run([str(BIN / "python"), "-m", "tests.concurrency.seed"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"seeding failed:\n{done.stdout}\n{done.stderr}"
        for line in done.stdout.splitlines():
            label, _sep, email = line.partition(" ")
            database.users[label] = email
        yield database
    finally:
        with _admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class LiveServer:
    """gunicorn serving wsgi:app with several sync workers."""

    def __init__(self, database_url: str, instance: Path, *, redis_url: str | None = None,
                 workers: int = WORKERS) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.instance = instance
        self.log_path = instance / f"gunicorn-{self.port}.log"
        self.env = base_environment(instance) | {"DATABASE_URL": database_url}
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LiveServer:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind",
             f"127.0.0.1:{self.port}", "--timeout", "30", "--graceful-timeout", "1",
             # The app is built once, in the master, and the workers are forked from it:
             # four imports at once take too long on a small machine, and a worker the
             # master replaces is ready at once.
             "--preload", "wsgi:app"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log()}"
            try:
                if requests.get(f"{self.base}/login", timeout=2).status_code == 200 and \
                        len(self.worker_pids()) == self.workers:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start in {START_TIMEOUT}s:\n{self.log()}")

    @property
    def master_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The master's live children (a killed worker is gone once the master reaped it)."""
        path = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Quick shutdown (SIGINT): the workers hold no work a test still needs.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


# -- faults: a TCP proxy to cut the database, a private Redis to stop ----------------------
class TcpProxy:
    """Forwards 127.0.0.1:`port` to 127.0.0.1:`target`. `cut()` drops every open connection
    and refuses new ones, as a failed network or a stopped database would; `restore()`
    accepts connections again on the same port."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def restore(self) -> TcpProxy:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR is set
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            self._close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                self._close(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        # One side gone (a killed worker, a cut): the other side learns it at once.
        for sock in (source, sink):
            self._close(sock)
            with self._lock:
                self._open.discard(sock)

    @staticmethod
    def _close(sock: socket.socket) -> None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Stack:
    """gunicorn (four workers) -> a TCP proxy -> PostgreSQL, and a private Redis."""

    database: Database
    server: LiveServer
    proxy: TcpProxy
    redis: PrivateRedis


# -- browser-like clients ------------------------------------------------------------------
@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Any]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(), {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1].fields
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
                return
            fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                fields.setdefault(self._select, value)
            if "selected" in a:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, field_name: str) -> Form:
    """The first form on the page that has `field_name`."""
    for form in forms_of(html):
        if field_name in form.fields:
            return form
    raise AssertionError(f"no form with a {field_name!r} field on the page:\n{html[:3000]}")


class Browser:
    """One person's browser: its own cookies; each call is one HTTP request."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def _sent(self, response: requests.Response) -> requests.Response:
        # Production cookies are Secure. A browser still sends them to http://127.0.0.1 (a
        # secure context); Python's cookie jar would not, so the flag is dropped here.
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self._sent(self.session.get(self.base + path, allow_redirects=False,
                                           timeout=30, **kwargs))

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self._sent(self.session.post(self.base + path, data=data,
                                            allow_redirects=False, timeout=30, **kwargs))

    def submit(self, path: str, field_name: str, values: dict[str, Any]) -> requests.Response:
        """Open the page at `path`, fill the form that has `field_name` and send it."""
        page = self.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text[:2000])
        form = form_with(page.text, field_name)
        return self.post(form.action or path, form.fields | values)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.submit("/login", "password", {"email": email, "password": password})

    def logged_in(self, email: str, recovery_code: str | None = None) -> Browser:
        """Log in; a user with two-factor login gives a recovery code at the second step."""
        response = self.login(email)
        assert response.status_code == 302, (response.status_code, response.text[:2000])
        if response.headers["Location"].endswith("/login/two-factor"):
            assert recovery_code, f"{email} needs a second factor"
            response = self.submit("/login/two-factor", "code", {"code": recovery_code})
            assert response.status_code == 302, (response.status_code, response.text[:2000])
        return self


# -- what the tests do through the pages ---------------------------------------------------
def household_fields(tag: str, size: int) -> dict[str, Any]:
    """The registration form's fields for a household of `size`: a principal, a spouse and
    children, named after `tag`."""
    fields: dict[str, Any] = {
        "country_of_return": "RS", "municipality": f"Niš {tag}",
        "consent_on": time.strftime("%Y-%m-%d"), "consent_purposes": ["case_processing"],
        # Generated names look alike; a reason skips the duplicate check (as a caseworker
        # who checked by phone would), so every household is registered.
        "duplicate_reason": f"Generated household {tag}", "save": "1"}
    for n in range(size):
        role, sex, born = (("principal", "M", "1980-03-04") if n == 0 else
                           ("spouse", "F", "1983-07-08") if n == 1 else
                           ("child", "F" if n % 2 else "M", f"{2010 + n}-01-15"))
        prefix = f"household-{n}-"
        fields.update({f"{prefix}role": role, f"{prefix}given_names": f"Person{n} {tag}",
                       f"{prefix}family_name": f"Family {tag}", f"{prefix}sex": sex,
                       f"{prefix}date_of_birth": born, f"{prefix}nationality": "RS",
                       f"{prefix}procedure_status": "", f"{prefix}document_kind": ""})
    return fields


def register_household(browser: Browser, tag: str, size: int) -> requests.Response:
    """Register a case through /cases/new; a 302 to the case page means it was saved."""
    return browser.submit("/cases/new", "household-0-given_names", household_fields(tag, size))


def case_number_of(response: requests.Response) -> str | None:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and "/cases/" in location:
        return location.rstrip("/").rsplit("/", 1)[-1]
    return None


def assert_cases_whole(database: Database) -> int:
    """Every case is complete: its whole household (as many people as it says, one principal
    with consent to processing), its creation event, and a number from the gap-free counter.
    Returns the number of cases."""
    broken = database.rows("""
        SELECT c.number, c.household_size, count(DISTINCT b.id) AS people,
               count(DISTINCT b.id) FILTER (WHERE b.role = 'principal') AS principals,
               (SELECT count(*) FROM case_events e
                 WHERE e.case_id = c.id AND e.kind = 'created') AS created,
               (SELECT count(*) FROM consents k JOIN beneficiaries p ON p.id = k.beneficiary_id
                 WHERE p.case_id = c.id AND p.role = 'principal'
                   AND k.purpose = 'case_processing') AS consents
          FROM cases c LEFT JOIN beneficiaries b ON b.case_id = c.id
         GROUP BY c.id, c.number, c.household_size
        HAVING count(DISTINCT b.id) <> c.household_size OR count(DISTINCT b.id) = 0
            OR count(DISTINCT b.id) FILTER (WHERE b.role = 'principal') <> 1
            OR (SELECT count(*) FROM case_events e
                 WHERE e.case_id = c.id AND e.kind = 'created') <> 1
            OR (SELECT count(*) FROM consents k JOIN beneficiaries p
                  ON p.id = k.beneficiary_id
                 WHERE p.case_id = c.id AND p.role = 'principal'
                   AND k.purpose = 'case_processing') <> 1""")
    assert broken == [], f"half-written cases (number, size, people, principals, created " \
                         f"events, consents): {broken}"
    numbers = [row[0] for row in database.rows("SELECT number FROM cases")]
    for year, last in database.rows("SELECT year, last_value FROM case_counters"):
        taken = sorted(int(n.rsplit("-", 1)[1]) for n in numbers if f"-{year}-" in n)
        # The counter is bumped in the registering transaction: a registration that did not
        # finish gave its number back.
        assert taken == list(range(1, last + 1)), f"case numbers of {year}: {taken}, " \
                                                  f"counter at {last}"
    return len(numbers)
