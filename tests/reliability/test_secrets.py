"""Secrets: the API key, the ping key and database passwords never leave where they belong.

Every command runs with the project's real keys (random values, so any copy of them is found)
and database URLs holding a sentinel password. None may appear in stdout, stderr, log records,
exception messages or any file hcctl writes, .env.healthchecks.local (the secrets' file) aside.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from hcctl.api import HealthchecksApi
from hcctl.cli import cli
from hcctl.errors import HcctlError
from hcctl.ping import PingClient
from hcctl.server.pytest_plugin import HealthchecksServer
from tests.faultserver import FaultServer, Reply, free_port
from tests.pinghelp import checks

PASSWORD = "Pa55-SENTINEL-db-secret"
SPEC = '[checks.backup]\nname = "Backup"\ntimeout = "1h"\n\n[checks.report]\ntimeout = "1d"\n'


def secrets_of(hc: HealthchecksServer) -> list[str]:
    # The whole values, and their tails: a redaction that keeps most of a key leaks it too.
    keys = [hc.api_key, hc.api_key_readonly, hc.ping_key]
    return [PASSWORD, *keys, *(key[-12:] for key in keys)]


def hcctl(folder: Path, env: dict[str, str], *args: str) -> Result:
    clean: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(("HC_", "HEALTHCHECKS_"))
    }
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner(env={**clean, **env, "NO_COLOR": "1"}).invoke(cli, list(args))
    finally:
        os.chdir(cwd)


def written_files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace")
        for p in folder.rglob("*")
        if p.is_file() and p.name != ".env.healthchecks.local"
    }


def assert_no_secret(where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret ({secret[:4]}…) leaked into {where}"


COMMANDS: list[tuple[str, ...]] = [
    ("validate",),
    ("plan",),
    ("apply",),
    ("plan", "--json"),
    ("verify", "--ping"),
    ("status",),
    ("ping", "backup"),
    ("ping", "report", "fail"),
    ("ping", "nightly-new", "start"),  # by slug, with the ping key
    ("run", "backup", "--", "sh", "-c", "echo out; exit 3"),
    ("export", "--force"),
    ("prune", "--yes"),
    # A check with a UUID to pin: apply opens the database (unreachable, or no api_check table).
    *(
        ("apply", "--spec", "pinned.toml", "--env-file", "pinned.env", "--db-url", url)
        for url in [
            f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/test",
            f"mysql://root:{PASSWORD}@127.0.0.1:{free_port()}/test",
            f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/test",
        ]
    ),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "healthchecks.toml").write_text(SPEC)
    pinned = '[checks.pinned]\nuuid = "5f671802-21f2-4c94-91b6-0d4b1648f9c3"\n'
    (folder / "pinned.toml").write_text(pinned)
    return folder


def test_no_command_shows_or_writes_a_secret(
    healthchecks_server: HealthchecksServer, project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hc = healthchecks_server
    (project / ".env.healthchecks.local").write_text(
        f"HC_API_KEY={hc.api_key}\nHC_PING_KEY={hc.ping_key}\n"
        f"HC_DB_URL=postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/test\n"
    )
    env = {"HC_API_URL": hc.api_url, "HC_PING_URL": hc.ping_url}
    secrets = secrets_of(hc)
    codes = []
    with caplog.at_level(logging.DEBUG):
        for args in COMMANDS:
            result = hcctl(project, env, *args)
            codes.append(result.exit_code)
            assert_no_secret(f"hcctl {' '.join(args)} output", result.output, secrets)
            assert_no_secret(f"hcctl {' '.join(args)} exception", repr(result.exception), secrets)
            assert "Traceback" not in result.output
    for record in caplog.records:
        assert_no_secret("a log record", record.getMessage(), secrets)
    for name, text in written_files(project).items():
        assert_no_secret(name, text, secrets)
    assert "HC_CHECK_BACKUP=" in (project / ".env.healthchecks").read_text()
    assert 0 in codes
    assert 1 in codes
    assert codes[COMMANDS.index(("run", "backup", "--", "sh", "-c", "echo out; exit 3"))] == 3


def test_wrong_keys_and_unreachable_servers_are_reported_without_the_key(
    healthchecks_server: HealthchecksServer, project: Path
) -> None:
    secret = "hcw_" + "SENTINELwrongkey0123456789ab"
    env = {"HC_API_URL": healthchecks_server.api_url, "HC_API_KEY": secret}
    down = {"HC_API_URL": f"http://127.0.0.1:{free_port()}/api/v3/", "HC_API_KEY": secret}
    for args, where in [(("plan",), env), (("apply",), env), (("status",), down)]:
        result = hcctl(project, where, *args)
        assert result.exit_code == 1
        assert_no_secret(f"hcctl {args[0]}", result.output, [secret, secret[-12:]])


def test_the_api_key_is_never_sent_to_the_ping_host(
    healthchecks_server: HealthchecksServer, project: Path
) -> None:
    hc = healthchecks_server
    # The checks have no UUID yet: the client creates them through the API, then pings.
    with FaultServer(Reply()) as ping_host:
        env = {
            "HC_API_URL": hc.api_url,
            "HC_API_KEY": hc.api_key,
            "HC_PING_URL": ping_host.ping_url,
        }
        result = hcctl(project, env, "ping", "backup")
        assert result.exit_code == 0, result.output
        assert hcctl(project, env, "run", "report", "--", "true").exit_code == 0
    assert len(ping_host.requests) == 3  # backup; report's start and exit code
    assert len(checks(hc)) == 2
    for request in ping_host.requests:
        seen = f"{request.path} {request.headers} {request.body!r}"
        assert_no_secret("a request to the ping host", seen, [hc.api_key, hc.api_key[-12:]])


# --- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, list[bytes]]]:
    """An HTTPS server with a self-signed certificate answering an empty list of checks."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    received: list[bytes] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(sock, server_side=True) as tls:
                    received.append(tls.recv(65536))
                    body = b'{"checks": []}'
                    tls.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body
                    )
            except (OSError, ssl.SSLError):
                sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", cert, received
    stop.set()
    thread.join(5)
    listener.close()


def test_tls_certificates_are_verified_unless_disabled_explicitly(
    tls_server: tuple[str, Path, list[bytes]],
) -> None:
    url, cert, received = tls_server
    key = "hcw_" + "SENTINELtlskey0123456789abcd"
    with PingClient(url + "/ping/", timeout=2, deadline=3, retries=0) as hc:
        assert hc.success("0cab08fe-03f4-48c2-a927-90493fa0b2f2") is False
    with HealthchecksApi(url + "/api/v3/", key, retries=0) as api, pytest.raises(HcctlError):
        api.list_checks()
    assert received == []  # refused at the handshake: not a byte of the request, nor the key
    # Trusting the certificate, or turning verification off, is the caller's explicit choice.
    with httpx.Client(verify=ssl.create_default_context(cafile=cert)) as client:
        assert HealthchecksApi(url + "/api/v3/", key, client=client).list_checks() == []
    with httpx.Client(verify=False) as client:
        assert HealthchecksApi(url + "/api/v3/", key, client=client).list_checks() == []
