"""Time all checks on a 2,000-character post: the marketing decision (rules, learned model,
watched words), the personal-data rules, and deduce through its worker.

Run: PYTHONPATH=platform python benchmarks/moderation_scan.py [--socket PATH] [--model FILE]

The model is the base model `make install` builds (.venv/marketing-model.json, or --model /
EXPERTISE_MARKETING_MODEL); without it one is trained from the development set first.

With a running worker (`python -m expertise.moderation.deduce_worker --socket PATH --cache DIR`,
or EXPERTISE_DEDUCE_SOCKET) it prints a second line for all checks together, deduce included.
"""

import argparse
import os
import statistics
import time
from datetime import date
from pathlib import Path

from expertise.moderation import learned
from expertise.moderation.decision import decide_marketing
from expertise.moderation.deduce_worker import DeduceQuery, deduce_spans
from expertise.moderation.pii import KnownIdentity, PlatformNames, find_bsn, find_warnings, match_known_identity

PARAGRAPH = (
    "Ik begeleid sinds januari het gezin van Fatma Arslan (moeder, 34) op de Kanaalweg 12, 3526 KM Utrecht. "
    "Haar zoon Kerem (9) zit in groep 6 van OBS De Linde en voetbalt bij VV Hercules. Op 14-06 was er een "
    "incident; vader belde vanaf 06-12345678 en mailde via k.arslan@gmail.com. Dossier BT-2023-04417. "
    "Wat adviseren jullie? Bel gerust Veilig Thuis via 0800-2000 of kijk op thuisarts.nl voor uitleg. "
)
POST = (PARAGRAPH * 6)[:2000]
IDENTITY = KnownIdentity(name="Kerem van der Arslan", date_of_birth=date(2015, 6, 14), file_number="BT-2023-04417")
ROOT = Path(__file__).resolve().parents[1]
WATCHED = [("gratis proefles", "hold"), ("plekken vrij", "hold"), ("Zonnebloemroute", "allow")]
MODEL = None
# The names of 2,000 active users, as `platform_names()` holds them per process.
PLATFORM = PlatformNames.of(f"Eva Deskundige{i}" for i in range(2000))


def marketing(text: str) -> None:
    decide_marketing(text, author_org_names=("De Vuurtoren",), model=MODEL, watched=WATCHED, explain=True)


def scan(text: str, deduce=None) -> None:
    """All checks of a post: marketing, BSN, the known identity, and the warnings (rules + deduce's spans)."""
    marketing(text)
    find_bsn(text)
    find_warnings(text, deduce, platform=PLATFORM)
    match_known_identity(text, IDENTITY)


def measure(check, runs):
    for _ in range(50):
        check(POST)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        check(POST)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[int(0.95 * len(times)) - 1]
    return f"chars={len(POST)} runs={runs} p50={statistics.median(times):.2f}ms p95={p95:.2f}ms max={times[-1]:.2f}ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--socket", default=os.environ.get("EXPERTISE_DEDUCE_SOCKET"))
    parser.add_argument("--model", default=os.environ.get("EXPERTISE_MARKETING_MODEL")
                        or str(ROOT / ".venv" / "marketing-model.json"))
    args = parser.parse_args()
    global MODEL
    model = learned.active_model(None, args.model, ROOT / "data" / "dev" / "marketing_dev.jsonl")
    print("rule checks:       ", measure(scan, args.runs))  # MODEL None: rules and watched words only
    print("model alone:       ", measure(lambda text: model.explain(text), args.runs))
    MODEL = model
    print("rules + model:     ", measure(scan, args.runs))
    if not args.socket or deduce_spans("probe", 5, path=args.socket) is None:
        print("all checks:         deduce worker not reachable (pass --socket PATH)")
        return

    def scan_all(text):
        query = DeduceQuery(text, 1.0, path=args.socket)  # the worker reads while the rules run, as in the app
        marketing(text)
        find_bsn(text)
        match_known_identity(text, IDENTITY)
        spans = query.spans()
        if spans is None:
            raise SystemExit("the worker stopped answering")
        find_warnings(text, spans, platform=PLATFORM)

    print("deduce (worker):   ", measure(lambda text: deduce_spans(text, 1.0, path=args.socket), args.runs))
    print("all checks:        ", measure(scan_all, args.runs))


if __name__ == "__main__":
    main()
