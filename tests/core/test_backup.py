"""Backup and restore (apps/core/backup.py, `manage.py backup` / `restore`): a report, its photo and the audit
chain come back whole in an empty database; a non-empty target, a damaged or altered part, missing keys or a
backup of newer code are refused with one line and nothing restored.

The same tests run on SQLite (`make test`) and on PostgreSQL with pg_dump / pg_restore (`make test-services`):
the target is a new SQLite file, or a new database on the same server, dropped at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from apps.core.audit import audit_seal
from apps.core.backup import BackupError, backup_create, backup_read, backup_restore, key_fingerprints
from apps.core.fields import decrypt_text
from apps.grievances.services import Photo
from tests.grievances.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data only
ROOT = Path(__file__).resolve().parents[2]


def jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 90, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Settings of a new, empty database of the suite's vendor; dropped afterwards."""
    source = connection.settings_dict
    if connection.vendor != "postgresql":
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    name = f"{source['NAME']}_restore"[:63]
    admin = {key: source[key] for key in ("HOST", "PORT", "USER", "PASSWORD")}

    def run(sql: str) -> None:
        with psycopg.connect(
            dbname="postgres",
            host=admin["HOST"],
            port=admin["PORT"] or 5432,
            user=admin["USER"],
            password=admin["PASSWORD"] or None,
            autocommit=True,
        ) as maintenance:
            maintenance.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    yield {**source, "NAME": name}
    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database: dict[str, Any], sql: str) -> list[tuple]:
    """Rows of `sql` read straight from a target database (not through Django's connection)."""
    if "sqlite" in database["ENGINE"]:
        with closing(sqlite3.connect(database["NAME"])) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]
    import psycopg

    with psycopg.connect(
        dbname=database["NAME"],
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
    ) as db:
        return [tuple(row) for row in db.execute(sql).fetchall()]


