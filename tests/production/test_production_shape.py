"""The production shape as one: nginx with TLS in front of two instances, PostgreSQL and Redis.

What runs is what deploy/ describes: Debian's nginx with deploy/nginx/expertise-proxy.conf (the
very file; this test only writes the `http` block around it, with the upstream on free ports and a
throw-away certificate), two instances of `run:app` under gunicorn with two gevent-websocket
workers each and APP_ENV=production (secure `__Host-` cookies, every secret from the
environment), a throw-away PostgreSQL cluster, and one redis-server for the Socket.IO message
queue (database 0) and Flask-Limiter's counters (database 1). The instances believe
X-Forwarded-* from 127.0.0.1 only (TRUSTED_PROXIES).

nginx's ip_hash sends every client on 127.0.0.1 to the same instance, "the proxied one"; the tests
reach the other one directly where they need both.
"""
import datetime
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from ..support.realtime import DEMO_EMAILS, Listener, cookie_header, csrf_token, login_over_http, post_form
from ..support.servers import (AppServer, GunicornServer, PostgresCluster, RedisServer, free_port,
                               skip_or_fail, wait_for_port)
from ..support.totp import AUTHENTICATORS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question
SECRETS = {
    "SECRET_KEY": "production-shape-test-secret-key",
    "VAULT_PEPPER": "production-shape-test-pepper-0123456789",
    "AUDIT_MAC_KEY": "production-shape-test-audit-key-0123456789",
    "TOTP_ENC_KEY": "production-shape-test-totp-key-0123456789",
}
LOGIN_LIMIT = 10  # accounts.views: 10 login attempts per minute per client address


def _nginx():
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        skip_or_fail("nginx not found (Debian package nginx); the production shape needs it")
    return binary


