"""Take secrets out of any text that is stored or printed: the one scrubbing function.

Endpoints echo requests in their error bodies (some proxies and local servers put the
whole header block there), SDK exceptions carry the request, and URLs carry
`user:password@` or `?sig=...`. Every error the package stores (the `error` column of
the enrichment, `ops.alert_deliveries.last_error`) or prints (exceptions, log lines)
goes through `scrub()` first. It removes:

- the values of environment variables whose name says they are secret (`*_KEY`,
  `*_TOKEN`, `*SECRET*`, `*PASSWORD*`, `*_WEBHOOK_URL`, ...), and any `extra` strings;
- `Bearer` / `Basic` credentials, and the values of `Authorization`, `api-key`,
  `x-api-key`, `Ocp-Apim-Subscription-Key`, `Cookie` headers (as `name: value`,
  `name=value` or JSON `"name": "value"`);
- the `user:password@` part of URLs, and the values of query parameters whose name
  says they are secret (`key`, `token`, `sig`, `password`, `code`, ...);
- keys of well-known shapes (OpenAI `sk-...`, Slack `xox?-...`, Slack webhook paths).

Errors that reach the marts without this package (Databricks `ai_query`'s
`errormessage`) are not scrubbed yet: there is no SQL counterpart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "<redacted>"

# environment variable names whose values are secrets
_SECRET_ENV = re.compile(
    r"(^|_)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|WEBHOOK_URL|CONNECTION_STRING)(_|$)",
    re.IGNORECASE,
)
# values shorter than this are not treated as secrets (would redact ordinary words)
_MIN_SECRET_LEN = 6

_HEADER_NAMES = (
    r"proxy-authorization|authorization|x-api-key|api[-_]key|apikey"
    r"|ocp-apim-subscription-key|x-goog-api-key|cookie|set-cookie"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Authorization": "Bearer abc" / authorization: Basic abc / api-key=abc / 'api-key': 'abc'
    (
        re.compile(
            r"""(?i)(["']?\b(?:"""
            + _HEADER_NAMES
            + r""")["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^"'\s,;})\]]+"""
        ),
        r"\1" + REDACTED,
    ),
    # a credential scheme anywhere else: Bearer abc, Basic dXNlcjpwdw==
    # (a token has a digit or punctuation: "basic validation" is prose, not a credential)
    (
        re.compile(r"(?i)\b(bearer|basic)\s+(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{6,}"),
        r"\1 " + REDACTED,
    ),
    # user:password@ (or user@) in a URL
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#\"']+@"), r"\1" + REDACTED + "@"),
    # secret query parameters: ?api-key=..., &sig=..., &token=...
    (
        re.compile(
            r"(?i)([?&](?:[a-z0-9_.-]*(?:key|token|secret|password|passwd|pwd|sig|signature"
            r"|auth|code|credential)[a-z0-9_.-]*)=)[^&#\s\"']+"
        ),
        r"\1" + REDACTED,
    ),
    # well-known key shapes
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), REDACTED),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), REDACTED),
    (re.compile(r"(?i)(hooks\.slack\.com/services/)[^\s\"']+"), r"\1" + REDACTED),
)


def env_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of the environment variables whose names say they are secret."""
    env = os.environ if env is None else env
    out: list[str] = []
    for name, value in env.items():
        if not value or not _SECRET_ENV.search(name):
            continue
        value = value.strip()
        if len(value) >= _MIN_SECRET_LEN:
            out.append(value)
    return out


def scrub(
    text: object,
    extra: Iterable[str | None] = (),
    env: Mapping[str, str] | None = None,
) -> str:
    """`text` with every secret replaced by `<redacted>` (see the module docstring).

    `extra`: more secret strings (a webhook URL, a token passed as an option); `env`:
    the environment to take secret values from (default `os.environ`).
    """
    out = "" if text is None else str(text)
    if not out:
        return out
    secrets = {s for s in (*(extra or ()), *env_secrets(env)) if s and len(s) >= 4}
    for secret in sorted(secrets, key=len, reverse=True):  # longest first: no half-redaction
        out = out.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        out = pattern.sub(replacement, out)
    return out


def scrub_optional(text: str | None, extra: Iterable[str | None] = ()) -> str | None:
    """`scrub` that keeps None as None (nullable columns)."""
    return None if text is None else scrub(text, extra)
