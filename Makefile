# CityOps: the entry point for humans and CI. `make run` and `make test` do everything on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export CITYOPS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-services test-clock deploy-check lint fmt bench soak worker beat messages clean help

help:
	@echo "make run            the app with demo data on http://127.0.0.1:$(PORT) (embedded: SQLite, no services)"
	@echo "make test           ruff, mypy, migrations check and the whole test suite"
	@echo "make test-services  the suite against PostgreSQL, Redis and RabbitMQ on this machine"
	@echo "make test-clock     the time-sensitive tests at 00:00:30, 00:45 and 23:59:30 local (faketime)"
	@echo "make deploy-check   the Debian kit in deploy/ end to end: nginx, uvicorn x2, Celery on PostgreSQL and Redis"
	@echo "make bench          benchmarks (ratios against a reference measured in the same run)"
	@echo "make soak           the kiosk wall open for an hour on the live demo city: memory and DOM steady"
	@echo "make worker / beat  Celery worker / beat for production mode (needs CELERY_BROKER_URL)"

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CityOps needs Python >= 3.11; set PYTHON=python3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py serve --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest

# The same suite against the real services of this machine; .ci/run calls it with a fresh database name.
TEST_DB ?= cityops_test_$(shell date +%s)
test-services: $(VENV)/.installed
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$(TEST_DB)} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/1} \
	CELERY_RESULT_BACKEND=$${CELERY_RESULT_BACKEND:-redis://127.0.0.1:6379/2} \
	CITYOPS_TEST_AMQP_URL=$${CITYOPS_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672//} \
	$(PY) -m pytest --create-db


# The time-sensitive folders at three instants of today in the city's zone: the process's wall clock (faketime)
# and the suite's clock (tests/clock.py) both start there. Tests marked own_clock rely on another process's clock.
# The three runs go side by side (each has its own data dir and test database); a failed run's whole log is shown.
CITY_TZ ?= Asia/Shanghai
CLOCK_INSTANTS ?= 00:00:30 00:45:00 23:59:30
CLOCK_FOLDERS ?= tests/accounts tests/core tests/dashboards tests/deadlines tests/environment tests/fieldwork \
	tests/governance tests/grievances tests/healthcare tests/indicators tests/ingest tests/notifications tests/opendata \
	tests/sensorthings tests/traffic tests/warnings
test-clock: $(VENV)/.installed
	@command -v faketime >/dev/null || { echo "make test-clock needs faketime: apt-get install faketime" >&2; exit 1; }
	@day=$$(TZ=$(CITY_TZ) date +%F); logs=$$(mktemp -d); for t in $(CLOCK_INSTANTS); do \
	  instant=$$(TZ=$(CITY_TZ) date -d "$$day $$t" --iso-8601=seconds); echo "== make test-clock at $$instant"; \
	  ( TZ=$(CITY_TZ) CITYOPS_TEST_NOW=$$instant faketime -m -f "@$$day $$t" \
	      $(PY) -m pytest -q -p no:cacheprovider -m "not own_clock" $(CLOCK_FOLDERS) >$$logs/$$t.log 2>&1; \
	    echo $$? >$$logs/$$t.rc ) & \
	done; wait; failed=0; for t in $(CLOCK_INSTANTS); do \
	  echo "== make test-clock at $$day $$t: $$(tail -n 1 $$logs/$$t.log)"; \
	  if [ "$$(cat $$logs/$$t.rc)" != 0 ]; then failed=1; cat $$logs/$$t.log; fi; \
	done; rm -rf $$logs; exit $$failed

# The production kit in deploy/ end to end on this machine (deploy/check.py): Debian's nginx as a private instance in
# front of uvicorn with 2 workers, a Celery worker and beat, on a new PostgreSQL database (127.0.0.1:5432, dropped
# afterwards) and Redis databases 13 and 14 (flushed); one line per check. About a minute; stopped after 5.
deploy-check: $(VENV)/.installed
	timeout --kill-after=15 300 $(PY) deploy/check.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed
	$(PY) -m bench

# The kiosk wall open in Chromium on the live demo city (its own data dir and server) for SOAK_MINUTES: JS heap after
# GC and DOM nodes at the end within 10 % of those at 5 minutes (tests/browser/test_wall_soak.py). Not in .ci/run.
SOAK_MINUTES ?= 60
soak: $(VENV)/.installed
	CITYOPS_SOAK_MINUTES=$(SOAK_MINUTES) $(PY) -m pytest -q -s -p no:cacheprovider tests/browser/test_wall_soak.py

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A cityops worker --loglevel INFO

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A cityops beat --loglevel INFO --schedule $(CITYOPS_DATA_DIR)/celerybeat-schedule

messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
