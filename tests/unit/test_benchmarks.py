"""Every benchmark still starts: a refactor that moves what a benchmark imports must
move the benchmark too (its `--help` runs after every import of its module)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = sorted(p.parent.name for p in (ROOT / "bench").glob("*/__main__.py"))


def test_there_are_benchmarks():
    assert {"api", "feeds", "mail", "matching", "messaging", "pipeline", "reach", "roster"} <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_starts(name):
    result = subprocess.run([sys.executable, "-m", f"bench.{name}", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout


def test_the_reach_benchmark_runs_quick():
    """bench.reach needs no broker: its smoke run measures for real, on a small roster."""
    result = subprocess.run([sys.executable, "-m", "bench.reach", "--quick"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "answers that differ: 0" in result.stdout
    for figure in ("box prefilter + ranking", "every eligible leader + ranking", "words", "topic"):
        assert figure in result.stdout


def test_pipeline_quick_run_delivers_every_mail_once():
    """bench/pipeline end to end in its smallest form (RabbitMQ and the services as
    processes): every RSVP answered and mailed once, through the system and the floor."""
    result = subprocess.run([sys.executable, "-m", "bench.pipeline", "--quick"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "System / floor, mails/s end to end" in result.stdout
    assert len(re.findall(r"errors 0, retried \d+, duplicate mails 0", result.stdout)) == 2, result.stdout
