"""Run every benchmark and print one line per figure (`make bench`). Results also go to bench/results/."""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import authenticity, city, faults, geo_lookup, ingest, ingest_history, queries, rt_fanout, sta
from bench.harness import django_with_demo_city

BENCHMARKS = [geo_lookup, queries, rt_fanout, ingest, ingest_history, authenticity, faults, city, sta]


def main() -> int:
    django_with_demo_city()
    results = [result for module in BENCHMARKS for result in module.run()]
    print(f"CityOps benchmarks — {platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print("ratios: higher is better unless the target says <=")
    for result in results:
        print(result.line())
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    payload = {
        "when": datetime.now(UTC).isoformat(),
        "results": [{**r.__dict__} for r in results],
    }
    (out / "latest.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
