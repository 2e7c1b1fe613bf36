"""The Debian kit in deploy/ agrees with the app: every variable the app reads is in the environment file, nginx's
body limits are the app's, photo uploads have their larger limit on exactly the URLs that take photos, and the
units start the app as it expects. (`make deploy-check` runs the kit for real; these catch drift in `make test`.)
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from apps.core.photos import MAX_PHOTO_BYTES
from apps.fieldwork.api.views import MULTIPART_SLACK
from cityops.staticstorage import PublicCompressedManifestStaticFilesStorage

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "cityops.conf").read_text()


def env_file_names() -> list[str]:
    lines = (DEPLOY / "cityops.env").read_text().splitlines()
    return [line.split("=", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


def variables_the_app_reads() -> set[str]:
    source = (ROOT / "cityops" / "settings.py").read_text()
    from_settings = set(re.findall(r'env_(?:str|bool|int|float|list|networks|choice)\(\s*"([A-Z0-9_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    table = readme.split("### Environment variables", 1)[1].split("\n## ", 1)[0]
    from_readme = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1])
    }
    return (from_settings | from_readme) - {"PORT"}  # PORT is make's, not the app's


def megabytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text().replace("\\\n", " ")
    return shlex.split(next(line for line in text.splitlines() if line.startswith("ExecStart="))[len("ExecStart=") :])


def test_the_environment_file_sets_each_variable_the_app_reads_once_and_nothing_else():
    names = env_file_names()

    assert sorted(set(names)) == sorted(names), "a variable set twice"
    assert sorted(variables_the_app_reads() - set(names)) == [], "add them to deploy/cityops.env"
    assert sorted(set(names) - variables_the_app_reads()) == [], "the app does not read these"


def test_the_environment_file_trusts_exactly_the_proxy_nginx_connects_from():
    env = dict(line.split("=", 1) for line in (DEPLOY / "cityops.env").read_text().splitlines() if line[:1].isupper())
    upstream = re.search(r"upstream cityops \{\s*server ([0-9.]+):(\d+);", NGINX)

    assert env["CITYOPS_TRUSTED_PROXIES"] == f"{upstream[1]}/32"
    assert env["SECURE_PROXY_SSL_HEADER"] == "1"
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    # set, not appended: nothing a client writes into the header reaches the app
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX
    assert "$proxy_add_x_forwarded_for;" not in NGINX.replace("use `$proxy_add_x_forwarded_for`", "")


def test_the_web_unit_serves_the_asgi_app_where_nginx_sends_it_and_leaves_addresses_to_the_app():
    command = exec_start("cityops-web.service")
    upstream = re.search(r"upstream cityops \{\s*server ([0-9.]+):(\d+);", NGINX)

    assert command[1] == settings.ASGI_APPLICATION.replace(".application", ":application")
    assert command[command.index("--host") + 1 : command.index("--host") + 4] == [upstream[1], "--port", upstream[2]]
    assert "--no-proxy-headers" in command
    assert command[command.index("--ws") + 1] == "websockets-sansio"
    assert command[command.index("--ws-per-message-deflate") + 1] == "false"  # no compressor per idle socket (RT-4)


def test_nginx_takes_what_the_app_takes_and_photos_only_where_photos_go():
    default = re.search(r"^    client_max_body_size (\w+);", NGINX, re.M)[1]
    photo_locations = re.findall(r"location (=|~) \"?([^\s\"]+)\"? \{[^}]*client_max_body_size (\w+);", NGINX)
    photo_url = reverse(
        "fieldwork-api:visit-photo", kwargs={"uuid": "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10", "index": 3}
    )

    # the app answers its own 413 (JSON under /api/) for bodies just over its limit
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < megabytes(default) < MAX_PHOTO_BYTES
    assert {size for _kind, _path, size in photo_locations} == {"21m"}
    assert megabytes("21m") >= MAX_PHOTO_BYTES + MULTIPART_SLACK + 256 * 1024  # the report form's other fields
    exact = {path for kind, path, _size in photo_locations if kind == "="}
    patterns = [path for kind, path, _size in photo_locations if kind == "~"]
    assert exact == {reverse("grievances:report"), reverse("grievances:hotline")}
    assert [p for p in patterns if re.search(p, photo_url)] == patterns == [patterns[0]]


def test_nginx_serves_static_files_from_the_static_root_and_no_media():
    assert re.search(r"location /static/ \{\s*alias /var/www/cityops/static/;", NGINX)
    env = (DEPLOY / "cityops.env").read_text()
    assert "CITYOPS_STATIC_ROOT=/var/www/cityops/static\n" in env
    assert re.search(r"location /media/ \{\s*return 404;", NGINX)
    assert settings.STATIC_URL == "/static/"


def test_compressed_static_copies_are_public_whatever_the_umask(tmp_path):
    # given the production storage and a umask as strict as the units' (UMask=0077)
    storage = PublicCompressedManifestStaticFilesStorage(
        location=tmp_path, base_url="/static/", file_permissions_mode=0o644, directory_permissions_mode=0o755
    )
    (tmp_path / "site.css").write_text("body { color: #123456; }\n" * 200)
    old = os.umask(0o077)
    try:
        # when WhiteNoise compresses the file
        compressed = list(storage.compress_files(["site.css"]))
    finally:
        os.umask(old)

    # then its compressed copies are readable by nginx, like the file itself
    assert ("site.css", "site.css.gz") in compressed
    assert {name: oct((tmp_path / name).stat().st_mode & 0o777) for _n, name in compressed} == {
        name: "0o644" for _n, name in compressed
    }
