"""Running fixed code through `<cmd> shell`: what pinning and bootstrap share."""

from __future__ import annotations

import shlex
import sys

import pytest

from hcctl._django_shell import DjangoShell, read_answer, scrub_secrets, split_command
from hcctl.errors import BootstrapError, PinError
from hcctl.pinning.django import open_django_pinner

KEY = "hcw_0123456789abcdefghijABCDEFGHIJ"[:32]


def test_it_removes_keys_url_passwords_and_given_secrets() -> None:
    text = f"FATAL: postgresql://hc:s3cr%40t@db/hc refused {KEY} for pw hunter2"
    assert scrub_secrets(text, ["hunter2", None, ""]) == (
        "FATAL: postgresql://hc:***@db/hc refused *** for pw ***"
    )


def test_it_reads_the_last_marked_answer_among_other_output() -> None:
    out = '1 object imported automatically\n\nM:{"a": 1}\nnoise\nM:{"a": 2}\nM:[1]x\n'
    assert read_answer(out, "M:") is None  # the last marked line is malformed
    assert read_answer(out.removesuffix("M:[1]x\n"), "M:") == {"a": 2}
    assert read_answer("nothing here", "M:") is None


def test_it_splits_a_command_like_a_shell_and_rejects_empty_ones() -> None:
    assert split_command("docker compose exec -T 'web 1' manage.py") == [
        "docker",
        "compose",
        "exec",
        "-T",
        "web 1",
        "manage.py",
    ]
    with pytest.raises(BootstrapError, match="is empty"):
        split_command(" ", error=BootstrapError)
    with pytest.raises(PinError, match="cannot be split into words"):
        split_command("a 'b", error=PinError)


def test_it_stops_waiting_for_a_command_that_hangs() -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(30)"]
    shell = DjangoShell(argv, timeout=0.5, error=BootstrapError)
    with pytest.raises(BootstrapError, match=r"gave no answer within 0\.5s"):
        shell.run("pass", "M:", {})


def test_the_pinner_keeps_a_database_password_out_of_its_errors() -> None:
    script = "import sys; sys.exit('could not connect to postgresql://hc:s3cret@db:5432/hc')"
    with pytest.raises(PinError) as info:
        open_django_pinner(shlex.join([sys.executable, "-c", script]))
    assert str(info.value).endswith(
        "without an answer: could not connect to postgresql://hc:***@db:5432/hc"
    )
