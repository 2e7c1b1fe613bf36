"""The machinery of `make deploy-check` (deploy/check.py): what it starts and removes again, the kit's files
rendered for this machine, operator commands through deploy/cityops-manage, and clients that nginx tells apart by
their own loopback address.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import io
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPSConnection
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = ROOT / ".venv" / "bin"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_HOST, REDIS_PORT, REDIS_LAYER_DB, REDIS_BROKER_DB = "127.0.0.1", 6379, 13, 14
PASSWORD = "deploy-check-" + secrets.token_hex(8)  # the demo accounts' (CITYOPS_DEMO_PASSWORD)


class Failed(Exception):
    """A check that did not hold; the message says what was seen."""


class OutOfTime(BaseException):
    """HARD_LIMIT reached, or the run was told to stop (SIGTERM, SIGINT)."""


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tool(name: str) -> str:
    """A program of this machine by its full path."""
    path = shutil.which(name)
    if path is None:
        raise Failed(f"{name} is not installed on this machine")
    return path


def execute(args: list[str], *, timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of this check's own commands (a fixed program, never a shell); its output captured as text."""
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


# --- What the run started, and taking it all down again -------------------------------------------------------


class Resources:
    """Processes, databases and files of this run; `release` stops and removes all of them."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cityops-deploy-check-"))
        self.dir.chmod(0o755)  # nginx's workers (www-data) read the static files below it
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.databases: list[str] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        # its own session: stopping it stops its children too (uvicorn's workers, Celery's pool)
        process = subprocess.Popen(  # noqa: S603  (the kit's own command lines)
            args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.dir / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(f"    {name}: {line}" for line in text.splitlines()[-lines:])

    def create_database(self, name: str) -> str:
        pg_admin(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"

    def release(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for name in self.databases:
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis_flush()
        shutil.rmtree(self.dir, ignore_errors=True)


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **PG) as admin:
        admin.execute(sql)


def redis_flush() -> None:
    import redis

    for db in (REDIS_LAYER_DB, REDIS_BROKER_DB):
        with contextlib.suppress(Exception):
            redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=5).flushdb()


# --- The kit's files, rendered for this machine ---------------------------------------------------------------


def replace_once(text: str, old: str, new: str, *, where: str) -> str:
    """Each substitution must hit exactly once: a kit file that changed shape fails the check, not silently."""
    if text.count(old) != 1:
        raise Failed(f"{where} should contain {old!r} exactly once (found {text.count(old)})")
    return text.replace(old, new)


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile and deploy/cityops-manage read them."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";")):
            name, _sep, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


def render_env(res: Resources, *, name: str, database_url: str, data_dir: Path, site: Site) -> Path:
    """deploy/cityops.env with this run's secrets, services and folders; every other value as shipped."""
    text = (DEPLOY / "cityops.env").read_text()
    values = {
        "SECRET_KEY": site.secret_key,
        "CITYOPS_FIELD_KEYS": site.field_key,
        "DATABASE_URL": database_url,
        "CITYOPS_DEMO_PASSWORD": PASSWORD,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": site.origin,
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_LAYER_DB}",
        "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_BROKER_DB}",
        "CITYOPS_DATA_DIR": str(data_dir),
        "CITYOPS_STATIC_ROOT": str(site.static_root),
        "CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS": "5",
        "LOG_LEVEL": "WARNING",
    }
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key}=.*$", f"{key}={value}", text)
        if count != 1:
            raise Failed(f"deploy/cityops.env should set {key} exactly once (found {count})")
    path = res.dir / f"{name}.env"
    path.write_text(text)
    path.chmod(0o600)
    return path


def unit_command(unit: str, replacements: dict[str, str]) -> list[str]:
    """The ExecStart= of a unit in deploy/systemd/, continuation lines joined, with paths for this machine."""
    text = (DEPLOY / "systemd" / unit).read_text().replace("\\\n", " ")
    line = next((x for x in text.splitlines() if x.startswith("ExecStart=")), None)
    if line is None:
        raise Failed(f"deploy/systemd/{unit} has no ExecStart=")
    command = line.removeprefix("ExecStart=")
    for old, new in replacements.items():
        command = replace_once(command, old, new, where=f"ExecStart of deploy/systemd/{unit}")
    return shlex.split(command)


