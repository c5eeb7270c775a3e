"""POST /jobs/{flow} with Google OIDC ID tokens, as Cloud Scheduler sends them.

The test plays Google: an RSA key made here, its self-signed certificate served over local
HTTP in Google's v1 format (``{key id: PEM}``), tokens signed with google-auth's own
`jwt.encode`. Marvin checks them with google-auth against that certificates URL.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marvin.store.sqlite.store import SqliteStore
from marvin.web.jobs_auth import CertsUnavailable, JobsAuth
from tests.web.jobs_harness import SLOT, MakeService, post

AUDIENCE = "https://marvin-abc123-ew.a.run.app"
ACCOUNT = "scheduler@marvin-prod.iam.gserviceaccount.com"
KEY_ID = "google-key-1"


@dataclass
class Key:
    private_pem: bytes
    cert_pem: str

    @classmethod
    def new(cls) -> Key:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-google")])
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=1))
                .sign(key, hashes.SHA256()))
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cls(private, cert.public_bytes(serialization.Encoding.PEM).decode())

    def token(self, key_id: str = KEY_ID, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "sub": "1234",
                   "email": ACCOUNT, "email_verified": True, "iat": now, "exp": now + 3600}
        payload.update(claims)
        signer = crypt.RSASigner.from_string(self.private_pem, key_id=key_id)
        return jwt.encode(signer, payload).decode()


@dataclass
class Google:
    """The certificates endpoint: what it serves, and how often it was asked."""

    url: str
    certs: dict[str, str]
    fetches: list[float] = field(default_factory=list)
    down: bool = False


@pytest.fixture(scope="module")
def key() -> Key:
    return Key.new()


@pytest.fixture
def google(key: Key) -> Iterator[Google]:
    state: dict[str, Google] = {}

    class Certs(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            g = state["g"]
            g.fetches.append(time.monotonic())
            if g.down:
                self.send_error(503)
                return
            body = json.dumps(g.certs).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Certs)
    state["g"] = Google(f"http://127.0.0.1:{server.server_port}/oauth2/v1/certs",
                        {KEY_ID: key.cert_pem})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["g"]
    finally:
        server.shutdown()
        server.server_close()


def auth(google: Google, **kw: Any) -> JobsAuth:
    values: dict[str, Any] = {"token": None, "audience": AUDIENCE,
                              "service_account": ACCOUNT, "certs_url": google.url}
    return JobsAuth(**(values | kw))


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_google_signed_token_for_the_audience_and_account_is_accepted(
    google: Google, key: Key
) -> None:
    assert auth(google).refusal(bearer(key.token())) is None
    assert auth(google, service_account=None).refusal(
        bearer(key.token(email="anyone@example.com"))) is None


@pytest.mark.parametrize("claims, why", [
    ({"aud": "https://someone-else.run.app"}, "not valid"),
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 4200}, "not valid"),
    ({"iss": "https://evil.example.com"}, "not issued by Google"),
    ({"email": "intruder@example.iam.gserviceaccount.com"}, "service account"),
    ({"email_verified": False}, "service account"),
])
def test_a_token_for_another_audience_expired_foreign_or_of_another_account_is_refused(
    google: Google, key: Key, claims: dict[str, Any], why: str
) -> None:
    refusal = auth(google).refusal(bearer(key.token(**claims)))

    assert refusal is not None and why in refusal


def test_a_token_signed_by_another_key_or_garbled_is_refused(google: Google, key: Key) -> None:
    forged = Key.new().token()  # same key id, another key
    unknown_kid = Key.new().token(key_id="not-google")
    checker = auth(google)

    assert "not valid" in str(checker.refusal(bearer(forged)))
    assert "not valid" in str(checker.refusal(bearer(unknown_kid)))
    assert "cannot be read" in str(checker.refusal(bearer("a.b.c")))
    head, body, signature = key.token().split(".")
    assert "not valid" in str(checker.refusal(bearer(f"{head}.{body}.{signature[:-8]}")))
    assert "cannot be read" in str(checker.refusal(bearer(f"{head[:-3]}.{body}.{signature}")))


def test_certificates_are_fetched_once_and_an_unknown_key_id_does_not_refetch_each_time(
    google: Google, key: Key
) -> None:
    checker = auth(google)
    for _ in range(5):
        assert checker.refusal(bearer(key.token())) is None
        checker.refusal(bearer(Key.new().token(key_id=f"k{_}")))

    assert len(google.fetches) == 1


def test_a_rotated_key_is_found_by_fetching_again(google: Google, key: Key) -> None:
    now = [0.0]
    checker = auth(google, clock=lambda: now[0])
    assert checker.refusal(bearer(key.token())) is None
    rotated = Key.new()
    google.certs["google-key-2"] = rotated.cert_pem
    now[0] += 61  # past REFETCH_AFTER_SECONDS

    assert checker.refusal(bearer(rotated.token(key_id="google-key-2"))) is None
    assert len(google.fetches) == 2


def test_unreachable_certificates_raise_certs_unavailable_unless_some_are_cached(
    google: Google, key: Key
) -> None:
    google.down = True
    with pytest.raises(CertsUnavailable):
        auth(google).refusal(bearer(key.token()))
    google.down = False
    now = [0.0]
    checker = auth(google, clock=lambda: now[0])
    assert checker.refusal(bearer(key.token())) is None
    google.down = True
    now[0] += 7200  # stale: refetch fails, the old certificates still check
    assert checker.refusal(bearer(key.token())) is None


def test_the_route_runs_a_slot_for_cloud_schedulers_token_and_refuses_others(
    jobs_service: MakeService, sqlite_store: SqliteStore, google: Google, key: Key
) -> None:
    svc = jobs_service(sqlite_store, SLOT, jobs_token=None, jobs_audience=AUDIENCE,
                  jobs_service_account=ACCOUNT, jobs_certs_url=google.url)

    wrong = post(svc, "reminder", headers={"Authorization": bearer(
        key.token(aud="https://other.run.app"))})
    ok = post(svc, "reminder", headers={"Authorization": bearer(key.token())})
    google.down = True
    fresh = JobsAuth(token=None, audience=AUDIENCE, service_account=None, certs_url=google.url)

    assert wrong.status_code == 401, wrong.text
    assert ok.status_code == 200, ok.text
    assert ok.json()["runs"][0]["outcome"] == "ran"
    with pytest.raises(CertsUnavailable):
        fresh.refusal(bearer(key.token()))


def test_a_route_whose_certificates_are_unreachable_answers_503(
    jobs_service: MakeService, sqlite_store: SqliteStore, google: Google, key: Key
) -> None:
    google.down = True
    svc = jobs_service(sqlite_store, SLOT, jobs_token=None, jobs_audience=AUDIENCE,
                  jobs_certs_url=google.url)

    answer = post(svc, "reminder", headers={"Authorization": bearer(key.token())})

    assert answer.status_code == 503
    assert svc.run.calls == []
    with httpx.Client() as client:  # a shared token is still no ID token: 401, no fetch
        plain = client.post(f"{svc.url}/jobs/reminder", headers={"Authorization": "Bearer x"})
    assert plain.status_code == 401


def b64(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(JSON, st.fixed_dictionaries({"alg": JSON, "kid": JSON}),
                        st.binary(max_size=20)),
       payload=st.one_of(JSON, st.binary(max_size=20)), signature=st.binary(max_size=40))
def test_no_token_anyone_can_send_raises_instead_of_being_refused(
    google: Google, header: object, payload: object, signature: bytes
) -> None:
    token = f"{b64(header)}.{b64(payload)}.{b64(signature)}"

    refusal = auth(google).refusal(bearer(token))

    assert refusal is not None
