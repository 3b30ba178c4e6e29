"""Backing up and restoring the database and every stored file.

One archive (.tar.gz, mode 0600) holds everything an installation cannot rebuild:

    manifest.json                what is inside: format, creation time, backend, Alembic
                                 revision, the row count of every table, and the SHA-256 and
                                 size of every other member
    database/caseflow.sqlite3    SQLite: a consistent copy taken with the online backup API
    database/caseflow.pgdump     PostgreSQL: pg_dump in custom format
    files/<folder>/<name>        the stored files of the instance folder (STORED_FOLDERS)

Backing up is safe while the app runs: SQLite's backup API copies a consistent snapshot, and
on PostgreSQL the row counts and pg_dump read one exported snapshot, so the manifest describes
exactly the dump. Restoring checks every checksum before anything is touched, refuses to
overwrite data unless forced, replaces the database in one transaction, then the files, and
finally compares the row counts with the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

from flask import current_app
from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from caseflow.db import utcnow
from caseflow.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/caseflow.sqlite3"
POSTGRESQL_MEMBER = "database/caseflow.pgdump"

STORED_FOLDERS: tuple[str, ...] = ("uploads", "certificates", "job-results")
"""Folders of the instance folder whose files the database refers to: attached scans
(documents.services.upload_folder), issued certificates (printing.services.certificate_folder)
and job results (jobs.services.result_folder). tests/backup checks the three agree."""

# What a member of an archive may be called. Anything else (absolute paths, "..", links,
# devices) is refused: an archive is read as untrusted input.
_MEMBER = re.compile(
    r"database/caseflow\.(?:sqlite3|pgdump)"
    rf"|files/(?:{'|'.join(re.escape(f) for f in STORED_FOLDERS)})/[0-9A-Za-z][0-9A-Za-z._-]*"
)
_CHUNK = 1024 * 1024
_CLIENT_TIMEOUT = 6 * 60 * 60  # seconds; a dump of a large database takes long, not forever


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


class TargetNotEmpty(BackupError):
    """The database or the stored folders already hold data and --force was not given."""


@dataclass
class Manifest:
    created_at: str
    backend: str
    alembic_revision: str | None
    tables: dict[str, int]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    caseflow_version: str | None = None
    pg_dump_version: str | None = None
    format: int = FORMAT

    @property
    def database_member(self) -> str:
        return SQLITE_MEMBER if self.backend == "sqlite" else POSTGRESQL_MEMBER

    @property
    def stored_files(self) -> list[str]:
        return sorted(name for name in self.files if name.startswith("files/"))

    def to_json(self) -> bytes:
        return json.dumps({
            "format": self.format, "application": "caseflow",
            "caseflow_version": self.caseflow_version, "created_at": self.created_at,
            "backend": self.backend, "alembic_revision": self.alembic_revision,
            "pg_dump_version": self.pg_dump_version, "tables": self.tables,
            "files": self.files,
        }, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("application") != "caseflow" or raw.get("format") != FORMAT:
                raise ValueError("not a caseflow backup of a known format")
            manifest = cls(created_at=str(raw["created_at"]), backend=str(raw["backend"]),
                           alembic_revision=raw.get("alembic_revision"),
                           tables={str(k): int(v) for k, v in raw["tables"].items()},
                           files={str(k): {"sha256": str(v["sha256"]), "size": int(v["size"])}
                                  for k, v in raw["files"].items()},
                           caseflow_version=raw.get("caseflow_version"),
                           pg_dump_version=raw.get("pg_dump_version"))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"The archive's manifest.json is unreadable ({error}); this is "
                              "not a caseflow backup, or it is damaged.") from None
        if manifest.backend not in ("sqlite", "postgresql"):
            raise BackupError(f"The manifest names an unknown backend {manifest.backend!r}.")
        if manifest.database_member not in manifest.files:
            raise BackupError("The manifest lists no database file; the archive is incomplete.")
        return manifest


# -- what is where ------------------------------------------------------------------------
def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def backend() -> str:
    """'sqlite' or 'postgresql': the backend of the app's DATABASE_URL."""
    return "sqlite" if _url().get_backend_name() == "sqlite" else "postgresql"


def _instance() -> Path:
    return Path(current_app.instance_path)


