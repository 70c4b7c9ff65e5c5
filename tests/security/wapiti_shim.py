"""Run Debian's wapiti 3.0.4 with `-x` working on Python 3.11 and no request leaving loopback.

wapiti 3.0.4 compiles each `-x` pattern as `<regex>\\Z(?ms)`; since Python
3.11 a global flag after the start of a pattern is an error, so any `-x`
crashes the scan. This shim, run with the interpreter wapiti is installed
for (/usr/bin/python3), replaces that one function with a correct
translation (`*` is the only wildcard) and then starts wapiti unchanged.

It also holds wapiti to loopback: 3.0.4 instantiates every attack module,
selected or not, and the `wapp` module then tries to download its
fingerprint database from the web. Every request wapiti's crawler would
send to another host is refused here (as an OSError, which wapiti reports
and survives), so the scan can only ever reach 127.0.0.1.

And it says how a scan ended: wapiti 3.0.4 swallows a SystemExit and ends
with exit code 0, so an exception out of the crawl or the attacks is printed
here (with its traceback) before wapiti sees it, and the last line says that
wapiti returned.


    /usr/bin/python3 tests/security/wapiti_shim.py [wapiti arguments]
"""
import functools
import re
import sys
import traceback
from urllib.parse import urlsplit

ALLOWED_HOSTS = {"127.0.0.1"}


def wildcard_translate(pattern):
    """Translate a wapiti exclusion pattern (`*` = anything) to a compiled regex."""
    return re.compile(
        "(?ms)" + "".join(".*" if char == "*" else re.escape(char) for char in pattern) + r"\Z"
    )


def _loopback_only(method):
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        for resource in (*args, *kwargs.values()):
            if hasattr(resource, "url"):
                host = urlsplit(resource.url).hostname
                if host not in ALLOWED_HOSTS:
                    print(f"[shim] refused a request to {host}: scans stay on loopback")
                    raise OSError(f"request to {host} refused: scans stay on loopback")
        return method(self, *args, **kwargs)

    return guarded


def _reported(name, method):
    @functools.wraps(method)
    def reporting(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except BaseException as exception:
            print(f"[shim] {name} ended with {type(exception).__name__}: {exception}", flush=True)
            traceback.print_exc(file=sys.stdout)
            sys.stdout.flush()
            raise

    return reporting


def main():
    import wapitiCore.net.crawler as crawler
    from wapitiCore.main.wapiti import Wapiti, wapiti_main

    crawler.wildcard_translate = wildcard_translate
    for name in ("get", "post", "request"):
        setattr(crawler.Crawler, name, _loopback_only(getattr(crawler.Crawler, name)))
    for name in ("browse", "attack"):
        setattr(Wapiti, name, _reported(f"wapiti's {name}", getattr(Wapiti, name)))
    sys.argv[0] = "wapiti"
    try:
        return wapiti_main()
    finally:
        print("[shim] wapiti returned", flush=True)


if __name__ == "__main__":
    sys.exit(main())
