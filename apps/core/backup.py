"""Backups: the database, the uploaded photos and a manifest, taken from a running installation and restored
into an empty one. Never the personal-data keys.

A backup is a folder of three parts and a note:
- `database.pgdump` (pg_dump's custom format: consistent while the app writes; restored by pg_restore in one
  transaction) or, embedded, `database.sqlite3` (SQLite's online backup API);
- `media.tar`: MEDIA_ROOT (citizens' and officers' photos), modes kept (0600 / 0700);
- `manifest.json`, written last (a folder without it is no backup): the format, when, the app version, the
  database vendor, the applied migrations, each part's SHA-256 and size, and where the personal-data keys are
  with their fingerprints (SHA-256 prefixes, from which no key can be recovered);
- `README.txt`: the same warning in words, for whoever finds the folder.

Choices made here:
- The keys (CITYOPS_FIELD_KEYS) are left out on purpose: a backup that holds its keys exposes every citizen's
  contact to whoever gets the backup. Without them the personal data in it cannot be decrypted, so restore
  refuses a backup whose key fingerprints the configured keys do not cover (`--without-keys` overrides).
- Restore goes only into an empty database and an empty media folder: it never merges or overwrites.
- Everything is checked before anything is written (manifest, every part's SHA-256, vendor, migrations this
  code knows, keys, an empty target); the photos are unpacked beside MEDIA_ROOT first and moved into place
  only once the database is in. A failure leaves the target as it was: empty.
- The manifest is a checksum list, not a signature: it catches a damaged or edited part, not someone who
  rewrites the manifest too. Keep backups where only their operators write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "cityops-backup/1"
MANIFEST = "manifest.json"
MEDIA_PART = "media.tar"
DATABASE_PART = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
KEYS_WARNING = (
    "The personal-data keys are NOT in this backup. Personal data in it (citizens' contacts, addresses, people "
    "met on visits) is encrypted with them: without the keys a restored copy cannot decrypt it. Keep a copy of "
    "the keys apart from the backups (another place, another medium), and restore with the same keys."
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line for the operator. Nothing was changed."""


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    media_files: int
    pending_migrations: int  # migrations this code has that the backup had not applied: run `migrate`


# --- Taking a backup ------------------------------------------------------------------------------------


def backup_create(*, directory: Path, using: str = DEFAULT_DB_ALIAS, media_root: Path | None = None) -> dict:
    """Write a backup of database `using` and `media_root` (default MEDIA_ROOT) into `directory`, which must
    not exist or be empty; returns the manifest. Raises BackupError (the partial folder removed) if a part
    cannot be taken. The app may keep running: the dump is one consistent snapshot."""
    directory = Path(directory)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_PART:
        raise BackupError(f"cannot back up a {vendor} database")
    _new_directory(directory)
    started = datetime.now(UTC)  # the snapshot's time, near enough: the dump starts next
    try:
        applied = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
        database = directory / DATABASE_PART[vendor]
        if vendor == "postgresql":
            _pg_dump(connection.settings_dict, database)
        else:
            _sqlite_copy(connection, database)
        media_files = _media_pack(media_root, directory / MEDIA_PART)
        manifest = _manifest(
            vendor=vendor, applied=applied, directory=directory, media_files=media_files, started=started
        )
        (directory / "README.txt").write_text(_readme(manifest))
        (directory / "README.txt").chmod(0o600)
        _write_json(directory / MANIFEST, manifest)  # last: a folder without a manifest is no backup
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return manifest


