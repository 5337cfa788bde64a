from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcctl.envfile import encode_value, lock_path, parse_env, read_env, update_env
from hcctl.errors import HcctlError, SpecError

SEED = (
    "# Check IDs (à conserver entre machines)\n"
    "HC_CHECK_API=0cab08fe-03f4-48c2-a927-90493fa0b2f2\n"
    "HC_CHECK_CELERY_BEAT=229acece-8847-4ed7-97f4-94c720651ed3\n"
    "\n"
    "HEALTHCHECKS_AUTO_PROVISION=true  # Active l'auto-provisioning (par défaut)\n"
)

NAMES = st.from_regex(r"\A[A-Z_][A-Z0-9_]{0,12}\Z")
VALUES = st.text(st.characters(codec="utf-8", exclude_characters="\0"))


def write(tmp_path: Path, text: str, name: str = ".env.healthchecks") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_it_reads_the_seed_format(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "# comment\r\n"
        "\r\n"
        "export A=1\r\n"
        "B = 'two # not a comment'  # a comment\r\n"
        'C="three \\"quoted\\"\\nline" # c\r\n'
        "D=four#five\r\n"
        "E=   # empty\r\n"
        "  F=six   \r\n"
        "G=",
    )
    assert read_env(path) == {
        "A": "1",
        "B": "two # not a comment",
        "C": 'three "quoted"\nline',
        "D": "four#five",
        "E": "",
        "F": "six",
        "G": "",
    }


def test_it_reads_a_missing_file_as_empty(tmp_path: Path) -> None:
    assert read_env(tmp_path / "absent") == {}


def test_it_lets_the_last_assignment_win(tmp_path: Path) -> None:
    assert read_env(write(tmp_path, "A=1\nA=2\n")) == {"A": "2"}


def test_it_reports_every_malformed_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'A=1\nnot an assignment\nB=\'open\nC="x" y\n')
    with pytest.raises(SpecError) as info:
        read_env(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:2: is not NAME=value",
        f"{path}:3: B: the single quote is never closed (values span one line)",
        f"{path}:4: C: unexpected text after the closing quote",
    ]


def test_it_reports_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "env"
    path.write_bytes(b"A=1\nB=\xff\n")
    with pytest.raises(SpecError) as info:
        read_env(path)
    assert str(info.value) == f"{path}:2: is not UTF-8 text (byte 0xff cannot be decoded)"


def test_it_updates_a_value_and_keeps_every_other_byte(tmp_path: Path) -> None:
    path = write(tmp_path, SEED)
    update_env(path, {"HC_CHECK_API": "11111111-1111-1111-1111-111111111111"})
    assert path.read_text() == SEED.replace(
        "0cab08fe-03f4-48c2-a927-90493fa0b2f2", "11111111-1111-1111-1111-111111111111"
    )


def test_it_keeps_quotes_prefix_comment_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "# x\r\nexport  A = 'old'   # keep me\r\nB=\"old\"\r\n")
    update_env(path, {"A": "new", "B": "new"})
    assert path.read_bytes() == b"# x\r\nexport  A = 'new'   # keep me\r\nB=\"new\"\r\n"


def test_it_fills_an_empty_value(tmp_path: Path) -> None:
    path = write(tmp_path, "HC_CHECK_API=  # no UUID yet\n")
    update_env(path, {"HC_CHECK_API": "abc"})
    assert path.read_text() == "HC_CHECK_API=abc  # no UUID yet\n"


def test_it_adds_check_variables_after_the_hc_check_block(tmp_path: Path) -> None:
    path = write(tmp_path, SEED)
    update_env(path, {"HC_CHECK_VAULT": "v", "OTHER": "o"})
    lines = path.read_text().splitlines()
    assert lines[3] == "HC_CHECK_VAULT=v"
    assert lines[-1] == "OTHER=o"
    assert read_env(path)["HC_CHECK_API"] == "0cab08fe-03f4-48c2-a927-90493fa0b2f2"


def test_it_copies_the_export_prefix_and_line_ending_of_the_block(tmp_path: Path) -> None:
    path = write(tmp_path, "export HC_CHECK_A=1\r\nexport HC_CHECK_B=2")
    update_env(path, {"HC_CHECK_C": "3"})
    assert (
        path.read_bytes()
        == b"export HC_CHECK_A=1\r\nexport HC_CHECK_B=2\r\nexport HC_CHECK_C=3\r\n"
    )


def test_it_appends_after_a_last_line_without_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1")
    update_env(path, {"B": "2"})
    assert path.read_text() == "A=1\nB=2\n"