def _certificate(directory):
    """A throw-away self-signed certificate for 127.0.0.1; returns (certificate, key) paths."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Nginx:
    """Debian's nginx in the foreground, in a directory of its own, with the deployed locations."""

    def __init__(self, workdir, upstreams):
        self.binary = _nginx()
        self.dir = Path(workdir)
        self.port = free_port()
        self.certificate, key = _certificate(self.dir)
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=30s;" for port in upstreams)
        # Under root, nginx's workers would switch to `nobody`, who cannot read this directory.
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {self.dir}/access.log;
    client_body_temp_path {self.dir}/body;
    proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fastcgi;
    uwsgi_temp_path {self.dir}/uwsgi;
    scgi_temp_path {self.dir}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream expertise {{
        ip_hash;
{servers}
    }}
    server {{
        listen 127.0.0.1:{self.port} ssl;
        ssl_certificate {self.certificate};
        ssl_certificate_key {key};
        # Which instance answered, for the tests only (not in deploy/).
        add_header X-Test-Upstream $upstream_addr always;
        include {ROOT / "deploy" / "nginx" / "expertise-proxy.conf"};
    }}
}}
""")
        self.process = None

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.dir / "nginx.out", "w")
        self.process = subprocess.Popen([self.binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log.close()


@pytest.fixture(scope="module")
def shape(tmp_path_factory, monkeypatch_module):
    cluster = PostgresCluster().start()
    redis = RedisServer(tmp_path_factory.mktemp("redis")).start()
    started = []
    try:
        a_port, b_port = free_port(), free_port()
        proxy = Nginx(tmp_path_factory.mktemp("nginx"), [a_port, b_port])
        # requests and websocket-client trust the throw-away certificate, nothing else changes.
        monkeypatch_module.setenv("REQUESTS_CA_BUNDLE", str(proxy.certificate))
        monkeypatch_module.setenv("WEBSOCKET_CLIENT_CA_BUNDLE", str(proxy.certificate))
        shared = {**SECRETS, "DATABASE_URL": cluster.url, "BASE_URL": proxy.url}
        # seed-demo refuses production: the demo world is made by a development process on the same
        # database and secrets, which then serves nothing.
        seeder = AppServer(tmp_path_factory.mktemp("seed"), env=shared)
        seeder.seed()
        production = {
            **shared,
            "APP_ENV": "production",
            "RATELIMIT_ENABLED": "true",
            "RATELIMIT_STORAGE_URI": redis.url(1),
            "TRUSTED_PROXIES": "127.0.0.1",
        }
        instances = []
        for port in (a_port, b_port):
            instance = GunicornServer(tmp_path_factory.mktemp(f"instance-{port}"), production, workers=2,
                                      redis_url=redis.url(0), app="run:app", seed=False)
            instance.port = port
            instance.env["PORT"] = str(port)
            instances.append(instance)
        for instance in instances:
            started.append(instance.start())
        started.append(proxy.start())
        AUTHENTICATORS[proxy.url] = seeder.authenticator
        for instance in instances:
            instance.share_authenticator(seeder)
        yield proxy, {instance.url: instance for instance in instances}
    finally:
        for server in reversed(started):
            server.stop()
        redis.stop()
        cluster.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


class LoopbackSession(requests.Session):
    """A session that also sends the Secure cookies over plain http, to an instance on loopback.

    The instances set `__Host-` cookies with Secure, for the browser behind TLS; reaching an
    instance directly, as nginx does, needs them over http.
    """

    def request(self, *args, **kwargs):
        for cookie in self.cookies:
            cookie.secure = False
        return super().request(*args, **kwargs)


def _direct(http):
    """The same login (or anonymous session) for requests straight to an instance."""
    direct = LoopbackSession()
    direct.cookies.update(http.cookies)
    return direct


def _proxied_and_other(proxy, instances, http):
    """Return (the instance nginx sends this machine to, the other one)."""
    upstream = http.get(proxy.url + "/gezondheid", timeout=10).headers["X-Test-Upstream"]
    proxied = instances["http://" + upstream]
    other = next(instance for url, instance in instances.items() if instance is not proxied)
    return proxied, other


def _question_id(http, base_url):
    listing = http.get(base_url + "/vragen?status=alle", timeout=10).text
    return int(re.search(r'href="/vragen/(\d+)"[^>]*>\s*' + re.escape(QUESTION), listing).group(1))


def test_a_login_through_the_proxy_gives_secure_host_cookies(shape):
    proxy, _instances = shape
    eva = login_over_http(proxy.url, DEMO_EMAILS["eva"])
    assert eva.get(proxy.url + "/account", allow_redirects=False, timeout=10).status_code == 200
    names = {cookie.name: cookie for cookie in eva.cookies}
    assert "__Host-ep_session" in names
    assert all(cookie.secure for cookie in eva.cookies)


def test_a_post_on_one_instance_reaches_a_watcher_through_the_proxy_on_the_other(shape):
    proxy, instances = shape
    eva = login_over_http(proxy.url, DEMO_EMAILS["eva"])
    proxied, other = _proxied_and_other(proxy, instances, eva)
    question_id = _question_id(eva, proxy.url)
    watcher = Listener().connect(proxy.url, cookie_header(eva), transports=["websocket"])
    try:
        assert watcher.client.call("join", {"kind": "question", "id": question_id}, timeout=10)["ok"] is True
        # The same session on the other instance, reached directly: sessions live in PostgreSQL.
        response = post_form(_direct(eva), other.url, f"/vragen/{question_id}/reageren",
                             {"body": "Vraag ook de school naar het verzuim.", "actie": "plaatsen"})
        assert response.status_code == 302
        post_id = int(re.search(r"#bericht-(\d+)", response.headers["Location"]).group(1))
        watcher.wait_for("post_published", lambda payload: payload["post_id"] == post_id, timeout=15)
    finally:
        watcher.close()
    assert proxied is not other


def _failed_login(http, base_url, number, headers=None):
    token = csrf_token(http, base_url)
    headers = {"Referer": base_url + "/inloggen", **(headers or {})}
    return http.post(base_url + "/inloggen", allow_redirects=False, timeout=10, headers=headers,
                     data={"email": f"niemand-{number}@example.test", "password": "fout", "csrf_token": token})


def test_the_login_limit_holds_across_instances_per_client_address_from_the_proxy_only(shape):
    proxy, instances = shape
    first, second = instances.values()
    # A client address of its own (as nginx would forward it), so other tests' logins do not count.
    client = {"X-Forwarded-For": "192.0.2.44"}
    http = LoopbackSession()
    statuses = [_failed_login(http, (first, second)[n % 2].url, n, client).status_code for n in range(LOGIN_LIMIT)]
    assert statuses == [200] * LOGIN_LIMIT, statuses  # the form again, with its error
    # The eleventh attempt, on either instance, is refused: both count in Redis.
    assert _failed_login(http, first.url, LOGIN_LIMIT, client).status_code == 429
    assert _failed_login(http, second.url, LOGIN_LIMIT + 1, client).status_code == 429
    # Through nginx a client cannot claim that address: nginx replaces the header with the peer's.
    assert _failed_login(requests.Session(), proxy.url, LOGIN_LIMIT + 2, client).status_code == 200


def test_killing_the_proxied_instance_loses_no_acknowledged_post(shape):
    proxy, instances = shape
    anna = login_over_http(proxy.url, DEMO_EMAILS["anna"])
    proxied, other = _proxied_and_other(proxy, instances, anna)
    question_id = _question_id(anna, proxy.url)
    acknowledged, refused = [], []
    stop = threading.Event()

    def keep_posting():
        number = 0
        while not stop.is_set() and number < 40:
            number += 1
            try:
                response = post_form(anna, proxy.url, f"/vragen/{question_id}/reageren",
                                     {"body": f"Terugkoppeling {number}: het gesprek met school is gepland.",
                                      "actie": "plaatsen"})
            except requests.RequestException:
                refused.append(number)
                continue
            if response.status_code == 302 and "#bericht-" in response.headers["Location"]:
                acknowledged.append(int(response.headers["Location"].rsplit("#bericht-", 1)[1]))
            else:
                refused.append(number)

    poster = threading.Thread(target=keep_posting)
    poster.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= 3, (acknowledged, refused)
        proxied.kill()
        before_kill = len(acknowledged)
        while len(acknowledged) < before_kill + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        poster.join(timeout=60)
    # The other instance took over behind the same address, with the same login.
    assert len(acknowledged) >= before_kill + 3, (acknowledged, refused)
    page = anna.get(f"{proxy.url}/vragen/{question_id}", timeout=10)
    assert page.status_code == 200
    assert page.headers["X-Test-Upstream"] == other.url.removeprefix("http://")
    missing = [post_id for post_id in acknowledged if f'id="bericht-{post_id}"' not in page.text]
    assert missing == [], missing


def test_the_deployed_site_configuration_is_valid_nginx(tmp_path):
    """deploy/nginx/expertise.conf as Debian's nginx reads it: only paths on this machine differ."""
    certificate, key = _certificate(tmp_path)
    site = (ROOT / "deploy" / "nginx" / "expertise.conf").read_text()
    replacements = {
        "/etc/ssl/certs/expertise.example.nl.pem": str(certificate),
        "/etc/ssl/private/expertise.example.nl.key": str(key),
        "/var/log/nginx/expertise.access.log": str(tmp_path / "access.log"),
        "include snippets/expertise-proxy.conf;": f"include {ROOT / 'deploy' / 'nginx' / 'expertise-proxy.conf'};",
    }
    for old, new in replacements.items():
        assert site.count(old) == 1, old
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run([_nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
