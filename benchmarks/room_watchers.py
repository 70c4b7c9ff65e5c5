"""N Socket.IO watchers of one question room, in their own process (gevent), for the fan-out benchmark.

`question_room_fanout.py` starts this script; it is not meant to be run by hand.
With gevent's monkey patching the python-socketio clients run as greenlets in
one thread, so 200 watchers cost one process a few milliseconds per event
instead of 600 OS threads fighting over one GIL next to the server under test.

Protocol (lines on stdin / stdout):
  argv: base_url question_id clients  (the Cookie header comes on the first stdin line)
  out:  "ready" once every client is connected and joined
  out:  "all <post_id>" when every client has received `post_published` for that post
  in:   "dump"  ->  out: one JSON line {"received": {post_id: [receipt times (time.time())]},
                                       "cpu_seconds": CPU used since "ready"}, then exit
"""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from gevent.socket import wait_read  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import websocket._abnf  # noqa: E402

from tests.support.realtime import Listener  # noqa: E402


def _validate_utf8(data):
    """UTF-8 check of a text frame in C (bytes.decode) instead of websocket-client's pure-Python DFA.

    Without wsaccel, websocket-client validates every frame byte by byte in
    Python: about 0.4 ms for a 3 KB post fragment, so 200 watchers in one
    process needed over 100 ms of CPU per post, more than the server's fan-out.
    The check stays; only its speed changes.
    """
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


websocket._abnf.validate_utf8 = _validate_utf8


def _read_line():
    wait_read(sys.stdin.fileno())  # without blocking the greenlets of the clients
    return sys.stdin.readline().strip()


def main():
    base_url, question_id, clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cookie = _read_line()
    received = defaultdict(list)

    def on_event(event, *args):
        if event == "post_published":
            at = time.time()
            times = received[args[0]["post_id"]]
            times.append(at)
            if len(times) == clients:
                print(f"all {args[0]['post_id']}", flush=True)

    def connect(_i):
        listener = Listener().connect(base_url, cookie, transports=["websocket"])
        assert listener.client.call("join", {"kind": "question", "id": question_id}, timeout=10)["ok"]
        listener.client.handlers["/"]["*"] = on_event
        return listener

    listeners = list(Pool(16).imap_unordered(connect, range(clients)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    setup_cpu = usage.ru_utime + usage.ru_stime
    print("ready", flush=True)
    while _read_line() not in ("dump", ""):  # "" is end of input
        pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"received": received, "cpu_seconds": usage.ru_utime + usage.ru_stime - setup_cpu}), flush=True)
    gevent.joinall([gevent.spawn(listener.close) for listener in listeners], timeout=30)


if __name__ == "__main__":
    main()
