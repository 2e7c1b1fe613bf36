"""The CityOps server for ING-1/ING-2, as its own process: migrate, seed the demo city, make a token,
serve with uvicorn, print "READY <port> <token>". The database comes from the environment (DATABASE_URL
for PostgreSQL, else a fresh SQLite data dir)."""

from __future__ import annotations

import io
import os
import socket
import tempfile

os.environ["CITYOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="cityops-ing-")
os.environ["CITYOPS_EMBEDDED_SCHEDULER"] = "0"
os.environ["CITYOPS_SIMULATE"] = "0"
os.environ["DJANGO_SETTINGS_MODULE"] = "cityops.settings"


def main() -> None:
    import django

    django.setup()
    import uvicorn
    from django.core.management import call_command

    from apps.ingest.services import ingest_token_create

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    token, _record = ingest_token_create(source_code="traffic-police-loops", name="bench")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    print(f"READY {port} {token}", flush=True)
    uvicorn.run("cityops.asgi:application", host="127.0.0.1", port=port, lifespan="off", log_level="error")


if __name__ == "__main__":
    main()
