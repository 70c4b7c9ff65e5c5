"""The benchmark scripts still run: tiny sizes, nothing about speed asserted (README has the figures).

The fan-out benchmark in its `gevent-redis` shape is also the suite's run of
DESIGN.md's production shape: two gunicorn gevent-websocket workers sharing
events through Redis, with watchers in separate gevent processes. Two-factor
login once broke the benchmarks unnoticed; this keeps them honest. The thread
page benchmark runs with 200 questions and 1 s of wrk per page (Debian's wrk).
"""
import shutil
import subprocess
import sys
from pathlib import Path

from .support.servers import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


def test_question_room_fanout_runs_in_the_production_shape_and_loses_nothing():
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server not found (Debian package redis-server); the production shape needs it")
    run = subprocess.run(
        [sys.executable, "benchmarks/question_room_fanout.py", "--shape", "gevent-redis", "--clients", "6",
         "--posts", "3", "--no-deduce", "--watcher-processes", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    figures = run.stdout.strip().splitlines()[-1].split()
    clients, posts, lost = int(figures[0]), int(figures[1]), int(figures[7])
    assert (clients, posts, lost) == (6, 3, 0), run.stdout


def test_thread_page_benchmark_runs_its_pages_without_errors():
    if not shutil.which("wrk"):
        skip_or_fail("wrk not found (Debian package wrk); the thread page benchmark needs it")
    run = subprocess.run(
        [sys.executable, "benchmarks/thread_page.py", "--questions", "200", "--duration", "1", "--workers", "1",
         "--threads", "2", "--connections", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    rows = {}
    for line in run.stdout.splitlines():
        for page in ("bare Flask page", "thread page, 30 posts (owner)", "thread page, 30 posts (expert)",
                     "question list", "smallest logged-in page"):
            if line.startswith(page) and len(line[44:].split()) == 6:  # the table, not the verdicts
                rows[page] = line[44:].split()
    assert len(rows) == 5, run.stdout
    for page, (rps, _p50, _p95, _p99, errors, _cpu) in rows.items():
        assert float(rps) > 0 and int(errors) == 0, (page, run.stdout)
    assert "in-process, one request at a time" in run.stdout


def test_concurrent_posting_on_sqlite_loses_nothing_doubles_nothing_and_fails_nothing():
    """8 sessions post at once in `make run`'s shape (run.py) and the production shape (gunicorn, 2 gevent workers)."""
    run = subprocess.run(
        [sys.executable, "benchmarks/concurrent_posting.py", "--database", "sqlite", "--shape", "threading", "gevent",
         "--sessions", "8", "--posts", "8"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    results = {line.split()[1]: [int(n) for n in line.split()[2:8]]
               for line in run.stdout.splitlines() if line.startswith("RESULT ")}
    assert set(results) == {"threading", "gevent"}, run.stdout
    for shape, (attempts, acknowledged, http500, errors, stored, duplicates) in results.items():
        assert (attempts, http500, errors, duplicates) == (64, 0, 0, 0), (shape, run.stdout)
        assert acknowledged == stored == attempts, (shape, run.stdout)
def test_insights_benchmark_runs_on_a_small_database():
    run = subprocess.run(
        [sys.executable, "benchmarks/insights.py", "--questions", "300", "--posts", "900", "--database", "sqlite",
         "--runs", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "sqlite: " in run.stdout and " questions, 9" in run.stdout
    rows = [line for line in run.stdout.splitlines()
            if line.startswith(("this month", "last month", "quarter", "year", "last 365 days"))]
    assert len(rows) == 11, run.stdout  # eight timings of the figures and three of the page
    assert all(float(line.split()[-1]) >= 0 for line in rows)
