"""The stdlib transport under the ping and API clients, on real sockets."""

from __future__ import annotations

import gzip
import socket

import pytest

from hcctl._http import Failure, StdlibTransport
from tests.canned_http import Answer, CannedServer


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