def own(sql: str) -> list[tuple]:
    """Rows of `sql` on the suite's own database."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def tables(database: dict[str, Any]) -> int:
    if "sqlite" in database["ENGINE"]:
        if not Path(database["NAME"]).exists():
            return 0
        return query(database, "SELECT count(*) FROM sqlite_master")[0][0]
    return query(database, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0]


@pytest.fixture
def report(submit: Any) -> Any:
    grievance = submit(photos=[Photo("pothole.jpg", jpeg())])
    audit_seal()
    return grievance


@pytest.fixture
def backup(report: Any, tmp_path: Path) -> Path:
    directory = tmp_path / "backup"
    backup_create(directory=directory)
    return directory


def test_a_restore_into_an_empty_database_brings_back_the_report_its_photo_and_the_audit_chain(
    report, backup, empty_target, tmp_path
):
    # given a backup of a database holding a report with a photo and a sealed audit trail
    photo = report.photos.get()
    original_photo = Path(settings.MEDIA_ROOT, photo.image.name).read_bytes()
    chain = own("SELECT seq, hash FROM core_auditlog WHERE seq IS NOT NULL ORDER BY seq")
    media_root = tmp_path / "restored-media"

    # when it is restored into an empty database and an empty media folder
    restored = backup_restore(directory=backup, database=empty_target, media_root=media_root)

    # then the report is there with its contact still decrypting, its photo file and the same chain
    phone = dict(query(empty_target, "SELECT id, reporter_phone FROM grievances_grievance"))[report.pk]
    assert phone != PHONE  # stored encrypted, as in the original
    assert decrypt_text(phone) == PHONE
    image = dict(query(empty_target, "SELECT grievance_id, image FROM grievances_grievancephoto"))[report.pk]
    assert (media_root / image).read_bytes() == original_photo
    assert oct((media_root / image).stat().st_mode & 0o777) == "0o600"
    assert query(empty_target, "SELECT seq, hash FROM core_auditlog ORDER BY seq") == chain
    assert restored.pending_migrations == 0
    assert restored.media_files == sum(1 for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def test_a_backup_says_where_the_keys_are_and_holds_none_of_them(backup):
    # given a backup (made above)
    manifest = json.loads((backup / "manifest.json").read_text())

    # then its manifest and note say the keys are elsewhere, and no key is in any of its files
    assert manifest["keys"]["included"] is False
    assert manifest["keys"]["fingerprints"] == key_fingerprints()
    assert "cannot decrypt" in manifest["keys"]["warning"]
    assert "NOT in this backup" in (backup / "README.txt").read_text()
    contents = b"".join(path.read_bytes() for path in backup.iterdir())
    assert not [key for key in settings.CITYOPS_FIELD_KEYS if key.encode() in contents]
    assert sorted(path.name for path in backup.iterdir()) == sorted(
        ["manifest.json", "README.txt", "media.tar", manifest["parts"]["database"]["file"]]
    )
    assert manifest["migrations"] == sorted(
        f"{app}.{name}" for app, name in own("SELECT app, name FROM django_migrations")
    )


def test_a_restore_into_the_running_database_is_refused_and_changes_nothing(report, backup, tmp_path):
    # given the database the backup came from, still holding its data
    before = own("SELECT count(*) FROM grievances_grievance")

    # when the backup is restored into it
    with pytest.raises(BackupError, match=r"is not empty \(\d+ tables\): restore only into a new one"):
        backup_restore(directory=backup, database=connection.settings_dict, media_root=tmp_path / "media")

    # then nothing changed
    assert own("SELECT count(*) FROM grievances_grievance") == before
    assert not (tmp_path / "media").exists()


def test_a_restore_into_a_media_folder_that_holds_files_is_refused(backup, empty_target, tmp_path):
    media_root = tmp_path / "media"
    (media_root / "old").mkdir(parents=True)

    with pytest.raises(BackupError, match="media folder .* is not empty"):
        backup_restore(directory=backup, database=empty_target, media_root=media_root)

    assert tables(empty_target) == 0


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("flip a byte of media.tar", "media.tar does not match its SHA-256 in manifest.json: damaged or altered"),
        ("flip a byte of the dump", "does not match its SHA-256 in manifest.json: damaged or altered"),
        ("remove the dump", "the backup's database part .* is missing"),
        ("remove the manifest", "is not a CityOps backup: no manifest.json"),
        ("garble the manifest", "is not a cityops-backup/1 manifest"),
    ],
)
def test_a_damaged_or_altered_backup_is_refused_and_nothing_is_restored(
    backup, empty_target, tmp_path, damage, message
):
    # given a backup with one part damaged, altered or gone
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["parts"]["database"]["file"]
    if damage.startswith("flip"):
        target = backup / "media.tar" if "media" in damage else dump
        content = bytearray(target.read_bytes())
        content[len(content) // 2] ^= 0xFF
        target.write_bytes(bytes(content))
    elif damage == "remove the dump":
        dump.unlink()
    elif damage == "remove the manifest":
        (backup / "manifest.json").unlink()
    else:
        (backup / "manifest.json").write_text('{"format": "cityops-backup/1", "parts": ')

    # when it is restored
    with pytest.raises(BackupError, match=message):
        backup_restore(directory=backup, database=empty_target, media_root=tmp_path / "media")

    # then the target database and media folder are as empty as before
    assert tables(empty_target) == 0
    assert not (tmp_path / "media").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cityops-restore-")] == []


def test_a_dump_that_fails_to_load_leaves_no_table_and_no_photo(backup, empty_target, tmp_path):
    # given a backup whose dump is cut short, with a manifest made to match it (checksums pass)
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["parts"]["database"]["file"]
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    manifest["parts"]["database"]["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (backup / "manifest.json").write_text(json.dumps(manifest))

    # when it is restored
    with pytest.raises(BackupError):
        backup_restore(directory=backup, database=empty_target, media_root=tmp_path / "media")

    # then the database load was all or nothing, and the photos were not moved in
    assert tables(empty_target) == 0
    assert not (tmp_path / "media").exists()


def test_a_backup_taken_with_other_keys_is_refused_unless_restored_without_them(
    backup, empty_target, tmp_path, settings
):
    # given keys that are not the ones the backup was taken with
    settings.CITYOPS_FIELD_KEYS = [Fernet.generate_key().decode()]

    # when it is restored, then it is refused and nothing is restored
    with pytest.raises(BackupError, match="CITYOPS_FIELD_KEYS lacks the backup's key [0-9a-f]{16}"):
        backup_restore(directory=backup, database=empty_target, media_root=tmp_path / "media")
    assert tables(empty_target) == 0

    # when the operator says to restore it anyway, it is restored
    backup_restore(directory=backup, database=empty_target, media_root=tmp_path / "media", without_keys=True)
    assert tables(empty_target) > 0


def test_a_backup_of_newer_code_is_refused(backup, empty_target, tmp_path):
    # given a backup whose database had a migration this code does not have
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["migrations"].append("core.9999_from_the_future")
    (backup / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match="made by newer code .* migration core.9999_from_the_future"):
        backup_restore(directory=backup, database=empty_target, media_root=tmp_path / "media")

    assert tables(empty_target) == 0


def test_a_backup_into_a_folder_that_holds_files_is_refused(report, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")

    with pytest.raises(BackupError, match="exists and is not an empty folder"):
        backup_create(directory=tmp_path / "used")

    assert [p.name for p in (tmp_path / "used").iterdir()] == ["something"]


def test_backup_read_accepts_what_backup_create_wrote(backup):
    assert backup_read(directory=backup)["parts"]["media"]["file"] == "media.tar"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the command line is the same on both; SQLite is faster")
def test_manage_py_restore_of_a_bad_folder_says_so_in_one_line_and_exits_non_zero(tmp_path):
    # given a production-free environment of its own (embedded mode, an empty data dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "DJANGO_", "DATABASE_URL"))}
    env.update(CITYOPS_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="cityops.settings")

    # when restore is given a folder that is no backup
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then one line says why, and the exit status is not 0
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"CommandError: {tmp_path} is not a CityOps backup: no manifest.json"]
