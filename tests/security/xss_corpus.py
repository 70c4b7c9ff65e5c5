"""Hostile strings for the XSS tests: each would run script if it reached a page unescaped."""

PAYLOADS = [
    "<script>window.__xss=1</script>",
    "</title><script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<img src=x onerror=window.__xss=1//",
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    "<body onload=window.__xss=1>",
    "<iframe src=\"javascript:window.__xss=1\"></iframe>",
    "<a href=\"javascript:window.__xss=1\">klik</a>",
    "javascript:window.__xss=1",
    "\"><script>window.__xss=1</script>",
    "' onmouseover='window.__xss=1",
    "\" autofocus onfocus=\"window.__xss=1",
    "<details open ontoggle=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    "<scr<script>ipt>window.__xss=1</scr</script>ipt>",
    "&lt;script&gt;window.__xss=1&lt;/script&gt;",
    "&#60;script&#62;window.__xss=1&#60;/script&#62;",
    "%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    "<ScRiPt>window.__xss=1</sCrIpT>",
    "<style>@import 'javascript:window.__xss=1';</style>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__xss=1\">",
    "<base href=\"https://evil.example/\">",
    "{{ 7*7 }}{% raw %}",
    "<!--<script>-->window.__xss=1",
    "\u003cscript\u003ewindow.__xss=1\u003c/script\u003e",
]

# Elements the platform's templates never use: one in a page means a payload got through.
# (<details> is the platform's own, for the phone menu and confirmations: a payload's
# `<details open ontoggle=…>` is caught by its event handler attribute.)
FORBIDDEN_ELEMENTS = {
    "script", "img", "svg", "iframe", "math", "base", "object", "embed",
    "style", "frame", "frameset", "video", "audio", "marquee",
}
