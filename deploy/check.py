"""`make deploy-check`: the Debian kit in deploy/ tested end to end on this machine.

What runs, each from the kit's own files:
- Debian's nginx as a private instance (its own prefix and main config) serving deploy/nginx/cityops.conf, rendered
  for free ports and a throw-away TLS certificate;
- uvicorn with 2 workers, a Celery worker and beat, started with the command lines of deploy/systemd/*.service
  and the environment of deploy/cityops.env (secrets and addresses filled in, nothing else changed but the
  per-address lockout threshold, lowered to 5 so that five failures lock a client);
- a new PostgreSQL database on 127.0.0.1:5432 and Redis databases 13 (channel layer, cache) and 14 (broker);
- operator commands (migrate, seed_demo, backup, restore, verify_audit_log) through deploy/cityops-manage.

Clients are told apart by nginx as machines on a network would be: on loopback a socket may be bound to any
127/8 address, so each emulated client connects from its own (127.0.0.2, .3, …) and nginx sees it as $remote_addr.

One line per check (PASS / FAIL), exit status 1 on any failure. Bounded: every wait has a limit and the whole run
stops after HARD_LIMIT seconds. Whatever happens it stops the processes it started, drops its databases, flushes
its two Redis databases and removes its files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import signal
import ssl
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (  # deploy/harness.py, beside this script
    BIN,
    DEPLOY,
    PASSWORD,
    PG,
    REDIS_HOST,
    REDIS_PORT,
    ROOT,
    Client,
    Failed,
    OutOfTime,
    Resources,
    Response,
    Site,
    WallScreen,
    execute,
    make_certificate,
    manage,
    manage_ok,
    multipart,
    pg_admin,
    photo,
    process_env,
    redis_flush,
    render_env,
    render_nginx,
    say,
    shell_json,
    tool,
    unit_command,
    wait_until,
)

HARD_LIMIT = 240  # seconds for the whole run; `make deploy-check` adds its own timeout around it
LOCKED = "Too many failed sign-in attempts"


# --- The run ------------------------------------------------------------------------------------------------


@dataclass
class Run:
    res: Resources
    site: Site
    env_file: Path = Path()
    data_dir: Path = Path()
    facts: dict[str, Any] = field(default_factory=dict)
    results: list[tuple[str, str, str]] = field(default_factory=list)

    def close(self) -> None:
        """Stop the wall screen, then everything the run started."""
        if self.facts.get("screen") is not None:
            self.facts["screen"].stop()
        self.res.release()

    def check(self, title: str, body: Callable[[], str]) -> bool:
        started = time.monotonic()
        try:
            detail = body()
        except Failed as exc:
            self.results.append(("FAIL", title, str(exc)))
            say(f"FAIL  {title}: {exc}")
            return False
        except Exception as exc:  # noqa: BLE001  (any surprise is this check's failure, with its cause)
            self.results.append(("FAIL", title, f"{type(exc).__name__}: {exc}"))
            say(f"FAIL  {title}: {type(exc).__name__}: {exc}")
            return False
        self.results.append(("PASS", title, detail))
        say(f"PASS  {title}{': ' + detail if detail else ''} ({time.monotonic() - started:.1f} s)")
        return True


FIXTURES = """
import json
from shapely.geometry import shape
from django.contrib.auth import get_user_model
from apps.grievances.models import Category
from apps.regions.models import Region
from apps.traffic.models import TrafficSensor
officer = get_user_model().objects.get(username="officer.donghu")
area = officer.staff_profile.regions.order_by("depth").first()
point = shape(area.geometry).representative_point()
category = next(c for c in Category.objects.filter(active=True).order_by("order", "code")
                if not c.attributes.filter(required=True).exists())
sensors = list(TrafficSensor.objects.filter(source__code="traffic-police-loops").values_list("code", flat=True))
print(json.dumps({"city": Region.objects.get(level="city").code, "category": category.code,
                  "point": [point.x, point.y], "sensors": sensors}))
