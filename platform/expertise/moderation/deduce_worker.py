"""Run `deduce` once in a local worker process and ask it for personal-data spans.

`deduce` needs about 1 GB of memory and seconds to load, so it must not be imported in every
web worker. One long-lived process loads it and answers over a Unix socket (mode 0600, one
JSON line per request); the web app calls `deduce_spans()`, or sends a `DeduceQuery` first and
reads it after its own checks. Either gives None when the worker is down or slower than the
timeout; the moderation service then holds the post for a moderator (it fails closed). Each
such fallback is counted by type (`fallbacks()`) and the first of an outage logged once.
`Supervisor` runs the worker and starts it again whenever it exits (run.py uses it).

Security notes:
* `deduce` caches its lookup structures as a pickle; whoever can write that file can run code
  in the worker. Build it at install time into a directory the app user cannot write
  (`python -m expertise.moderation.deduce_worker --build-cache DIR`, then make DIR read-only)
  and pass that directory as `cache_path`.
* `import deduce` calls `logging.basicConfig(level=DEBUG, stream=sys.stdout)`; we reset the
  root logger right after the import so no library's debug output (with text) reaches stdout.
* Neither the worker nor the client logs request text or spans.

Configuration: EXPERTISE_DEDUCE_SOCKET (socket path) and EXPERTISE_DEDUCE_CACHE (cache dir),
or the explicit arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import socketserver
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .pii import Span

log = logging.getLogger(__name__)

DEFAULT_SOCKET = os.path.join(tempfile.gettempdir(), f"expertise-deduce-{os.getuid()}.sock")
MAX_REQUEST_BYTES = 256 * 1024

# deduce annotators switched off for the guard's warnings: place names (cities, villages)
# identify nobody on their own (the labelling rules of the development data say the same), and
# the app warned on every "woont in Almere". Streets with house numbers, postcodes and PO boxes
# stay. The knowledge base's scrub asks with places=True: a summary read by every team
# replaces the places too ("[plaats]").
DISABLED_ANNOTATORS = frozenset({"placename"})

# deduce tag -> our span type; None drops the tag. Ages are kept as "age": the guard shows
# one only next to a name (`pii.usable_deduce_spans`).
TAG_TYPES: dict[str, str | None] = {
    "persoon": "person_name",
    "patient": "person_name",
    "locatie": "address",
    "ziekenhuis": "institution",
    "zorginstelling": "institution",
    "instelling": "institution",
    "datum": "date",
    "leeftijd": "age",
    "bsn": "bsn",
    "id": "case_number",
    "telefoonnummer": "phone",
    "emailadres": "email",
    "url": "url",
}


def socket_path() -> str:
    return os.environ.get("EXPERTISE_DEDUCE_SOCKET", DEFAULT_SOCKET)


def cache_dir() -> str | None:
    return os.environ.get("EXPERTISE_DEDUCE_CACHE")


def map_tag(tag: str) -> str | None:
    """Map a deduce tag (possibly combined, e.g. "prefix+persoon") to a span type."""
    tag = tag.lower()
    if tag in TAG_TYPES:
        return TAG_TYPES[tag]
    for key, value in TAG_TYPES.items():
        if key in tag.split("+") or tag.endswith(key):
            return value
    return None


def _import_deduce() -> Any:
    """Import deduce and undo the DEBUG-to-stdout root logger it installs at import time."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    import deduce  # noqa: PLC0415  (heavy, imported only in the worker)

    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    root.setLevel(saved_level if saved_handlers else logging.WARNING)
    return deduce


def load_deduce(cache_path: str | None = None) -> Any:
    """Return a ready `Deduce` instance using the prebuilt cache in `cache_path`."""
    deduce = _import_deduce()
    path = cache_path or cache_dir()
    if path:
        return deduce.Deduce(cache_path=Path(path))
    return deduce.Deduce()


def build_cache(directory: str | Path) -> None:
    """Build deduce's lookup-structure cache into `directory` (run once at install time)."""
    deduce = _import_deduce()
    Path(directory).mkdir(parents=True, exist_ok=True)
    deduce.Deduce(cache_path=Path(directory), build_lookup_structs=True)


