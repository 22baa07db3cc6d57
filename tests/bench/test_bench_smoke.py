"""The benchmark still runs (tiny sizes). Figures come from `make bench`, never from timed assertions here."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_bench_smoke_run_prints_the_table():
    result = subprocess.run([sys.executable, "bench/run.py", "--smoke"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    for heading in ("core throughput", "cold start", "end to end", "memory", "targets"):
        assert heading in result.stdout
