"""Measure Socket.IO fan-out: delay from an action to receipt in N clients of one room.

Starts the platform in its own process on a free loopback port (the real app
plus the test-only hooks of `tests/support/realtime_app.py`, demo world,
SQLite), logs in once over HTTP and connects N python-socketio clients with
that session, so all N sit in the same room (`user:<id>`; the question rooms
come with the questions area). Then it triggers M notifications one after
another, each with an HTTP POST that commits and emits after the commit, and
measures, per client, the time from sending the POST to receiving the event.
Prints p50/p95/max and the number of events lost (not received within 5 s).

Run: .venv/bin/python benchmarks/socket_fanout.py [--clients 50 200] [--events 50]
Loopback only; N is capped at 500.
"""
import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.support.realtime import DEMO_EMAILS, Listener, cookie_header, login_over_http  # noqa: E402
from tests.support.servers import AppServer  # noqa: E402

REALTIME_APP = ROOT / "tests" / "support" / "realtime_app.py"
MAX_CLIENTS = 500


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def run(server, clients, events, timeout=5.0):
    """Connect `clients` sockets, trigger `events` notifications, return (delays in ms, lost)."""
    http = login_over_http(server.url, DEMO_EMAILS["anna"])
    cookie = cookie_header(http)
    with ThreadPoolExecutor(max_workers=16) as pool:
        listeners = list(pool.map(
            lambda _i: Listener().connect(server.url, cookie, transports=["websocket"]),
            range(clients),
        ))
    arrived = threading.Condition()
    counts = {}

    def counting(listener):
        original = listener._record

        def record(event, *args):
            original(event, *args)
            if event == "notification":
                with arrived:
                    key = args[0]["notification_id"]
                    counts[key] = counts.get(key, 0) + 1
                    arrived.notify_all()

        listener.client.handlers["/"]["*"] = record

    for listener in listeners:
        counting(listener)
    notify = requests.Session()
    delays, lost, firsts, posts = [], 0, [], []
    try:
        time.sleep(0.5)
        for n in range(events):
            sent = time.time()
            response = notify.post(
                server.url + "/_test/notify",
                json={"email": DEMO_EMAILS["anna"], "kind": "new_advice", "question_id": n % 3 + 1},
                timeout=10,
            )
            posts.append((time.time() - sent) * 1000)
            key = response.json()["id"]
            deadline = time.monotonic() + timeout
            with arrived:
                while counts.get(key, 0) < clients and time.monotonic() < deadline:
                    arrived.wait(deadline - time.monotonic())
            times = []
            for listener in listeners:
                at = next((t for name, p, t in listener.events
                           if name == "notification" and p["notification_id"] == key), None)
                if at is None:
                    lost += 1
                else:
                    delays.append((at - sent) * 1000)
                    times.append((at - sent) * 1000)
            if times:
                firsts.append(min(times))
    finally:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda listener: listener.close(), listeners))
    return delays, lost, firsts, posts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ep-fanout-") as workdir:
        server = AppServer(
            workdir, env={"RATELIMIT_ENABLED": "false"}, script=REALTIME_APP
        ).start()
        try:
            print(f"{'clients':>7} {'events':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'lost':>5}"
                  f" {'first p50':>9} {'POST p50':>8}")
            for clients in args.clients:
                clients = min(clients, MAX_CLIENTS)
                delays, lost, firsts, posts = run(server, clients, args.events)
                print(
                    f"{clients:>7} {args.events:>6} {statistics.median(delays):>7.1f} "
                    f"{percentile(delays, 95):>7.1f} {max(delays):>7.1f} {lost:>5}"
                    f" {statistics.median(firsts):>9.1f} {statistics.median(posts):>8.1f}"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