def analyse(engine: Any, text: str, places: bool = False) -> list[Span]:
    """Return deduce's spans for `text` (the one call the worker and `flask privacy evaluate` make).

    Place names only with places=True (the knowledge base's scrub).
    """
    disabled = set() if places else set(DISABLED_ANNOTATORS)
    return spans_from_document(text, engine.deidentify(text, disabled=disabled))


def spans_from_document(text: str, doc: Any) -> list[Span]:
    spans = []
    for ann in doc.annotations:
        kind = map_tag(ann.tag)
        if kind is not None:
            # deduce's offsets may be numpy integers, which json cannot write: plain ints only.
            start, end = int(ann.start_char), int(ann.end_char)
            spans.append(Span(start, end, kind, text[start:end], "deduce"))
    return sorted(spans, key=lambda s: (s.start, s.end))


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        line = self.rfile.readline(MAX_REQUEST_BYTES + 1)
        try:
            request = json.loads(line)
            text, places = request["text"], request.get("places", False)
            if not isinstance(text, str) or not isinstance(places, bool):
                raise ValueError
            spans = analyse(self.server.deduce, text, places)  # type: ignore[attr-defined]
            answer = json.dumps({"spans": [[int(s.start), int(s.end), s.type] for s in spans]})
        except Exception as error:  # noqa: BLE001  (never echo the input back in an error)
            log.warning("deduce worker could not answer a request (%s)", type(error).__name__)
            answer = json.dumps({"error": "bad request"})
        self.wfile.write(answer.encode() + b"\n")


class _Server(socketserver.UnixStreamServer):
    deduce: Any


def _exit_with_parent(path: str) -> None:
    """Stop the worker when the process that started it is gone (e.g. the dev server was killed)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        if os.path.exists(path):
            os.unlink(path)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def serve(path: str | None = None, cache_path: str | None = None, *, exit_with_parent: bool = False) -> None:
    """Load deduce once and answer span requests on a Unix socket until killed."""
    path = path or socket_path()
    if exit_with_parent:
        _exit_with_parent(path)
    engine = load_deduce(cache_path)
    if os.path.exists(path):
        os.unlink(path)
    old_umask = os.umask(0o177)  # socket file readable/writable by the app user only
    try:
        server = _Server(path, _Handler)
    finally:
        os.umask(old_umask)
    server.deduce = engine
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if os.path.exists(path):
            os.unlink(path)


# Why a query got no spans, per process: "unreachable" (no worker on the socket), "timeout",
# "worker_error" (it answered an error), "bad_reply", "too_large". Types only, never text.
_fallbacks: Counter = Counter()
_state_lock = threading.Lock()
_down_since: float | None = None  # monotonic time of the first failure of the current outage
_last_answer: float | None = None


def _note_fallback(kind: str, count: bool = True) -> None:
    """Count a query that got no spans; log the first one of an outage (once, by type)."""
    global _down_since
    with _state_lock:
        if count:
            _fallbacks[kind] += 1
        first = _down_since is None
        if first:
            _down_since = time.monotonic()
    if first:
        log.error("deduce worker unavailable (%s): posts it should check are held for a moderator", kind)


def _note_answer() -> None:
    global _down_since, _last_answer
    with _state_lock:
        was_down = _down_since is not None
        _down_since = None
        _last_answer = time.monotonic()
    if was_down:
        log.warning("deduce worker answers again")


def fallbacks() -> dict[str, int]:
    """Return how many queries of this process got no spans, per reason (a copy)."""
    with _state_lock:
        return dict(_fallbacks)


def status() -> dict[str, Any]:
    """This process's view of the worker: up or down since the last query, and the fallbacks."""
    with _state_lock:
        down = _down_since is not None
        return {
            "available": not down if (down or _last_answer is not None) else None,
            "down_for_seconds": round(time.monotonic() - _down_since, 1) if down else None,
            "fallbacks": dict(_fallbacks),
        }


def probe(path: str | None = None, timeout: float = 0.5) -> bool:
    """Return True when a worker answers a small request on the socket (for health checks).

    A failed probe is no fallback (no text went unchecked) but begins an outage like one.
    """
    return DeduceQuery("Probe.", timeout, path=path, _count=False).spans() is not None