def count_rows(connection: Connection) -> dict[str, int]:
    """The number of rows of every table in the database (not only the models' tables: a
    table the code no longer knows is still data to keep)."""
    names = sorted(inspect(connection).get_table_names())
    return {name: connection.scalar(select(func.count()).select_from(table(name))) or 0
            for name in names}


def _alembic_revision(connection: Connection, tables: dict[str, int]) -> str | None:
    if "alembic_version" not in tables:
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def describe_target() -> list[str]:
    """What a restore would overwrite, in words; empty when the database has no rows (tables
    alone, as `flask db upgrade` leaves them, do not count) and the stored folders no files."""
    found: list[str] = []
    with db.engine.connect() as connection:
        tables = count_rows(connection)
    rows = {name: n for name, n in tables.items() if n and name != "alembic_version"}
    if rows:
        found.append(f"{sum(rows.values())} rows in {len(rows)} tables of the database")
    files = sum(1 for _folder, path in _stored_files())
    if files:
        found.append(f"{files} stored files under {_instance()}")
    return found


def _stored_files() -> Iterator[tuple[str, Path]]:
    for folder in STORED_FOLDERS:
        directory = _instance() / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            # ".new-*.part" files are writes in progress (storage.write_new_file): not yet
            # stored, and possibly incomplete.
            if path.name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            yield folder, path


# -- PostgreSQL clients -------------------------------------------------------------------
def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string and environment for pg_dump/pg_restore. The password goes in
    the environment, not on the command line, where any local user could read it."""
    # No host in the URL means libpq's default (the local socket), as for the app itself.
    params: dict[str, Any] = {"host": url.host, "port": url.port, "user": url.username,
                              "dbname": url.database}
    params.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None}), env


def _client(name: str, server_major: int) -> str:
    """Path of pg_dump or pg_restore whose major version is the server's."""
    path = shutil.which(name)
    package = f"postgresql-client-{server_major}"
    if path is None:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL {server_major} "
                          f"client tools (Debian and Ubuntu: apt-get install {package}).")
    output = subprocess.run([path, "--version"], capture_output=True, text=True,  # noqa: S603
                            check=False, timeout=60).stdout
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if found is None:
        raise BackupError(f"{path} --version printed {output.strip()!r}; cannot tell its "
                          "version.")
    if int(found.group(1)) != server_major:
        raise BackupError(f"{path} is version {found.group(1)}, the server is "
                          f"{server_major}: use the client of the server's major version "
                          f"({package}).")
    return path


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                                check=False, timeout=_CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{what} did not finish within {_CLIENT_TIMEOUT} seconds.") from None
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


def _server_major(connection: Connection) -> int:
    return int(connection.scalar(text("SHOW server_version_num"))) // 10000