"""

# What must come back from a backup: the report, the visit (their personal data decrypted with the keys, their
# photos by SHA-256) and the audit chain's head.
FACTS = """
import hashlib, json
from apps.core.models import AuditHead, AuditLog
from apps.fieldwork.models import Visit
from apps.grievances.models import Grievance
def sha(f):
    with f.open("rb") as h:
        return hashlib.sha256(h.read()).hexdigest()
g = Grievance.objects.get(tracking_code=%(code)r)
v = Visit.objects.get(uuid=%(visit)r)
head = AuditHead.objects.filter(pk=1).first()
print(json.dumps({
    "report": [g.tracking_code, g.description, g.reporter_phone, [sha(p.image) for p in g.photos.all()]],
    "visit": [str(v.uuid), v.people_contact, v.notes, [sha(p.image) for p in v.photos.all() if p.image]],
    "head": [head.seq, head.hash] if head else None,
    "chain": {e.seq: e.hash for e in AuditLog.objects.filter(seq__isnull=False).only("seq", "hash")},
}))
"""

LOCKOUT_ROWS = """
import json
from django.utils import timezone
from django.utils.crypto import salted_hmac
from apps.accounts.models import LoginThrottle
def row(address):
    key = salted_hmac("cityops.lockout.address", address, algorithm="sha256").hexdigest()
    found = LoginThrottle.objects.filter(kind="address", key=key).first()
    return None if found is None else {"failures": found.failures,
                                       "locked": bool(found.locked_until and found.locked_until > timezone.now())}