def _new_directory(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupError(f"{directory} exists and is not an empty folder: give a new one")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # personal data, even if encrypted


def _manifest(*, vendor: str, applied: list[str], directory: Path, media_files: int, started: datetime) -> dict:
    parts = {"database": DATABASE_PART[vendor], "media": MEDIA_PART}
    return {
        "format": FORMAT,
        "created_at": started.isoformat(timespec="seconds"),
        "app_version": app_version(),
        "database": {"vendor": vendor},
        "migrations": applied,
        "media_files": media_files,
        "parts": {
            name: {"file": file, "sha256": _sha256(directory / file), "bytes": (directory / file).stat().st_size}
            for name, file in parts.items()
        },
        "keys": {
            "included": False,
            "where": keys_location(),
            "fingerprints": key_fingerprints(),
            "warning": KEYS_WARNING,
        },
    }


def _readme(manifest: dict) -> str:
    keys = manifest["keys"]
    return (
        f"CityOps backup, {manifest['created_at']}, CityOps {manifest['app_version']}.\n\n"
        f"{KEYS_WARNING}\n\nThe keys in use when it was taken: {keys['where']}; fingerprints "
        f"{', '.join(keys['fingerprints'])}.\n\nRestore into an empty database and an empty media folder with "
        "`manage.py restore <this folder>` (README: Deploying, Backups). manifest.json lists each part's SHA-256.\n"
    )


def app_version() -> str:
    """pyproject's version, and the git commit when the code is a checkout."""
    version = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    try:
        commit = subprocess.run(  # noqa: S603  (a fixed command)
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+{commit}" if commit else version


def keys_location() -> str:
    """Where the running installation reads its personal-data keys from, in words."""
    if os.environ.get("CITYOPS_FIELD_KEYS"):
        return "CITYOPS_FIELD_KEYS in the environment (the Debian kit's /etc/cityops/cityops.env)"
    return f"the file {settings.DATA_DIR / 'field-keys'} (embedded mode)"


def key_fingerprints(keys: list[str] | None = None) -> list[str]:
    """A short SHA-256 of each key: enough to tell keys apart, nothing to recover one from."""
    return [hashlib.sha256(key.encode()).hexdigest()[:16] for key in (keys or settings.CITYOPS_FIELD_KEYS)]


def _pg_dump(settings_dict: dict[str, Any], target: Path) -> None:
    _run(
        ["pg_dump", "--format=custom", "--compress=6", f"--file={target}", f"--dbname={_conninfo(settings_dict)}"],
        settings_dict,
        what="pg_dump",
    )
    target.chmod(0o600)


def _sqlite_copy(connection: Any, target: Path) -> None:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
    target.chmod(0o600)


def _media_pack(media_root: Path, target: Path) -> int:
    """Tar the regular files under media_root (sorted, as `media/…`); returns their count."""
    count = 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_symlink() or not (path.is_file() or path.is_dir()):
                    continue
                tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}", recursive=False)
                count += path.is_file()
    target.chmod(0o600)
    return count


# --- Restoring ------------------------------------------------------------------------------------------


def backup_restore(
    *, directory: Path, database: dict[str, Any], media_root: Path, without_keys: bool = False
) -> Restored:
    """Restore the backup in `directory` into `database` (a Django settings dict; it must hold no tables) and
    `media_root` (it must not exist or be empty). Checks the whole backup first; raises BackupError with
    nothing changed when a part is missing or altered, the backup is from another vendor or a newer code, the
    configured keys do not cover the backup's (unless `without_keys`), or the target is not empty."""
    directory, media_root = Path(directory), Path(media_root)
    manifest = backup_read(directory=directory)
    vendor = _vendor(database)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(f"the backup is of a {manifest['database']['vendor']} database, this one is {vendor}")
    pending = _migrations_check(manifest)
    if not without_keys:
        _keys_check(manifest)
    _target_check(database, vendor=vendor, media_root=media_root)
    dump = directory / manifest["parts"]["database"]["file"]
    with _media_unpacked(directory / MEDIA_PART, media_root) as unpacked:
        if vendor == "postgresql":
            _pg_restore(database, dump)
        else:
            _sqlite_restore(database, dump)
        _media_move(unpacked, media_root)
    return Restored(manifest=manifest, media_files=manifest["media_files"], pending_migrations=pending)


def backup_read(*, directory: Path) -> dict:
    """The manifest of the backup in `directory`, once every part matches its SHA-256; BackupError if not."""
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} is not a CityOps backup: no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text())
        parts = manifest["parts"]
        ok = manifest["format"] == FORMAT and set(parts) == {"database", "media"}
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise BackupError(f"{path} is not a {FORMAT} manifest")
    for name, part in sorted(parts.items()):
        file = Path(directory) / str(part.get("file", ""))
        if Path(str(part.get("file", ""))).name != part.get("file") or not file.is_file():
            raise BackupError(f"the backup's {name} part {part.get('file')!r} is missing")
        if _sha256(file) != part.get("sha256"):
            raise BackupError(
                f"the backup's {part['file']} does not match its SHA-256 in {MANIFEST}: damaged or altered"
            )
    return manifest


def _vendor(database: dict[str, Any]) -> str:
    return "postgresql" if "postgresql" in database["ENGINE"] else "sqlite"


