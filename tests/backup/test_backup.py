"""`flask backup create` and `flask backup restore`, round trip on the suite's backend
(SQLite by default, PostgreSQL with TEST_DATABASE_URL): every row of every table and every
stored file comes back, checksums equal; damaged archives and occupied targets are refused."""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import MetaData, inspect, select, text

from caseflow.backup import services
from caseflow.backup.services import STORED_FOLDERS
from caseflow.cases.models import CaseStatus
from caseflow.documents import services as documents
from caseflow.extensions import db
from caseflow.jobs.services import result_folder
from caseflow.people.models import HouseholdRole
from caseflow.printing import services as printing
from caseflow.printing.services import certificate_folder
from caseflow.reference import load_reference_data
from tests import factories
from tests.cases.helpers import case_at, make_world
from tests.conftest import make_app
from tests.databases import DatabaseFactory, backend

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def fresh_app(databases: DatabaseFactory, instance: Path, label: str) -> Flask:
    return make_app(databases.new(label), instance)


@pytest.fixture(scope="module")
def source(databases: DatabaseFactory,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A migrated installation holding realistic data: households, documents with their
    scans, a departed case with its certificate PDF, a job's result file. Shared by the
    module's tests: each reads its state before acting, and a restore into it puts the same
    data back."""
    app = fresh_app(databases, tmp_path_factory.mktemp("source-instance"), "backup_source")
    with app.app_context():
        flask_migrate.upgrade()
        load_reference_data()
        world = make_world("RS")
        household = [
            factories.person_data(given_names="Đorđe", family_name="Petrović"),
            factories.person_data(role=HouseholdRole.spouse.value, given_names="Јелена",
                                  family_name="Петровић"),
            factories.person_data(role="child"),
        ]
        registered = world.new_case(household=household)
        departed, _ = case_at(CaseStatus.departed, world)
        documents.attach_document(registered, io.BytesIO(PDF), filename="pasoš.pdf",
                                  title="Passport", by=world.caseworker,
                                  beneficiary=registered.beneficiaries[0])
        documents.attach_document(departed, io.BytesIO(png()), filename="ticket.png",
                                  title="Ticket", by=world.caseworker)
        db.session.commit()
        printing.issue_departure_certificate(departed, by=world.manager, language="fr",
                                             script="cyrl")
        db.session.commit()
        # A finished job's result file, as the jobs module writes it.
        (result_folder() / "0123456789abcdef0123456789abcdef.csv").write_bytes(b"a,b\n1,2\n")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def archive(source: Flask, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of `source`; tests that damage it work on a copy (see `copy_of`)."""
    path = tmp_path_factory.mktemp("archive") / "caseflow.tar.gz"
    make_backup(source, path)
    return path


def copy_of(archive: Path, folder: Path) -> Path:
    copy = folder / archive.name
    copy.write_bytes(archive.read_bytes())
    return copy


@pytest.fixture
def target(databases: DatabaseFactory, tmp_path: Path) -> Iterator[Flask]:
    """A fresh, empty database (no tables at all) and a fresh instance folder."""
    app = fresh_app(databases, tmp_path / "target-instance", "backup_target")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def rows_of(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key."""
    with app.app_context(), db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(connection)
        result = {}
        for name, table in sorted(metadata.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            result[name] = [dict(row._mapping)
                            for row in connection.execute(select(table).order_by(*order))]
        return result


def checksums(app: Flask) -> dict[str, str]:
    with app.app_context():
        return services.stored_file_checksums()


def cli(app: Flask, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["backup", *args], input=input)


def make_backup(app: Flask, archive: Path) -> Any:
    result = cli(app, "create", "--output", str(archive))
    assert result.exit_code == 0, result.output
    return result


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.loads(member.read())


def assert_same_data(before: dict[str, list[dict[str, Any]]],
                     after: dict[str, list[dict[str, Any]]]) -> None:
    """Equal, except that the restored audit trail goes on with the restore's own entry."""
    assert set(after) == set(before)
    for name in before:
        if name in ("audit_entries", "audit_head"):
            continue
        assert after[name] == before[name], name
    entries = before.get("audit_entries", [])
    restored_entries = after.get("audit_entries", [])
    assert restored_entries[:len(entries)] == entries
    assert all(entry["action"] == "security" for entry in restored_entries[len(entries):])


def test_round_trip_into_a_fresh_database_and_instance(source, target, tmp_path):
    before, files_before = rows_of(source), checksums(source)
    assert {name.split("/")[0] for name in files_before} == set(STORED_FOLDERS)
    assert sum(len(rows) for rows in before.values()) > 50

    archive = tmp_path / "caseflow.tar.gz"
    make_backup(source, archive)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    manifest = manifest_of(archive)
    assert manifest["backend"] == backend()
    assert manifest["tables"] == {name: len(rows) for name, rows in before.items()}
    with source.app_context():
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert manifest["alembic_revision"] == revision
    assert {name.removeprefix("files/"): entry["sha256"]
            for name, entry in manifest["files"].items()
            if name.startswith("files/")} == files_before

    result = cli(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "row counts match the manifest" in result.output

    after = rows_of(target)
    assert_same_data(before, after)
    assert checksums(target) == files_before
    # The trail came back whole and goes on from where it was: the chain still verifies.
    assert len(after["audit_entries"]) == len(before["audit_entries"]) + 1
    verified = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    with target.app_context():
        cert = db.session.scalars(select(printing.Certificate)).one()
        data = printing.stored_bytes(cert)
        assert printing.verify_upload(cert.verification_code, data)
        for folder in STORED_FOLDERS:
            path = Path(target.instance_path) / folder
            assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_the_stored_folders_are_the_ones_the_app_writes_to(source):
    with source.app_context():
        instance = Path(source.instance_path)
        used = {documents.upload_folder(), certificate_folder(), result_folder()}
    assert used == {instance / folder for folder in STORED_FOLDERS}


def rewrite(archive: Path, change: Any) -> None:
    """Rebuild `archive` with change(name, bytes) -> bytes applied to every member."""
    members = []
    with tarfile.open(archive) as tar:
        for member in tar:
            file = tar.extractfile(member)
            assert file is not None
            members.append((member, change(member.name, file.read())))
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def assert_target_untouched(target: Flask) -> None:
    with target.app_context(), db.engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    assert checksums(target) == {}


def test_a_changed_file_is_refused_before_anything_is_restored(archive, target, tmp_path):
    archive = copy_of(archive, tmp_path)

    def flip(name: str, data: bytes) -> bytes:
        return data.replace(b"%%EOF", b"%%EOX") if name.startswith("files/uploads/") else data

    rewrite(archive, flip)
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "damaged or not a caseflow backup" in result.output
    assert "checksum differs: files/uploads/" in result.output
    assert_target_untouched(target)


def test_a_truncated_or_foreign_archive_is_refused(archive, target, tmp_path):
    archive = copy_of(archive, tmp_path)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        tar.add(__file__, arcname="../../etc/evil")
    not_gzip = tmp_path / "not-gzip.tar.gz"
    not_gzip.write_bytes(b"hello")
    no_manifest = tmp_path / "no-manifest.tar.gz"
    no_manifest.write_bytes(gzip.compress(b"\0" * 1024))  # an empty tar

    for bad in (truncated, foreign, not_gzip, no_manifest):
        result = cli(target, "restore", str(bad))
        assert result.exit_code == 1, (bad, result.output)
        assert "nothing was restored" in result.output, (bad, result.output)
    assert_target_untouched(target)


def test_a_manifest_listing_a_missing_file_is_refused(archive, target, tmp_path):
    archive = copy_of(archive, tmp_path)

    def add_entry(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["files"]["files/uploads/" + "f" * 32 + ".pdf"] = {"sha256": "0" * 64,
                                                                   "size": 1}
        return json.dumps(manifest).encode()

    rewrite(archive, add_entry)
    result = cli(target, "restore", str(archive))
    assert result.exit_code == 1
    assert "missing: files/uploads/ffff" in result.output
    assert_target_untouched(target)


def test_a_non_empty_target_is_refused_unless_forced_and_confirmed(source, tmp_path):
    at_backup, files_before = rows_of(source), checksums(source)
    archive = tmp_path / "caseflow.tar.gz"
    make_backup(source, archive)
    # The source's trail now also holds the entry of `backup create`, written after the copy.
    before = rows_of(source)

    refused = cli(source, "restore", str(archive))
    assert refused.exit_code == 1
    assert "The target is not empty" in refused.output and "--force" in refused.output

    declined = cli(source, "restore", str(archive), "--force", input="n\n")
    assert declined.exit_code == 1
    assert "Continue?" in declined.output and "Aborted" in declined.output
    assert rows_of(source) == before and checksums(source) == files_before

    # A stored file the backup does not hold goes away with the rest of the old state.
    with source.app_context():
        stray = documents.upload_folder() / ("a" * 32 + ".pdf")
    stray.write_bytes(PDF)
    replaced = cli(source, "restore", str(archive), "--force", "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert not stray.exists()
    assert checksums(source) == files_before
    assert_same_data(at_backup, rows_of(source))


def test_an_existing_output_is_not_overwritten(source, tmp_path):
    archive = tmp_path / "caseflow.tar.gz"
    archive.write_bytes(b"keep me")
    result = cli(source, "create", "--output", str(archive))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert archive.read_bytes() == b"keep me"


def test_default_output_goes_to_the_current_folder(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(source, "create")
    assert result.exit_code == 0, result.output
    (archive,) = tmp_path.glob("caseflow-backup-*.tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".backup-*"))  # no temporary leftovers


postgresql_only = pytest.mark.skipif(backend() != "postgresql",
                                     reason="pg_dump applies to PostgreSQL only "
                                            "(run with TEST_DATABASE_URL)")


@postgresql_only
def test_pg_dump_missing_gives_a_clear_error(source, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    archive = tmp_path / "caseflow.tar.gz"
    result = cli(source, "create", "--output", str(archive))
    assert result.exit_code == 1
    assert "pg_dump was not found on PATH" in result.output
    assert "postgresql-client-" in result.output
    assert not archive.exists()


@postgresql_only
def test_pg_dump_of_another_major_version_is_refused(source, tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "pg_dump"
    script.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    archive = tmp_path / "caseflow.tar.gz"
    result = cli(source, "create", "--output", str(archive))
    assert result.exit_code == 1
    assert "is version 9, the server is" in result.output
    assert not archive.exists()