print(json.dumps({address: row(address) for address in %(addresses)r}))
"""


SETUP = "set up: database, migrate, seed_demo, collectstatic, then nginx, uvicorn ×2, Celery worker and beat"


def setup(run: Run) -> str:
    """A new database and Redis, the kit rendered, migrate / seed / collectstatic, then the four processes."""
    res, site = run.res, run.site
    from cryptography.fernet import Fernet

    site.field_key = Fernet.generate_key().decode()
    site.static_root = res.dir / "static"
    run.data_dir = res.dir / "data"
    redis_flush()
    database_url = res.create_database(f"cityops_deploycheck_{int(time.time())}_{os.getpid()}")
    run.env_file = render_env(res, name="cityops", database_url=database_url, data_dir=run.data_dir, site=site)
    make_certificate(res)
    site.tls = ssl.create_default_context(cafile=str(res.dir / "tls.crt"))
    manage_ok(run.env_file, "migrate", "--noinput")
    manage_ok(run.env_file, "seed_demo")
    manage_ok(run.env_file, "collectstatic", "--noinput", "--verbosity", "0")
    run.facts.update(shell_json(run.env_file, FIXTURES))
    run.facts["token"] = manage_ok(run.env_file, "create_ingest_token", "traffic-police-loops", "--name", "check")
    run.facts["token"] = run.facts["token"].strip().splitlines()[-1]
    start_processes(run)
    return f"{database_url.rsplit('/', 1)[1]}, demo city {run.facts['city']}; /healthz through nginx answers 200"


def start_processes(run: Run) -> None:
    res, site = run.res, run.site
    env = process_env(run.env_file)
    venv = "/opt/cityops/.venv/bin/"
    res.start(
        "web",
        unit_command(
            "cityops-web.service",
            {
                venv + "uvicorn": str(BIN / "uvicorn"),
                "--port 8000": f"--port {site.web_port}",
                "--workers 4": "--workers 2",
            },
        ),
        env,
    )
    res.start(
        "worker",
        unit_command(
            "cityops-worker.service", {venv + "celery": str(BIN / "celery"), "--concurrency 4": "--concurrency 2"}
        ),
        env,
    )
    res.start(
        "beat",
        unit_command(
            "cityops-beat.service", {venv + "celery": str(BIN / "celery"), "/var/lib/cityops": str(run.data_dir)}
        ),
        env,
    )
    conf = render_nginx(res, site)
    nginx = [tool("nginx"), "-p", str(res.dir / "nginx"), "-c", str(conf), "-e", str(res.dir / "nginx-error.log")]
    tested = execute([*nginx, "-t", "-q"], timeout=30)
    if tested.returncode != 0:
        raise Failed(f"nginx -t refuses the rendered site: {(tested.stderr or tested.stdout).strip()}")
    res.start("nginx", nginx)
    client = Client(site, "127.0.0.1")

    def answers() -> bool:
        for name in ("web", "worker", "beat", "nginx"):
            if res.processes[name].poll() is not None:
                raise Failed(f"{name} exited with {res.processes[name].returncode}:\n{res.log_tail(name)}")
        with contextlib.suppress(OSError):
            return client.request("GET", "/healthz").status == 200
        return False

    wait_until(answers, timeout=60, what="/healthz through nginx answering 200 (database, Redis, broker up)")


# --- The checks ---------------------------------------------------------------------------------------------


def check_units(run: Run) -> str:
    rendered = run.res.dir / "units"
    rendered.mkdir()
    names = sorted(p.name for p in (DEPLOY / "systemd").iterdir())
    for name in names:
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/cityops/.venv", str(ROOT / ".venv"))
        (rendered / name).write_text(text.replace("/opt/cityops", str(ROOT)))
    done = execute([tool("systemd-analyze"), "verify", "--man=no", *(str(rendered / n) for n in names)], timeout=60)
    problems = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    if done.returncode != 0 or problems:
        raise Failed(" | ".join(problems[:3]) or f"exit {done.returncode}")
    return f"{len(names)} units"


def check_deploy_settings(run: Run) -> str:
    manage_ok(run.env_file, "check", "--deploy", "--fail-level", "WARNING")
    return "manage.py check --deploy --fail-level WARNING with deploy/cityops.env"


def check_https_redirect(run: Run) -> str:
    response = Client(run.site, "127.0.0.2").request("GET", "/accounts/login/", plain_http=True)
    location = response.headers.get("location", "")
    if response.status != 301 or not location.startswith("https://127.0.0.1"):
        raise Failed(f"plain HTTP answered {response.status} {location!r}")
    return f"http:// → 301 {location}"


def check_static(run: Run) -> str:
    client = Client(run.site, "127.0.0.2")
    page = client.request("GET", "/accounts/login/")
    match = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text)
    if match is None:
        raise Failed("the sign-in page links no hashed stylesheet")
    css = client.request("GET", match[1], headers={"Accept-Encoding": "gzip"})
    cache = css.headers.get("cache-control", "")
    if css.status != 200 or "immutable" not in cache or css.headers.get("content-encoding") != "gzip":
        raise Failed(f"{match[1]}: {css.status}, Cache-Control {cache!r}, {css.headers.get('content-encoding')}")
    # A file put into CITYOPS_STATIC_ROOT after the app started: the app (WhiteNoise) does not know it, nginx does.
    marker = secrets.token_hex(8)
    (run.site.static_root / f"deploy-check-{marker}.txt").write_text(marker)
    (run.site.static_root / f"deploy-check-{marker}.txt").chmod(0o644)
    late = client.request("GET", f"/static/deploy-check-{marker}.txt")
    if late.status != 200 or late.text != marker:
        raise Failed(f"a file added to CITYOPS_STATIC_ROOT answered {late.status}: nginx is not serving it")
    return f"{match[1]} gzip, immutable; a file added after the app started is served too"


def check_sign_in(run: Run) -> str:
    client = Client(run.site, "127.0.0.3")
    response = client.sign_in("command", PASSWORD)
    if not client.signed_in(response):
        raise Failed(f"POST /accounts/login/ answered {response.status}, cookies {sorted(client.cookies)}")
    home = client.request("GET", "/")
    if home.status != 200:
        raise Failed(f"signed in, but / answered {home.status}")
    run.facts["command"] = client
    return "demo user 'command' (command center) through the login form, CSRF and Origin checked over HTTPS"


def check_wall_open(run: Run) -> str:
    client: Client = run.facts["command"]
    screen = WallScreen(run.site, f"sessionid={client.cookies['sessionid']}", run.facts["city"])
    run.facts["screen"] = screen
    screen.start()
    wait_until(lambda: screen.first("snapshot") or screen.error, timeout=20, what="the wall's snapshot")
    if screen.error is not None:
        raise Failed(f"websocket: {type(screen.error).__name__}: {screen.error}")
    return f"wss://…/ws/live/ subscribed to wall {run.facts['city']}, snapshot received"


def ingest_batch(run: Run, *, client: Client, at: datetime) -> Response:
    rows = [
        {"sensor": code, "observed_at": at.isoformat(), "speed_kmh": 8.0 + i % 5, "volume": 40, "occupancy": 85}
        for i, code in enumerate(run.facts["sensors"])
    ]
    return client.request(
        "POST",
        "/api/v1/traffic/readings",
        body=json.dumps(rows).encode(),
        headers={
            "Authorization": f"Bearer {run.facts['token']}",
            "Content-Type": "application/json",
            "Origin": None,
            "Referer": None,
        },
    )


def check_ingest(run: Run) -> str:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    run.facts["ingested_at"] = time.monotonic()
    response = ingest_batch(run, client=Client(run.site, "127.0.0.6"), at=at)
    n = len(run.facts["sensors"])
    if response.status not in (200, 201) or response.json().get("accepted") != n:
        raise Failed(f"POST /api/v1/traffic/readings answered {response.status} {response.text[:200]}")
    return f"{n} loop readings accepted ({response.text.strip()})"


def check_wall_delta(run: Run) -> str:
    screen: WallScreen = run.facts["screen"]
    since = run.facts["ingested_at"]
    delta = wait_until(
        lambda: screen.first("delta", after=since, having="traffic") or screen.error,
        timeout=60,
        what="a wall delta with the traffic indicators",
        step=0.1,
    )
    if isinstance(delta, BaseException):
        raise Failed(f"websocket: {type(delta).__name__}: {delta}")
    arrived = next(t for t, m in screen.messages if m is delta)
    return (
        f"delta seq {delta.get('seq')} {arrived - since:.1f} s after the batch (beat's tick → worker → Redis → uvicorn)"
    )


def check_body_limits(run: Run) -> str:
    client = Client(run.site, "127.0.0.6")
    headers: dict[str, str | None] = {
        "Authorization": f"Bearer {run.facts['token']}",
        "Content-Type": "application/json",
        "Origin": None,
        "Referer": None,
    }
    app_limit = client.request(
        "POST", "/api/v1/traffic/readings", body=b"[" + b" " * (2_700_000) + b"]", headers=headers
    )
    if app_limit.status != 413 or "limit_bytes" not in app_limit.text:
        raise Failed(f"2.7 MB batch: {app_limit.status} {app_limit.text[:120]!r} (expected the app's JSON 413)")
    proxy_limit = client.request("POST", "/api/v1/traffic/readings", body=b" " * 4_000_000, headers=headers)
    if proxy_limit.status != 413 or "nginx" not in proxy_limit.text:
        raise Failed(f"4 MB body: {proxy_limit.status} (expected nginx's 413)")
    return "2.7 MB batch → the app's JSON 413 (limit_bytes); 4 MB → nginx's 413 before the app"


def check_report(run: Run) -> str:
    client = Client(run.site, "127.0.0.7")
    image = photo(4.5)
    lon, lat = run.facts["point"]
    fields = {
        "category": run.facts["category"],
        "description": "deploy-check: 路灯不亮 " + secrets.token_hex(4),
        "lon": f"{lon:.6f}",
        "lat": f"{lat:.6f}",
        "address": "",
        "name": "张三",
        "phone": "13912345678",
        "email": "",
        "website": "",
    }
    response = client.form("/grievances/", fields, {"photo": ("street.jpg", image)})
    match = re.search(r"/grievances/t/([^/]+)/", response.headers.get("location", ""))
    if response.status != 302 or match is None:
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
        raise Failed(f"the portal answered {response.status} {errors[:2]}")
    run.facts["report"] = match[1]
    return f"report {match[1]} with a {len(image) / 1024 / 1024:.1f} MB photo through the 21m upload location"


def check_media(run: Run) -> str:
    files = [p for p in (run.data_dir / "media").rglob("*") if p.is_file()]
    if not files:
        raise Failed(f"no uploaded file under {run.data_dir / 'media'}")
    path = "/media/" + files[0].relative_to(run.data_dir / "media").as_posix()
    response = Client(run.site, "127.0.0.7").request("GET", path)
    if response.status != 404:
        raise Failed(f"GET {path} answered {response.status}")
    return f"GET {path} (an uploaded photo's file) → 404"


def check_visit(run: Run) -> str:
    client = Client(run.site, "127.0.0.5")
    if not client.signed_in(client.sign_in("officer.donghu", PASSWORD)):
        raise Failed("officer.donghu could not sign in")
    image = photo(0.5)
    visit_id = str(uuid.uuid4())
    lon, lat = run.facts["point"]
    now = datetime.now(UTC).replace(microsecond=0)
    visit = {
        "uuid": visit_id,
        "started_at": (now - timedelta(minutes=20)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "sent_at": now.isoformat(),
        "checkin": {"lon": lon, "lat": lat, "accuracy": 8},
        "people": [{"kind": "residents", "count": 2}],
        "people_contact": "王五 13800138000",
        "notes": "deploy-check visit",
        "photos": [{"index": 0, "name": "site.jpg", "sha256": hashlib.sha256(image).hexdigest()}],
    }
    recorded = client.api("POST", "/api/v1/fieldwork/visits", json.dumps(visit).encode(), "application/json")
    if recorded.status != 201:
        raise Failed(f"POST /api/v1/fieldwork/visits answered {recorded.status} {recorded.text[:200]}")
    body, content_type = multipart({}, {"file": ("site.jpg", image)})
    uploaded = client.api("PUT", f"/api/v1/fieldwork/visits/{visit_id}/photos/0", body, content_type)
    if uploaded.status != 201:
        raise Failed(f"PUT …/photos/0 answered {uploaded.status} {uploaded.text[:200]}")
    run.facts["visit"] = visit_id
    return f"visit {visit_id[:8]}… with a contact (encrypted) and a photo, as officer.donghu"


def failed_sign_ins(client: Client, *, count: int, prefix: str, forged: Callable[[int], str] | None = None) -> None:
    for i in range(count):
        if forged is not None:
            client.forged_for = forged(i)
        response = client.sign_in(f"{prefix}-{i}", "not-the-password-" + secrets.token_hex(4))
        if response.status != 200 or client.signed_in(response):
            raise Failed(f"failed sign-in {i + 1} answered {response.status}")


def check_lockout(run: Run) -> str:
    attacker, colleague = Client(run.site, "127.0.0.2"), Client(run.site, "127.0.0.3")
    # Five wrong passwords, each for another username: only the client's address can lock, not a username.
    failed_sign_ins(attacker, count=5, prefix="nobody")
    sixth = attacker.sign_in("command", PASSWORD)
    if attacker.signed_in(sixth) or LOCKED not in sixth.text:
        raise Failed(f"the 6th attempt (right password) from 127.0.0.2 was not refused as locked ({sixth.status})")
    other = colleague.sign_in("command", PASSWORD)
    if not colleague.signed_in(other):
        raise Failed(f"127.0.0.3 could not sign in (status {other.status}): the lock hit nginx, not the client")
    rows = shell_json(run.env_file, LOCKOUT_ROWS % {"addresses": ["127.0.0.2", "127.0.0.3", "127.0.0.1"]})
    if not (rows["127.0.0.2"] or {}).get("locked") or rows["127.0.0.1"] is not None:
        raise Failed(f"lockout rows by address: {rows}")
    return (
        "5 failures from 127.0.0.2 lock it (the 6th, with the right password, refused); 127.0.0.3 signs in; "
        "nginx's own 127.0.0.1 never counted"
    )


def check_forged_header(run: Run) -> str:
    forger = Client(run.site, "127.0.0.4")
    forged = [f"203.0.113.{10 + i}" for i in range(5)]
    # Each attempt claims another address (and one claims the colleague's): the app must see 127.0.0.4 every time.
    failed_sign_ins(forger, count=5, prefix="forger", forged=lambda i: forged[i])
    forger.forged_for = "127.0.0.3, 198.51.100.7"
    sixth = forger.sign_in("command", PASSWORD)
    if forger.signed_in(sixth) or LOCKED not in sixth.text:
        raise Failed("a client rotating X-Forwarded-For escaped the lock of its own address")
    addresses = ["127.0.0.4", *forged, "198.51.100.7"]
    rows = shell_json(run.env_file, LOCKOUT_ROWS % {"addresses": addresses})
    claimed = [a for a in addresses[1:] if rows[a] is not None]
    if not (rows["127.0.0.4"] or {}).get("locked") or claimed:
        raise Failed(f"the app counted forged addresses {claimed} / real one {rows['127.0.0.4']}")
    return (
        "5 failures, each with another forged X-Forwarded-For, count against 127.0.0.4 and lock it; no forged "
        "address is recorded"
    )


def check_backup(run: Run) -> str:
    backup = run.res.dir / "backups" / "first"
    out = manage_ok(run.env_file, "backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    if (
        manifest["keys"]["included"] is not False
        or "NOT" not in out
        or run.site.field_key in (backup / "manifest.json").read_text()
    ):
        raise Failed("the backup does not say that it holds no keys, or holds one")
    run.facts["backup"] = backup
    return (
        f"{manifest['parts']['database']['file']} {manifest['parts']['database']['bytes'] // 1024} KB, "
        f"{manifest['media_files']} media files, manifest; the keys not in it (fingerprint "
        f"{manifest['keys']['fingerprints'][0]})"
    )


def check_restore(run: Run) -> str:
    url = run.res.create_database(f"cityops_deploycheck_restored_{int(time.time())}_{os.getpid()}")
    env_file = render_env(
        run.res, name="restored", database_url=url, data_dir=run.res.dir / "restored-data", site=run.site
    )
    manage_ok(env_file, "restore", str(run.facts["backup"]))
    run.facts["restored_env"] = env_file
    facts = FACTS % {"code": run.facts["report"], "visit": run.facts["visit"]}
    restored = shell_json(env_file, facts)
    original = shell_json(run.env_file, facts)  # read after the backup: its chain covers the backup's
    for part in ("report", "visit"):
        if restored[part] != original[part]:
            raise Failed(f"the restored {part} differs: {restored[part]} != {original[part]}")
    seq, digest = restored["head"]
    if original["chain"].get(str(seq)) != digest:
        raise Failed(f"the restored chain's head {seq} {digest[:12]} is not the original's entry {seq}")
    verified = manage_ok(env_file, "verify_audit_log").strip()
    return (
        f"report {run.facts['report']} and visit (contact decrypted, photos by SHA-256) found; chain head "
        f"seq {seq} = the original's; verify_audit_log: {verified}"
    )


def check_restore_refuses(run: Run) -> str:
    done = manage(run.facts["restored_env"], "restore", str(run.facts["backup"]))
    lines = done.stderr.strip().splitlines()
    if done.returncode == 0 or len(lines) != 1 or "not empty" not in lines[0]:
        raise Failed(f"restore into the filled database: exit {done.returncode}, {lines}")
    return f"exit {done.returncode}: {lines[0]}"


def check_processes(run: Run) -> str:
    gone = [name for name, process in run.res.processes.items() if process.poll() is not None]
    if gone:
        raise Failed(f"exited during the run: {gone}\n" + "\n".join(run.res.log_tail(name) for name in gone))
    children = execute([tool("pgrep"), "-a", "-P", str(run.res.processes["web"].pid)], timeout=10).stdout.splitlines()
    count = sum("spawn_main" in line for line in children)  # not multiprocessing's resource tracker
    if count != 2:
        raise Failed(f"uvicorn runs {count} worker processes, not 2")
    return "nginx, uvicorn (2 workers), Celery worker and beat all ran throughout"


CHECKS: list[tuple[str, Callable[[Run], str], bool]] = [
    # (title, check, later checks need it)
    ("systemd units pass systemd-analyze verify", check_units, False),
    ("deploy/cityops.env passes Django's deployment checks", check_deploy_settings, False),
    ("plain HTTP redirects to HTTPS", check_https_redirect, False),
    ("static files are served by nginx from CITYOPS_STATIC_ROOT", check_static, False),
    ("sign in through nginx", check_sign_in, True),
    ("the wall's websocket opens through nginx", check_wall_open, True),
    ("an ingest batch through nginx", check_ingest, True),
    ("the wall receives a delta from it", check_wall_delta, False),
    ("request size limits match the app's", check_body_limits, False),
    ("a citizen's report with a photo through nginx", check_report, True),
    ("/media/ is not served", check_media, False),
    ("a field visit with its photo through nginx", check_visit, True),
    ("5 failed sign-ins lock the client behind nginx, not the proxy", check_lockout, False),
    ("a client's own X-Forwarded-For cannot choose its address", check_forged_header, False),
    ("backup (pg_dump, media, manifest) through cityops-manage", check_backup, True),
    ("restore into a fresh database: same report, visit and audit chain", check_restore, True),
    ("restore refuses a database that is not empty, in one line", check_restore_refuses, False),
    ("every process lived through the run", check_processes, False),
]


def preflight() -> None:
    missing = [
        name
        for name in ("nginx", "openssl", "pg_dump", "pg_restore", "systemd-analyze", "pgrep")
        if not _installed(name)
    ]
    if missing:
        packages = "nginx openssl postgresql-client systemd procps"
        raise Failed(f"missing on this machine: {', '.join(missing)} (apt-get install {packages})")
    if not (BIN / "uvicorn").exists():
        raise Failed(f"no {BIN / 'uvicorn'}: run `make .venv/.installed` first")
    try:
        pg_admin("SELECT 1")
    except Exception as exc:  # noqa: BLE001
        raise Failed(f"PostgreSQL on {PG['host']}:{PG['port']} as {PG['user']}: {exc}") from None
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=5).ping()
    except Exception as exc:  # noqa: BLE001
        raise Failed(f"Redis on {REDIS_HOST}:{REDIS_PORT}: {exc}") from None


def _installed(name: str) -> bool:
    try:
        tool(name)
    except Failed:
        return False
    return True


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        raise OutOfTime(f"out of time: {seconds} s" if signum == signal.SIGALRM else f"stopped by {name}")

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT)}
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_all(run: Run) -> None:
    """Set up, then every check in order; after a failed check that later ones need, those are not run."""
    blocked = ""
    for title, body, needed in [(SETUP, setup, True), *CHECKS]:
        if blocked:
            run.results.append(("FAIL", title, f"not run: needs '{blocked}'"))
            say(f"FAIL  {title}: not run (needs '{blocked}')")
        elif not run.check(title, lambda body=body: body(run)) and needed:
            blocked = title
            say("\n".join(run.res.log_tail(name) for name in run.res.processes))


def main() -> int:
    started = time.monotonic()
    say(f"deploy-check: the kit in {DEPLOY.relative_to(ROOT)}/ on this machine (limit {HARD_LIMIT} s)")
    run: Run | None = None
    problem = ""
    try:
        with time_limit(HARD_LIMIT):
            preflight()
            run = Run(res=Resources(), site=Site())
            run_all(run)
    except (Failed, OutOfTime) as exc:
        problem = str(exc)
        say(f"FAIL  {problem}")
    finally:
        if run is not None:
            run.close()
    results = run.results if run is not None else []
    passed = sum(status == "PASS" for status, _title, _detail in results)
    failed = len(results) - passed + bool(problem)
    say(f"deploy-check: {passed} passed, {failed} failed in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