# -- creating -----------------------------------------------------------------------------
class _Hashing(io.RawIOBase):
    """Reads through to a file, hashing exactly the bytes that go into the archive."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _add(archive: tarfile.TarFile, name: str, file: BinaryIO, size: int) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(utcnow().timestamp())
    reader = _Hashing(file)
    archive.addfile(info, reader)  # type: ignore[arg-type]
    return {"sha256": reader.sha256.hexdigest(), "size": size}


def _dump_sqlite(folder: Path) -> tuple[Path, dict[str, int], str | None, None]:
    source_path = Path(_url().database or "")
    if not source_path.is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    target = folder / "caseflow.sqlite3"
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # Page by page under a read transaction: consistent even while the app writes.
        source.backup(copy)
        # A standalone file, with no -wal beside it to lose on the way.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = count_rows(connection)
            return target, tables, _alembic_revision(connection, tables), None
    finally:
        engine.dispose()


def _dump_postgresql(folder: Path) -> tuple[Path, dict[str, int], str | None, str]:
    target = folder / "caseflow.pgdump"
    conninfo, env = _libpq(_url())
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            pg_dump = _client("pg_dump", _server_major(connection))
            # pg_dump reads the very snapshot the row counts come from, so the manifest
            # describes the dump exactly even while the app writes.
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            tables = count_rows(connection)
            revision = _alembic_revision(connection, tables)
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}",
                  f"--dbname={conninfo}"], env, "pg_dump")
    version = subprocess.run([pg_dump, "--version"], capture_output=True,  # noqa: S603
                             text=True, check=False, timeout=60).stdout.strip()
    return target, tables, revision, version


def default_name() -> str:
    return f"caseflow-backup-{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"


def create_backup(output: Path) -> Manifest:
    """Write the database and every stored file to a new archive at `output` (mode 0600).

    Refuses to overwrite an existing file. The archive appears under its name only once it
    is complete: it is written to a temporary file beside it and then linked into place.
    """
    output = output.resolve()
    if output.exists():
        raise BackupError(f"{output} already exists; give another --output.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        dump = _dump_sqlite if backend() == "sqlite" else _dump_postgresql
        database, tables, revision, pg_dump_version = dump(Path(work))
        manifest = Manifest(created_at=utcnow().isoformat(), backend=backend(),
                            alembic_revision=revision, tables=tables,
                            caseflow_version=_version(), pg_dump_version=pg_dump_version)
        # mkstemp: mode 0600 from the start, so the archive is never readable by others.
        fd, partial = tempfile.mkstemp(dir=work, prefix="archive-", suffix=".tar.gz")
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            member = manifest.database_member
            with database.open("rb") as file:
                manifest.files[member] = _add(archive, member, file,
                                              os.fstat(file.fileno()).st_size)
            for folder, path in _stored_files():
                member = f"files/{folder}/{path.name}"
                try:
                    file = path.open("rb")
                except FileNotFoundError:
                    continue  # deleted since listed (job results expire): nothing to keep
                with file:
                    manifest.files[member] = _add(archive, member, file,
                                                  os.fstat(file.fileno()).st_size)
            data = manifest.to_json()
            _add(archive, MANIFEST, io.BytesIO(data), len(data))
        with open(partial, "rb") as file:
            os.fsync(file.fileno())
        try:
            # link, not rename: fails rather than replace a file created meanwhile.
            os.link(partial, output)
        except FileExistsError:
            raise BackupError(f"{output} already exists; give another --output.") from None
    return manifest


def _version() -> str | None:
    try:
        return metadata.version("caseflow")
    except metadata.PackageNotFoundError:
        return None


# -- restoring ----------------------------------------------------------------------------
@dataclass
class Unpacked:
    """An archive whose every member has been checked against its manifest, unpacked in a
    private folder of the instance folder (so its files can be moved into place)."""

    archive: Path
    folder: Path
    manifest: Manifest


def _damaged(archive: Path, why: str) -> BackupError:
    return BackupError(f"{archive} is damaged or not a caseflow backup ({why}); nothing was "
                       "restored.")


@contextlib.contextmanager
def unpacked(archive: Path) -> Iterator[Unpacked]:
    """Unpack and check `archive`; the folder is removed afterwards, whatever happens.

    Every member must be listed in the manifest with the same SHA-256 and size, and every
    listed member must be there; otherwise BackupError, and nothing outside the temporary
    folder has been touched.
    """
    instance = _instance()
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=instance, prefix=".restore-"))
    try:
        manifest = _unpack(archive, folder)
        _check_backend(manifest)
        yield Unpacked(archive=archive, folder=folder, manifest=manifest)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unpack(archive: Path, folder: Path) -> Manifest:
    found: dict[str, dict[str, Any]] = {}
    manifest_data: bytes | None = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isfile() and manifest_data is None:
                    manifest_data = _read_member(tar, member, limit=64 * 1024 * 1024)
                    continue
                if not member.isfile() or not _MEMBER.fullmatch(member.name):
                    raise _damaged(archive, f"unexpected member {member.name!r}")
                if member.name in found:
                    raise _damaged(archive, f"{member.name} appears twice")
                found[member.name] = _extract(tar, member, folder / member.name)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise _damaged(archive, str(error) or type(error).__name__) from None
    if manifest_data is None:
        raise _damaged(archive, "no manifest.json")
    manifest = Manifest.from_json(manifest_data)
    missing = sorted(set(manifest.files) - set(found))
    unlisted = sorted(set(found) - set(manifest.files))
    changed = sorted(name for name in set(found) & set(manifest.files)
                     if found[name] != manifest.files[name])
    if missing or unlisted or changed:
        problems = ([f"missing: {', '.join(missing[:5])}"] if missing else []) + (
            [f"not in the manifest: {', '.join(unlisted[:5])}"] if unlisted else []) + (
            [f"checksum differs: {', '.join(changed[:5])}"] if changed else [])
        raise _damaged(archive, "; ".join(problems))
    return manifest


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo, limit: int) -> bytes:
    if member.size > limit:
        raise tarfile.TarError(f"{member.name} is too large")
    file = tar.extractfile(member)
    if file is None:
        raise tarfile.TarError(f"{member.name} cannot be read")
    return file.read()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> dict[str, Any]:
    """Write a member's bytes (never its mode, owner or link) and return its checksum."""
    source = tar.extractfile(member)
    if source is None:
        raise tarfile.TarError(f"{member.name} cannot be read")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _check_backend(manifest: Manifest) -> None:
    if manifest.backend != backend():
        raise BackupError(f"This is a {manifest.backend} backup and DATABASE_URL is "
                          f"{backend()}: restore it into a {manifest.backend} database.")