class Supervisor:
    """Run the worker as a child process and start it again whenever it exits.

    `run.py` uses it in development; in production a service manager does the same
    (README, "The deduce worker"). Waits grow from `min_wait` to `max_wait` seconds
    while the worker keeps dying soon after starting, and each exit is logged with
    its exit code only.
    """

    def __init__(self, socket: str, cache: str | None, *, min_wait: float = 1.0,
                 max_wait: float = 30.0, exit_with_parent: bool = True, **popen: Any) -> None:
        self.command = [sys.executable, "-m", "expertise.moderation.deduce_worker", "--socket", socket]
        if cache:
            self.command += ["--cache", str(cache)]
        if exit_with_parent:
            self.command.append("--exit-with-parent")
        self.min_wait, self.max_wait = min_wait, max_wait
        self.popen = popen
        self.process: Any = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> "Supervisor":
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name="deduce-supervisor", daemon=True)
        self._thread.start()
        return self

    def _spawn(self) -> None:
        import subprocess  # noqa: PLC0415

        with self._lock:
            if not self._stopping.is_set():
                self.process = subprocess.Popen(self.command, **self.popen)

    def _watch(self) -> None:
        wait = self.min_wait
        while not self._stopping.is_set():
            process = self.process
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started > 120:  # it ran a good while: start again promptly
                wait = self.min_wait
            log.error("deduce worker exited (code %s); starting it again in %g s", code, wait)
            if self._stopping.wait(wait):
                return
            wait = min(wait * 2, self.max_wait)
            self.restarts += 1
            self._spawn()

    def stop(self, timeout: float = 10) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except Exception:  # noqa: BLE001  (subprocess.TimeoutExpired)
                process.kill()
                process.wait()


class DeduceQuery:
    """A request sent to the worker; `spans()` reads its answer, so the caller can work meanwhile.

    `spans()` returns None when the worker is down, slower than the timeout or
    answers nonsense; each such fallback is counted by reason (`fallbacks()`) and the
    first of an outage logged by type. Use as a context manager, or call `spans()`,
    to close the socket.
    """

    def __init__(self, text: str, timeout: float = 0.5, *, path: str | None = None, places: bool = False,
                 _count: bool = True) -> None:
        self.text = text
        self._count = _count
        self._sock = None
        self._failed: str | None = None
        payload = json.dumps({"text": text, "places": True} if places else {"text": text}).encode() + b"\n"
        if len(payload) > MAX_REQUEST_BYTES:
            self._failed = "too_large"
            return
        sock = None
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path or socket_path())
            sock.sendall(payload)
        except OSError as error:
            if sock is not None:
                sock.close()
            self._failed = "timeout" if isinstance(error, TimeoutError) else "unreachable"
            return
        self._sock = sock

    def spans(self) -> list[Span] | None:
        if self._sock is None:
            if self._failed is not None:
                _note_fallback(self._failed, self._count)
                self._failed = None  # counted once per query
            return None
        try:
            chunks = []
            while not chunks or not chunks[-1].endswith(b"\n"):
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            reply = json.loads(b"".join(chunks))
            if isinstance(reply, dict) and "error" in reply:
                _note_fallback("worker_error", self._count)
                return None
            spans = [Span(s, e, t, self.text[s:e], "deduce") for s, e, t in reply["spans"]]
        except TimeoutError:
            _note_fallback("timeout", self._count)
            return None
        except OSError:
            _note_fallback("unreachable", self._count)
            return None
        except (ValueError, KeyError, TypeError):
            _note_fallback("bad_reply", self._count)
            return None
        finally:
            self.close()
        _note_answer()
        return spans

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> "DeduceQuery":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def deduce_spans(text: str, timeout: float = 0.5, *, path: str | None = None, places: bool = False) -> list[Span] | None:
    """Ask the worker for spans and wait; None when it is down, slow or answers nonsense.

    places=True: place names too (as "address"), for the knowledge base's scrub.
    """
    return DeduceQuery(text, timeout, path=path, places=places).spans()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expertise.moderation.deduce_worker")
    parser.add_argument("--build-cache", metavar="DIR", help="build deduce's lookup cache into DIR and exit")
    parser.add_argument("--socket", default=None, help="Unix socket path (default: $EXPERTISE_DEDUCE_SOCKET)")
    parser.add_argument("--cache", default=None, help="prebuilt cache dir (default: $EXPERTISE_DEDUCE_CACHE)")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process ends")
    args = parser.parse_args(argv)
    if args.build_cache:
        build_cache(args.build_cache)
        return 0
    serve(args.socket, args.cache, exit_with_parent=args.exit_with_parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
