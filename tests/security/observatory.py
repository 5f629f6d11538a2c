"""The MDN HTTP Observatory's scoring, computed from one page's response headers.

A transcription of mdn/mdn-http-observatory (src/scanner/index.js, src/grader/charts.js and
src/analyzer/tests/*.js): every site starts at 100, penalties are subtracted, and bonuses count
only if the score without them is at least 90. Tests that need the network (the HSTS preload
list, certificate checks) are taken as "not preloaded" and "valid", which can only lower the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
SIX_MONTHS = 15_552_000
DANGEROUSLY_BROAD = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")


@dataclass
class Score:
    modifiers: dict[str, tuple[str, int]] = field(default_factory=dict)

    def add(self, test: str, result: str, modifier: int) -> None:
        self.modifiers[test] = (result, modifier)

    @property
    def total(self) -> int:
        penalties = sum(m for _, m in self.modifiers.values() if m < 0)
        uncurved = 100 + penalties
        if uncurved < MINIMUM_SCORE_FOR_EXTRA_CREDIT:
            return max(uncurved, 0)
        return 100 + sum(m for _, m in self.modifiers.values())


def parse_csp(header: str) -> dict[str, set[str]]:
    policy: dict[str, set[str]] = {}
    for part in header.split(";"):
        tokens = part.strip().split()
        if not tokens:
            continue
        directive = tokens[0].lower()
        if directive in policy:
            continue  # the first occurrence wins, as in browsers
        policy[directive] = {t.lower() if t.startswith("'") else t for t in tokens[1:]}
    if not policy:
        raise ValueError("empty policy")
    return policy


def csp_test(headers, secure: bool) -> tuple[str, int]:
    raw = headers.get("Content-Security-Policy")
    if not raw:
        return "csp-not-implemented", -25
    try:
        csp = parse_csp(raw)
    except ValueError:
        return "csp-header-invalid", -25
    star = {"*"}
    object_src = set(csp.get("object-src") or csp.get("default-src") or star)
    script_src = set(csp.get("script-src") or csp.get("default-src") or star)
    style_src = set(csp.get("style-src") or csp.get("default-src") or star)
    for sources in (script_src, style_src):
        if any(s.startswith(NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if not any(s.startswith(NONCES_HASHES) for s in script_src):
            return "csp-header-invalid", -25
        script_src = {
            s
            for s in script_src
            if not any(s.startswith(b) for b in DANGEROUSLY_BROAD)
            and s not in {"'self'", "'unsafe-inline'"}
        }
    active = [
        s for d, v in csp.items() if d not in {"img-src", "media-src", "script-src"} for s in v
    ]
    active += list(script_src)
    passive = [s for d in ("img-src", "media-src") for s in csp.get(d, csp.get("default-src", ()))]
    insecure = ("http:", "ftp:")
    if script_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE) or object_src & DANGEROUSLY_BROAD:
        return "csp-implemented-with-unsafe-inline", -20
    if secure and any(s.startswith(insecure) for s in active):
        return "csp-implemented-with-insecure-scheme", -20
    if "'unsafe-eval'" in script_src | style_src:
        return "csp-implemented-with-unsafe-eval", -10
    if secure and any(s.startswith(insecure) for s in passive):
        return "csp-implemented-with-insecure-scheme-in-passive-content-only", -10
    if style_src & (DANGEROUSLY_BROAD | UNSAFE_INLINE):
        return "csp-implemented-with-unsafe-inline-in-style-src-only", 0
    if csp.get("default-src") == {"'none'"}:
        return "csp-implemented-with-no-unsafe-default-src-none", 10
    return "csp-implemented-with-no-unsafe", 5


def hsts_test(headers, secure: bool) -> tuple[str, int]:
    if not secure:
        return "hsts-not-implemented-no-https", -20
    raw = headers.get("Strict-Transport-Security")
    if not raw:
        return "hsts-not-implemented", -20
    if "," in raw:
        return "hsts-header-invalid", -20
    max_age = None
    for parameter in (p.strip().lower() for p in raw.split(";")):
        if parameter.startswith("max-age="):
            try:
                max_age = int(parameter[8:128])
            except ValueError:
                return "hsts-header-invalid", -20
    if max_age is None:
        return "hsts-header-invalid", -20
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months", -10
    return "hsts-implemented-max-age-at-least-six-months", 0


def cookies_test(cookies, hsts_pass: bool) -> tuple[str, int]:
    """`cookies`: the SimpleCookie of the Set-Cookie headers of the response."""
    if not cookies:
        return "cookies-not-found", 0
    # Worst result first, as in the Observatory's "goodness" ordering.
    ranking = [
        ("cookies-session-without-secure-flag", -40),
        ("cookies-session-without-httponly-flag", -30),
        ("cookies-anticsrf-without-samesite-flag", -20),
        ("cookies-samesite-flag-invalid", -20),
        ("cookies-session-without-secure-flag-but-protected-by-hsts", -10),
        ("cookies-without-secure-flag", -20),
        ("cookies-without-secure-flag-but-protected-by-hsts", -5),
    ]
    found = set()
    missing_samesite = False
    for name, morsel in cookies.items():
        session = "login" in name.lower() or "sess" in name.lower()
        anticsrf = "csrf" in name.lower()
        secure, samesite = bool(morsel["secure"]), morsel["samesite"]
        if samesite and samesite.lower() not in {"lax", "strict", "none"}:
            found.add("cookies-samesite-flag-invalid")
        if not secure and samesite.lower() == "none":
            found.add("cookies-samesite-flag-invalid")
        if not secure:
            found.add(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts_pass
                else "cookies-without-secure-flag"
            )
        if anticsrf and not samesite:
            found.add("cookies-anticsrf-without-samesite-flag")
        if session and not secure:
            found.add(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts_pass
                else "cookies-session-without-secure-flag"
            )
        if session and not morsel["httponly"]:
            found.add("cookies-session-without-httponly-flag")
        missing_samesite |= not samesite
    for result, modifier in ranking:
        if result in found:
            return result, modifier
    if missing_samesite:
        return "cookies-secure-with-httponly-sessions", 0
    return "cookies-secure-with-httponly-sessions-and-samesite", 5


def cors_test(headers) -> tuple[str, int]:
    origin = headers.get("Access-Control-Allow-Origin")
    if not origin:
        return "cross-origin-resource-sharing-not-implemented", 0
    if origin.strip() == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access", 0
    if headers.get("Access-Control-Allow-Credentials", "").lower() == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access", -50
    return "cross-origin-resource-sharing-implemented-with-restricted-access", 0


def redirection_test(http_response, host: str) -> tuple[str, int]:
    """`http_response`: the answer to the same URL asked over plain http."""
    if http_response.status_code not in {301, 302, 307, 308}:
        return "redirection-missing", -20
    target = urlsplit(http_response["Location"])
    if target.scheme != "https":
        return "redirection-not-to-https", -20
    if target.hostname != host:
        return "redirection-off-host-from-http", -5
    return "redirection-to-https", 0


def referrer_policy_test(headers) -> tuple[str, int]:
    raw = headers.get("Referrer-Policy")
    if not raw:
        return "referrer-policy-not-implemented", 0
    good = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
    bad = {"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
    valid = [p.strip().lower() for p in raw.split(",") if p.strip().lower() in good | bad]
    if not valid:
        return "referrer-policy-header-invalid", -5
    if valid[-1] in good:
        return "referrer-policy-private", 5
    return "referrer-policy-unsafe", -5


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def sri_test(response, host: str) -> tuple[str, int]:
    if "text/html" not in response.get("Content-Type", ""):
        return "sri-not-implemented-response-not-html", 0
    parser = _Scripts()
    parser.feed(response.content.decode())
    sources = [s for s in parser.scripts if s.get("src")]
    if not sources:
        return "sri-not-implemented-but-no-scripts-loaded", 0
    external = [s for s in sources if urlsplit(s["src"]).netloc not in {"", host}]
    if not external:
        return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0
    insecure = [s for s in external if not s["src"].startswith("https://")]
    with_integrity = all(s.get("integrity") for s in external)
    if insecure:
        if with_integrity:
            return "sri-implemented-but-external-scripts-not-loaded-securely", -20
        return "sri-not-implemented-and-external-scripts-not-loaded-securely", -50
    if with_integrity:
        return "sri-implemented-and-external-scripts-loaded-securely", 5
    return "sri-not-implemented-but-external-scripts-loaded-securely", -5


def x_content_type_options_test(headers) -> tuple[str, int]:
    raw = headers.get("X-Content-Type-Options")
    if not raw:
        return "x-content-type-options-not-implemented", -5
    if raw.strip().lower() == "nosniff":
        return "x-content-type-options-nosniff", 0
    return "x-content-type-options-header-invalid", -5


def x_frame_options_test(headers) -> tuple[str, int]:
    csp = headers.get("Content-Security-Policy")
    try:
        if csp and "frame-ancestors" in parse_csp(csp):
            return "x-frame-options-implemented-via-csp", 5
    except ValueError:
        pass
    raw = (headers.get("X-Frame-Options") or "").strip().lower()
    if not raw:
        return "x-frame-options-not-implemented", -20
    if raw in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny", 0
    if raw.startswith("allow-from"):
        return "x-frame-options-allow-from-origin", 0
    return "x-frame-options-header-invalid", -20


def corp_test(headers) -> tuple[str, int]:
    raw = (headers.get("Cross-Origin-Resource-Policy") or "").strip().lower()
    if not raw:
        return "cross-origin-resource-policy-not-implemented", 0
    return {
        "same-site": ("cross-origin-resource-policy-implemented-with-same-site", 10),
        "same-origin": ("cross-origin-resource-policy-implemented-with-same-origin", 10),
        "cross-origin": ("cross-origin-resource-policy-implemented-with-cross-origin", 0),
    }.get(raw, ("cross-origin-resource-policy-header-invalid", -5))


def score(https_response, http_response, host: str = "testserver") -> Score:
    """Score a page from its https response and the response to the same URL over http."""
    headers = https_response.headers
    result = Score()
    result.add("content-security-policy", *csp_test(headers, secure=True))
    hsts = hsts_test(headers, secure=True)
    result.add(
        "cookies",
        *cookies_test(
            https_response.cookies,
            hsts_pass=hsts[0] == "hsts-implemented-max-age-at-least-six-months",
        ),
    )
    result.add("cross-origin-resource-sharing", *cors_test(headers))
    result.add("redirection", *redirection_test(http_response, host))
    result.add("referrer-policy", *referrer_policy_test(headers))
    result.add("strict-transport-security", *hsts)
    result.add("subresource-integrity", *sri_test(https_response, host))
    result.add("x-content-type-options", *x_content_type_options_test(headers))
    result.add("x-frame-options", *x_frame_options_test(headers))
    result.add("cross-origin-resource-policy", *corp_test(headers))
    return result