def process_env(env_file: Path) -> dict[str, str]:
    """What a unit's process gets: its EnvironmentFile, and no variable of this shell."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(ROOT), **read_env_file(env_file)}


def render_nginx(res: Resources, site: Site) -> Path:
    where = "deploy/nginx/cityops.conf"
    text = (DEPLOY / "nginx" / "cityops.conf").read_text()
    for old, new in {
        "listen 80;": f"listen 127.0.0.1:{site.http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{site.https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/ssl/cityops/fullchain.pem": str(res.dir / "tls.crt"),
        "/etc/ssl/cityops/privkey.pem": str(res.dir / "tls.key"),
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{site.web_port};",
        "alias /var/www/cityops/static/;": f"alias {site.static_root}/;",
        "/var/log/nginx/cityops.access.log": str(res.dir / "nginx-access.log"),
        "/var/log/nginx/cityops.error.log": str(res.dir / "nginx-error.log"),
    }.items():
        text = replace_once(text, old, new, where=where)
    (res.dir / "cityops.conf").write_text(text)
    prefix = res.dir / "nginx"
    prefix.mkdir()
    user = "user www-data;" if os.geteuid() == 0 else ""  # as on Debian; unprivileged, nginx stays the caller
    main = f"""{user}
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {res.dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {res.dir}/cityops.conf;
}}
"""
    (res.dir / "nginx.conf").write_text(main)
    return res.dir / "nginx.conf"


def make_certificate(res: Resources) -> None:
    """A self-signed certificate for 127.0.0.1, valid for a day; the clients trust exactly it."""
    subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(res.dir / "tls.key"), "-out", str(res.dir / "tls.crt")]
    done = execute(
        [tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *subject, *files], timeout=60
    )
    if done.returncode != 0:
        raise Failed(f"openssl: {done.stderr.strip()}")


def manage(env_file: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """manage.py through deploy/cityops-manage, as an operator runs it on a server."""
    env = {
        **os.environ,
        "CITYOPS_ENV_FILE": str(env_file),
        "CITYOPS_HOME": str(ROOT),
        "CITYOPS_ACCOUNT": getpass.getuser(),
    }
    return execute([str(DEPLOY / "cityops-manage"), *args], env=env, timeout=timeout)


def manage_ok(env_file: Path, *args: str, timeout: float = 180) -> str:
    done = manage(env_file, *args, timeout=timeout)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        raise Failed(f"cityops-manage {' '.join(args[:2])} exited {done.returncode}: {' | '.join(last)}")
    return done.stdout


def shell_json(env_file: Path, code: str) -> Any:
    """Run Python in `manage.py shell` of that installation; its last line of output, read as JSON."""
    return json.loads(manage_ok(env_file, "shell", "-c", code).strip().splitlines()[-1])


# --- Clients ----------------------------------------------------------------------------------------------------


@dataclass
class Site:
    """The installation under test, as clients reach it through nginx."""

    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))
    field_key: str = ""
    static_root: Path = Path()
    tls: ssl.SSLContext | None = None

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """One machine in front of nginx: its own source address and cookies, and maybe a forged X-Forwarded-For."""

    def __init__(self, site: Site, source: str, *, forged_for: str | None = None) -> None:
        self.site, self.source, self.forged_for = site, source, forged_for
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str | None] | None = None,
        plain_http: bool = False,
    ) -> Response:
        if plain_http:
            conn: HTTPConnection = HTTPConnection(
                "127.0.0.1", self.site.http_port, timeout=30, source_address=(self.source, 0)
            )
        else:
            conn = HTTPSConnection(
                "127.0.0.1", self.site.https_port, timeout=30, context=self.site.tls, source_address=(self.source, 0)
            )
        sent: dict[str, str | None] = {
            "Accept-Language": "en",
            "Origin": self.site.origin,
            "Referer": self.site.origin + path,
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forged_for:
            sent["X-Forwarded-For"] = self.forged_for
        sent.update(headers or {})  # None removes a header
        try:
            conn.request(method, path, body=body, headers={k: v for k, v in sent.items() if v is not None})
            raw = conn.getresponse()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
            for value in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        finally:
            conn.close()
        return response

    def form(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None) -> Response:
        """GET the page for its CSRF token, then POST the form (multipart when it carries files)."""
        page = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if match is None:
            raise Failed(f"GET {path}: {page.status}, no form with a CSRF token")
        fields = {"csrfmiddlewaretoken": match[1], **fields}
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers={"Content-Type": content_type})

    def api(self, method: str, path: str, body: bytes, content_type: str) -> Response:
        headers = {"Content-Type": content_type, "X-CSRFToken": self.cookies.get("csrftoken", "")}
        return self.request(method, path, body=body, headers=headers)

    def sign_in(self, username: str, password: str) -> Response:
        self.cookies.pop("sessionid", None)
        return self.form("/accounts/login/", {"username": username, "password": password})

    def signed_in(self, response: Response) -> bool:
        return response.status == 302 and "sessionid" in self.cookies


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "cityops" + secrets.token_hex(12)
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def photo(megabytes: float) -> bytes:
    """A 4:3 JPEG of about that size: noise does not compress (about one byte a pixel at quality 92)."""
    from PIL import Image

    height = int((megabytes * 1024 * 1024 * 3 / 4) ** 0.5)
    width = height * 4 // 3
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="JPEG", quality=92)
    return out.getvalue()


class WallScreen:
    """A command wall on its own thread: opens /ws/live/ through nginx, subscribes to its city, keeps every message."""

    def __init__(self, site: Site, cookie: str, code: str) -> None:
        self.site, self.cookie, self.code = site, cookie, code
        self.messages: list[tuple[float, dict]] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def first(self, kind: str, *, after: float = 0.0, having: str = "") -> dict | None:
        return next(
            (m for t, m in list(self.messages) if t > after and m.get("type") == kind and having in json.dumps(m)), None
        )

    async def _run(self) -> None:
        import websockets

        try:
            async with websockets.connect(
                f"wss://127.0.0.1:{self.site.https_port}/ws/live/",
                ssl=self.site.tls,
                open_timeout=15,
                additional_headers={"Cookie": self.cookie, "Origin": self.site.origin},
            ) as socket_:
                await socket_.send(json.dumps({"type": "subscribe", "stream": "wall", "params": {"code": self.code}}))
                while not self._stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        text = await asyncio.wait_for(socket_.recv(), timeout=0.5)
                        self.messages.append((time.monotonic(), json.loads(text)))
        except Exception as exc:  # noqa: BLE001  (reported by the check that waits for it)
            self.error = exc