def restore(backup: Unpacked, *, force: bool = False) -> dict[str, int]:
    """Replace the database and the stored folders with the backup's; return the row counts
    of the restored database, which equal the manifest's for every table it lists
    (BackupError otherwise); any other table is a leftover of the target (PostgreSQL).

    Refuses (TargetNotEmpty) when the database has rows or the folders have files, unless
    `force`. The database is replaced in one transaction (SQLite's backup API into the file;
    pg_restore --single-transaction), so a failure leaves it as it was; the stored folders
    are swapped in only after that succeeded.
    """
    manifest = backup.manifest
    _check_backend(manifest)
    if not force and (occupied := describe_target()):
        raise TargetNotEmpty("The target is not empty (" + "; ".join(occupied) + "). "
                             "Restore into a new database, or give --force to replace it.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old database (or a lock) open
    dump = backup.folder / manifest.database_member
    if manifest.backend == "sqlite":
        _restore_sqlite(dump)
    else:
        _restore_postgresql(dump)
    db.engine.dispose()
    with db.engine.connect() as connection:
        restored = count_rows(connection)
    # pg_restore --clean drops only what the dump holds: a table of a newer schema in the
    # target survives it. Such leftovers are reported by the caller, not counted here.
    differences = sorted(name for name in manifest.tables
                         if restored.get(name) != manifest.tables[name])
    if differences:
        raise BackupError("The restored database differs from the backup's manifest in "
                          + ", ".join(f"{name} ({restored.get(name)} rows, expected "
                                      f"{manifest.tables.get(name)})"
                                      for name in differences[:10])
                          + "; the stored files were not restored.")
    _restore_files(backup.folder / "files")
    return restored


def _restore_sqlite(dump: Path) -> None:
    target = Path(_url().database or "")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(target, timeout=30)
    try:
        # The backup API writes the pages through the target's own journal (WAL or not)
        # under its write lock: all or nothing, and never a stale -wal applied on top.
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(f"Writing {target} failed ({error}); it is unchanged.") from None
    finally:
        destination.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    conninfo, env = _libpq(_url())
    with db.engine.connect() as connection:
        major = _server_major(connection)
    db.engine.dispose()
    pg_restore = _client("pg_restore", major)
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", f"--dbname={conninfo}", str(dump)], env, "pg_restore")


def _restore_files(staged: Path) -> None:
    instance = _instance()
    for folder in STORED_FOLDERS:
        new = staged / folder
        new.mkdir(mode=0o700, parents=True, exist_ok=True)
        current = instance / folder
        # Both are in the instance folder: each rename is atomic, and files the backup
        # does not hold leave with the old folder (removed with the unpacked archive).
        if current.exists():
            os.replace(current, staged / f".old-{folder}")
        os.replace(new, current)
        current.chmod(0o700)


def stored_file_checksums() -> dict[str, str]:
    """'folder/name' -> SHA-256 of every stored file, to compare two installations."""
    result: dict[str, str] = {}
    for folder, path in _stored_files():
        digest = hashlib.sha256()
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
        result[f"{folder}/{path.name}"] = digest.hexdigest()
    return result