def _migrations_check(manifest: dict) -> int:
    """The code must know every migration the backup applied (a backup from newer code needs that code);
    returns how many of the code's migrations the backup lacks (`migrate` applies them after the restore)."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise BackupError(
            f"the backup was made by newer code (CityOps {manifest['app_version']}; migration {unknown[0]} is not in "
            "this one): restore it with that version"
        )
    return len(known - set(manifest["migrations"]))


def _keys_check(manifest: dict) -> None:
    missing = sorted(set(manifest["keys"]["fingerprints"]) - set(key_fingerprints()))
    if missing:
        raise BackupError(
            f"CITYOPS_FIELD_KEYS lacks the backup's key {missing[0]} (see its manifest): personal data would not "
            "decrypt. Configure the keys it was taken with, or pass --without-keys to restore it unreadable"
        )


def _target_check(database: dict[str, Any], *, vendor: str, media_root: Path) -> None:
    tables = _pg_table_count(database) if vendor == "postgresql" else _sqlite_table_count(database)
    if tables:
        raise BackupError(
            f"the database {database['NAME']} is not empty ({tables} tables): restore only into a new one"
        )
    if media_root.exists() and (not media_root.is_dir() or any(media_root.iterdir())):
        raise BackupError(f"the media folder {media_root} is not empty: restore only into a new one")


def _pg_table_count(database: dict[str, Any]) -> int:
    import psycopg

    try:
        with psycopg.connect(_conninfo(database), password=database.get("PASSWORD") or None, connect_timeout=10) as c:
            row = c.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
            ).fetchone()
    except psycopg.Error as exc:
        raise BackupError(f"cannot open the database {database['NAME']}: {_first_line(str(exc))}") from None
    return int(row[0]) if row else 0


def _sqlite_table_count(database: dict[str, Any]) -> int:
    path = Path(database["NAME"])
    if not path.exists():
        return 0
    with _sqlite(path) as db:
        return int(db.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0])


@contextmanager
def _sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path)
    try:
        yield db
    finally:
        db.close()


@contextmanager
def _media_unpacked(archive: Path, media_root: Path) -> Iterator[Path]:
    """The archive's `media/` unpacked into a new folder beside media_root (the same file system, so it moves
    into place in one rename); removed again if the restore fails."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".cityops-restore-", dir=media_root.parent))
    try:
        try:
            with tarfile.open(archive) as tar:
                names = tar.getnames()
                if any(name != "media" and not name.startswith("media/") for name in names):
                    raise BackupError(f"{archive.name} holds files outside media/")
                tar.extractall(staging, filter="data")  # refuses absolute paths, '..', devices, links out
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"cannot unpack {archive.name}: {_first_line(str(exc))}") from None
        (staging / "media").mkdir(mode=0o700, exist_ok=True)
        yield staging / "media"
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _media_move(unpacked: Path, media_root: Path) -> None:
    if media_root.is_dir():
        media_root.rmdir()  # checked empty before
    os.replace(unpacked, media_root)


def _pg_restore(database: dict[str, Any], dump: Path) -> None:
    # One transaction: a failure anywhere rolls every table back, and the database is empty again.
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_conninfo(database)}",
            str(dump),
        ],
        database,
        what="pg_restore",
    )


def _sqlite_restore(database: dict[str, Any], dump: Path) -> None:
    with _sqlite_readonly(dump) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{dump.name} is not a sound SQLite database")
        with _sqlite(Path(database["NAME"])) as target:
            source.backup(target)  # all pages in one step: the target gets all of it or nothing


@contextmanager
def _sqlite_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path.name}: {exc}") from None
    try:
        yield db
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a sound SQLite database: {exc}") from None
    finally:
        db.close()


# --- Shared ---------------------------------------------------------------------------------------------


def _conninfo(database: dict[str, Any]) -> str:
    """A libpq connection string without the password (that goes in PGPASSWORD, out of the process list)."""
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": database["NAME"],
        "host": database.get("HOST"),
        "port": database.get("PORT"),
        "user": database.get("USER"),
        **(database.get("OPTIONS") or {}),
    }
    return make_conninfo(**{key: str(value) for key, value in params.items() if value not in (None, "")})


def _run(args: list[str], database: dict[str, Any], *, what: str) -> None:
    env = {**os.environ, **({"PGPASSWORD": str(database["PASSWORD"])} if database.get("PASSWORD") else {})}
    try:
        subprocess.run(args, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{what} is not installed: apt-get install postgresql-client") from None
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{what} failed: {_first_line(exc.stderr or exc.stdout or str(exc))}") from None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    path.chmod(0o600)
