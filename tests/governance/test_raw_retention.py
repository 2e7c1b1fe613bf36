"""The stewards' page shows the raw readings' retention next to personal data's: the period, each raw table (its
monthly partitions on PostgreSQL) and the last run with what it dropped, in both languages."""

import pytest
from django.db import connection

from apps.ingest.lifecycle import raw_retention_run
from tests.ingest.conftest import history, network  # noqa: F401  (fixtures: old traffic readings, their sensors)

RAW_TABLES = [
    "traffic_trafficreading",
    "environment_airreading",
    "environment_noisereading",
    "healthcare_capacitysnapshot",
]

TEXTS = {
    "en": {
        "period": "Raw readings (traffic, air, noise, healthcare snapshots) are kept 400 days;",
        "postgresql": "Each table has one partition per month (UTC). A month is dropped whole",
        "sqlite": "Plain tables (SQLite): readings older than the retention period are deleted every night",
        "last": "Last run 2026-12-02 10:00, cut-off 2025-10-28 10:00:",
        "dropped postgresql": "traffic readings: months 2025-09 dropped, about 1 row",
        "dropped sqlite": "traffic readings: 2 rows deleted",
        "nothing": "air readings: nothing was due",
    },
    "zh-hans": {
        "period": "原始监测数据（交通、空气、噪声、医疗运行快照）保存 400 天；",
        "postgresql": "每张表每月（UTC）一个分区。",
        "sqlite": "普通表（SQLite）：早于保存期的数据每晚删除",
        "last": "最近一次运行 2026-12-02 10:00，截止时间 2025-10-28 10:00：",
        "dropped postgresql": "交通监测数据：删除了 2025-09 的分区，约 1 行",
        "dropped sqlite": "交通监测数据：删除了 2 行",
        "nothing": "空气监测数据：没有到期的数据",
    },
}


@pytest.mark.clock("2026-10-01T10:00:00+08:00", tick=False)
@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_stewards_page_shows_the_raw_retention_the_tables_and_the_last_run(client, cast, language):
    # given a retention run at 2026-12-02 10:00 local that dropped (PostgreSQL) or deleted (SQLite) old readings
    raw_retention_run()
    client.force_login(cast["steward"])

    # when a steward opens the governance page
    page = client.get("/governance/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    # then
    texts, backend = TEXTS[language], connection.vendor
    assert texts["period"] in page
    assert texts[backend] in page
    assert texts["last"] in page
    assert texts[f"dropped {backend}"] in page
    assert texts["nothing"] in page
    assert all(f'data-table="{table}"' in page for table in RAW_TABLES)
    if backend == "postgresql":
        assert 'data-partition="traffic_trafficreading_p202510"' in page
        assert 'data-partition="traffic_trafficreading_p202509"' not in page


def test_before_any_run_the_page_says_so(client, cast):
    client.force_login(cast["steward"])

    page = client.get("/governance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "The raw readings' retention has not run yet." in page
