"""The stdlib transport under the ping and API clients, on real sockets."""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from hcctl._http import Failure, StdlibTransport, env_proxy, tls_context
from tests.canned_http import Answer, CannedServer

pytestmark = pytest.mark.usefixtures("no_proxy_env")  # these are http.client's tests


def test_it_turns_nagle_off_so_a_body_never_waits_for_an_ack() -> None:
    transport = StdlibTransport()
    with CannedServer(Answer(200, b"OK")) as server:
        transport.request("POST", server.url, body=b"a body", timeout=5)
        (conn,) = next(iter(transport._idle.values()))
        assert conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    transport.close()


def test_it_caps_what_a_compressed_answer_inflates_to() -> None:
    bomb = Answer(200, gzip.compress(b"0" * 10_000_000), {"Content-Encoding": "gzip"})
    transport = StdlibTransport()
    with CannedServer(bomb) as server:
        answer = transport.request("GET", server.url, body=b"", timeout=5, max_body=1000)
    transport.close()
    assert answer.body == b"0" * 1000
    assert "content-encoding" not in answer.headers


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Answer(200, b"0" * 1001), "the answer is larger than 1000 bytes"),
        (
            Answer(200, gzip.compress(b"0" * 1001), {"Content-Encoding": "gzip"}),
            "the answer is larger than 1000 bytes",
        ),
        (
            Answer(200, gzip.compress(b"0" * 999)[:-12], {"Content-Encoding": "gzip"}),
            "the compressed body ends early",
        ),
    ],
)
def test_it_refuses_a_body_it_cannot_have_whole(answer: Answer, reason: str) -> None:
    transport = StdlibTransport()
    with CannedServer(answer) as server, pytest.raises(Failure) as info:
        transport.request("GET", server.url, body=b"", timeout=5, max_body=1000, whole=True)
    transport.close()
    assert (info.value.stage, info.value.detail) == ("decode", reason)


@pytest.mark.parametrize(
    ("encoding", "body"), [("gzip", b"not gzip"), ("br", b"\x0b\x02\x80hi\x03")]
)
def test_it_reports_an_answer_it_cannot_decode(encoding: str, body: bytes) -> None:
    transport = StdlibTransport()
    with (
        CannedServer(Answer(200, body, {"Content-Encoding": encoding})) as server,
        pytest.raises(Failure) as info,
    ):
        transport.request("GET", server.url, body=b"", timeout=5)
    transport.close()
    assert info.value.stage == "decode"


def test_it_tells_a_request_that_never_left_from_one_that_did() -> None:
    transport = StdlibTransport()
    with CannedServer(Answer(reset=True)) as server:
        with pytest.raises(Failure) as sent:
            transport.request("POST", server.url, body=b"{}", timeout=5, resend=False)
        url = server.url
    with pytest.raises(Failure) as refused:
        transport.request("POST", url, body=b"{}", timeout=5)
    transport.close()
    assert (sent.value.stage, refused.value.stage) == ("read", "connect")
    assert "Connection refused" in refused.value.detail


def test_it_sends_again_a_request_it_could_not_write_whole() -> None:
    # The server drops a kept-alive connection with the request's body half written: it cannot
    # have acted on it, so even a request never to be sent twice goes again, on a new one.
    answers = (Answer(200, b"OK"), Answer(reset=True, unread=True), Answer(201, b"made"))
    transport = StdlibTransport()
    with CannedServer(*answers) as server:
        transport.request("GET", server.url, body=b"", timeout=5)
        body = b"x" * 32_000_000  # more than the kernel's buffers hold
        answer = transport.request("POST", server.url, body=body, timeout=5, resend=False)
        assert [r.method for r in server.received] == ["GET", "POST", "POST"]
        assert server.connections == 2
    transport.close()
    assert answer.status == 201


def test_it_reports_an_answer_cut_short_when_the_body_matters() -> None:
    short = Answer(200, b"12345", {"Content-Length": "100"}, close=True)
    transport = StdlibTransport()
    with CannedServer(short, short) as server:
        with pytest.raises(Failure) as info:
            transport.request("GET", server.url, body=b"", timeout=5, whole=True)
        # A ping's status line is its receipt: the rest of its answer does not matter.
        assert transport.request("GET", server.url, body=b"", timeout=5).body == b"12345"
    transport.close()
    assert (info.value.stage, str(info.value).split(": ")[-1]) == (
        "read",
        "connection closed mid-response",
    )


def test_it_keeps_connections_alive_past_descriptor_1023() -> None:
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    transport = StdlibTransport()
    try:
        with CannedServer(Answer(200, b"OK")) as server:
            for _ in range(3):
                transport.request("GET", server.url, body=b"", timeout=5)
            assert server.connections == 1
    finally:
        transport.close()
        for fd in held:
            os.close(fd)


def test_it_keeps_no_connection_once_closed() -> None:
    transport = StdlibTransport()
    with CannedServer(Answer(200, b"OK", delay=0.3)) as server:
        thread = threading.Thread(
            target=transport.request, args=("GET", server.url), kwargs={"body": b"", "timeout": 5}
        )
        thread.start()
        while not server.received:  # the server holds its answer 0.3 s from here
            time.sleep(0.01)
        transport.close()  # while the request is out
        thread.join()
    assert transport._idle == {}


def test_it_leaves_a_connection_the_server_says_it_closes() -> None:
    transport = StdlibTransport()
    with CannedServer(Answer(200, b"OK", {"Connection": "close"})) as server:
        for _ in range(2):
            transport.request("GET", server.url, body=b"", timeout=5)
        assert server.connections == 2
    transport.close()


def test_it_trusts_certifi_where_the_system_has_no_authority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "none.pem").write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    assert tls_context().cert_store_stats()["x509_ca"] > 0


@pytest.mark.parametrize(
    ("environ", "url", "proxied"),
    [
        ({}, "https://hc-ping.com/", False),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "https://hc-ping.com/", True),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "http://hc.example.org/", False),
        ({"http_proxy": "http://proxy:3128"}, "http://hc.example.org/", True),
        ({"ALL_PROXY": "http://proxy:3128"}, "http://hc.example.org/", True),
        ({"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "*"}, "http://hc.example.org/", False),
        (
            {"ALL_PROXY": "http://p:3128", "NO_PROXY": "example.org"},
            "http://hc.example.org/",
            False,
        ),
        ({"ALL_PROXY": "http://p:3128", "NO_PROXY": "other.org"}, "http://hc.example.org/", True),
    ],
)
def test_it_reads_the_proxy_settings_of_the_environment(
    no_proxy_env: pytest.MonkeyPatch, environ: dict[str, str], url: str, proxied: bool
) -> None:
    for name, value in environ.items():
        no_proxy_env.setenv(name, value)
    assert env_proxy(url) is proxied