def test_it_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / ".env.healthchecks"
    update_env(path, {"HC_CHECK_API": "x"})
    assert path.read_text() == "HC_CHECK_API=x\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_it_creates_a_local_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / ".env.healthchecks.local"
    update_env(path, {"HC_API_KEY": "secret"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_it_keeps_the_file_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1\n")
    path.chmod(0o640)
    update_env(path, {"A": "2"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert read_env(path) == {"A": "2"}


def test_it_writes_through_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path, "A=1\n", "real.env")
    link = tmp_path / ".env.healthchecks"
    link.symlink_to(real.name)
    update_env(link, {"A": "2"})
    assert link.is_symlink()
    assert real.read_text() == "A=2\n"


def test_it_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1\n")
    update_env(path, {"A": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, lock_path(path).name]


def test_it_names_the_lock_file_after_the_env_file() -> None:
    assert lock_path(Path("x/.env.healthchecks")) == Path("x/.env.healthchecks.lock")


def test_it_rejects_a_bad_variable_name_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1\n")
    with pytest.raises(SpecError) as info:
        update_env(path, {"NOT VALID": "x", "B": "a\0b"})
    assert [str(p) for p in info.value.problems] == [
        f"{path}: NOT VALID: is not a valid variable name (letters, digits, _)",
        f"{path}: B: a value cannot contain a NUL character",
    ]
    assert path.read_text() == "A=1\n"


def test_it_reports_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    path = tmp_path / "missing" / ".env.healthchecks"
    with pytest.raises(HcctlError, match=r"cannot be written: its folder does not exist"):
        update_env(path, {"A": "1"})


def test_it_refuses_to_rewrite_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / ".env.healthchecks"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(SpecError, match="is not UTF-8 text"):
        update_env(path, {"A": "1"})
    assert path.read_bytes() == b"\xff\xfe"


WRITER = """
import sys
import threading
from pathlib import Path
from hcctl.envfile import update_env
path, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(rounds):
    update_env(path, {name: str(i)})
"""


def test_it_lands_updates_of_concurrent_processes(tmp_path: Path) -> None:
    path = write(tmp_path, "# shared\n")
    names = [f"HC_CHECK_P{i}" for i in range(4)]
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "30"]) for name in names
    ]
    assert [proc.wait(timeout=60) for proc in procs] == [0, 0, 0, 0]
    assert read_env(path) == dict.fromkeys(names, "29")
    assert path.read_text().startswith("# shared\n")


@given(st.dictionaries(NAMES, VALUES, max_size=6))
def test_it_reads_back_written_values_unchanged(values: dict[str, str]) -> None:
    lines = parse_env("".join(f"{n}={encode_value(v)}\n" for n, v in values.items()))
    assert {line.name: line.value for line in lines} == values


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(NAMES, VALUES), min_size=1, max_size=6, unique_by=lambda t: t[0]),
    st.data(),
)
def test_it_changes_only_the_updated_line(
    tmp_path_factory: pytest.TempPathFactory,
    assignments: list[tuple[str, str]],
    data: st.DataObject,
) -> None:
    quotes = st.sampled_from(["", "'", '"'])
    endings = st.sampled_from(["\n", "\r\n"])
    lines = [
        f"{name}={encode_value(value, data.draw(quotes))}{data.draw(endings)}"
        for name, value in assignments
    ]
    lines.insert(data.draw(st.integers(0, len(lines))), "# a comment = not a value\n")
    path = tmp_path_factory.mktemp("env") / ".env"
    path.write_bytes("".join(lines).encode())
    index = data.draw(st.integers(0, len(assignments) - 1))
    name, new_value = assignments[index][0], data.draw(VALUES)

    update_env(path, {name: new_value})

    after = path.read_bytes().decode().split("\n")
    before = "".join(lines).split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) <= 1
    assert read_env(path) == {**dict(assignments), name: new_value}


def test_it_keeps_the_lock_apart_from_the_env_file(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1\n")
    update_env(path, {"A": "2"})
    assert lock_path(path).exists()
    assert os.path.getsize(lock_path(path)) == 0


def test_it_reads_and_keeps_a_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffHC_CHECK_API=1\n")
    assert read_env(path) == {"HC_CHECK_API": "1"}
    update_env(path, {"HC_CHECK_API": "2"})
    assert path.read_bytes() == "\ufeffHC_CHECK_API=2\n".encode()


def test_it_lands_updates_of_concurrent_threads(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    names = [f"HC_CHECK_T{i}" for i in range(4)]

    def writer(name: str) -> None:
        for i in range(20):
            update_env(path, {name: str(i)})

    threads = [threading.Thread(target=writer, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert read_env(path) == dict.fromkeys(names, "19")


def test_it_removes_what_a_writer_killed_mid_write_left(tmp_path: Path) -> None:
    path = write(tmp_path, "A=1\n")
    (tmp_path / f".{path.name}.k1ll3d.tmp").write_text("A=half")  # named as update_env names it
    kept = [tmp_path / f"{path.name}.local", tmp_path / "notes.tmp", tmp_path / ".other.x.tmp"]
    for other in kept:
        other.write_text("B=2\n")
    update_env(path, {"A": "2"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [path.name, lock_path(path).name, *(p.name for p in kept)]
    )
    assert read_env(path) == {"A": "2"}
