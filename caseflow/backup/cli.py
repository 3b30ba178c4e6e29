"""`flask backup create` and `flask backup restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from caseflow import audit
from caseflow.backup import services
from caseflow.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and stored files.")


@backup_cli.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write (default: caseflow-backup-<UTC time>.tar.gz here). "
                   "An existing file is never overwritten.")
def create(output: Path | None) -> None:
    """Write the database and every stored file to one archive (mode 0600)."""
    output = output or Path.cwd() / services.default_name()
    try:
        manifest = services.create_backup(output)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    except OperationalError as error:
        raise click.ClickException(f"The database cannot be reached: {error.orig}") from None
    # A backup is a copy of every person's data: it is recorded like any export.
    audit.record(audit.Action.export, target="backup",
                 details={"archive": output.name, "backend": manifest.backend,
                          "tables": len(manifest.tables),
                          "files": len(manifest.stored_files)})
    db.session.commit()
    click.echo(f"Backup written to {output.resolve()}: {manifest.backend}, revision "
               f"{manifest.alembic_revision}, {sum(manifest.tables.values())} rows in "
               f"{len(manifest.tables)} tables, {len(manifest.stored_files)} stored files.")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that has rows and stored files that exist.")
@click.option("--yes", is_flag=True, help="With --force: do not ask for confirmation.")
def restore(archive: Path, force: bool, yes: bool) -> None:
    """Restore ARCHIVE made by `flask backup create`: checksums first, then the database and
    the stored files, then the row counts. Stop the app and workers before."""
    try:
        with services.unpacked(archive) as backup:
            occupied = services.describe_target()
            # Without --force, restore() itself refuses an occupied target.
            if occupied and force and not yes:
                click.confirm("This replaces " + " and ".join(occupied) + " with the backup "
                              f"of {backup.manifest.created_at}. Continue?", abort=True)
            restored = services.restore(backup, force=force)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    except OperationalError as error:
        raise click.ClickException(f"The database cannot be reached: {error.orig}") from None
    leftovers = sorted(set(restored) - set(backup.manifest.tables))
    if leftovers:
        click.echo("Warning: these tables are not in the backup and were left as they were: "
                   + ", ".join(leftovers) + ". Drop them, or restore into a new database.",
                   err=True)
    audit.record(audit.Action.security, target="backup",
                 details={"event": "restored", "archive": archive.name,
                          "backup_created_at": backup.manifest.created_at})
    db.session.commit()
    click.echo(f"Restored {sum(backup.manifest.tables.values())} rows in "
               f"{len(backup.manifest.tables)} tables and "
               f"{len(backup.manifest.stored_files)} stored files from the backup of "
               f"{backup.manifest.created_at} (revision {backup.manifest.alembic_revision}); "
               "row counts match the manifest. Run `flask db upgrade` if this code is newer.")
