"""Who may call POST /jobs/{flow}: a shared bearer token, or a Google-signed ID token.

Example::

    auth = JobsAuth(token="s3cret", audience=None, service_account=None, certs_url=URL)
    auth.refusal("Bearer s3cret")      # None: let in; else why not (the 401's message)

Cloud Scheduler sends an OIDC ID token signed by Google for the audience it is given (the
service URL) and the service account it runs as; it is checked with google-auth against
Google's published certificates (fetched, then kept for `CERTS_TTL_SECONDS`). A shared
token (MARVIN_JOBS_TOKEN) suits any other scheduler (a Kubernetes CronJob, cron + curl);
it is compared in constant time.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from google.auth import exceptions as google_exceptions
from google.auth import jwt

log = logging.getLogger("marvin.web.jobs_auth")

GOOGLE_ISSUERS = frozenset({"https://accounts.google.com", "accounts.google.com"})
CERTS_TTL_SECONDS = 3600.0  # Google rotates its keys over days; a new key id refetches sooner
REFETCH_AFTER_SECONDS = 60.0
"""An unknown key id refetches the certificates, at most this often: an anonymous caller
inventing key ids cannot make Marvin hammer Google."""
CERTS_TIMEOUT_SECONDS = 5.0
CLOCK_SKEW_SECONDS = 10


class CertsUnavailable(Exception):
    """Google's certificates cannot be fetched: no ID token can be checked just now."""


FetchCerts = Callable[[str], Mapping[str, str]]


def fetch_certs(url: str) -> Mapping[str, str]:
    """The PEM certificates by key id published at `url` (Google's v1 certs format)."""
    try:
        with urllib.request.urlopen(url, timeout=CERTS_TIMEOUT_SECONDS) as answer:  # noqa: S310
            certs = json.loads(answer.read())
    except (OSError, ValueError) as exc:
        raise CertsUnavailable(f"cannot fetch the ID token certificates at {url}: {exc}") \
            from None
    if not isinstance(certs, dict) or not all(isinstance(v, str) for v in certs.values()):
        raise CertsUnavailable(f"{url} did not answer PEM certificates by key id")
    return certs


@dataclass
class _Cached:
    certs: Mapping[str, str]
    at: float


class JobsAuth:
    """Checks the Authorization header of a POST /jobs request."""

    def __init__(
        self,
        *,
        token: str | None,
        audience: str | None,
        service_account: str | None,
        certs_url: str,
        fetch: FetchCerts = fetch_certs,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token = token.encode() if token else None
        self.audience = audience
        self.service_account = service_account
        self.certs_url = certs_url
        self._fetch = fetch
        self._clock = clock
        self._cached: _Cached | None = None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self._token is not None or self.audience is not None

    def refusal(self, authorization: str | None) -> str | None:
        """None when the header proves the caller may run jobs, else why not.

        Raises:
            CertsUnavailable: an ID token came but Google's certificates cannot be read.
        """
        scheme, _, credential = (authorization or "").partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return "missing 'Authorization: Bearer <token>' header"
        if self._token is not None and hmac.compare_digest(credential.encode(), self._token):
            return None
        if self.audience is None or credential.count(".") != 2:
            return "the bearer token is not accepted"
        return self._id_token_refusal(credential)

    def _id_token_refusal(self, token: str) -> str | None:
        try:
            header = jwt.decode_header(token)  # type: ignore[no-untyped-call]
        except Exception:  # anyone can send anything here: a refusal, never a 500
            return "the ID token cannot be read"
        kid = header.get("kid") if isinstance(header, dict) else None
        certs = self._certs(kid if isinstance(kid, str) else None)
        try:
            claims = jwt.decode(  # type: ignore[no-untyped-call]
                token, certs=dict(certs), audience=self.audience,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS)
        except (ValueError, google_exceptions.GoogleAuthError) as exc:
            return f"the ID token is not valid: {exc}"
        except Exception:  # e.g. a header that is JSON but no object: never a 500
            return "the ID token is not valid"
        if claims.get("iss") not in GOOGLE_ISSUERS:
            return "the ID token was not issued by Google"
        if self.service_account is not None and not (
            claims.get("email") == self.service_account and claims.get("email_verified")
        ):
            return "the ID token is not the expected service account's"
        return None

    def _certs(self, kid: str | None) -> Mapping[str, str]:
        """The cached certificates; fetched again when old, or (not too often) when they
        lack the token's key id."""
        with self._lock:
            now = self._clock()
            cached = self._cached
            stale = cached is None or now - cached.at > CERTS_TTL_SECONDS or (
                kid not in cached.certs and now - cached.at > REFETCH_AFTER_SECONDS)
            if stale:
                try:
                    self._cached = cached = _Cached(self._fetch(self.certs_url), now)
                except CertsUnavailable:
                    if cached is None:
                        raise
                    log.warning("keeping Google's old certificates: cannot fetch new ones")
            assert cached is not None
            return cached.certs
