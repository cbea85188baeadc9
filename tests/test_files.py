"""benchmark/files.py: every writer's safe write."""

from __future__ import annotations

import os

import pytest

from benchmark.files import atomic_open, write_bytes_atomic, write_json_atomic, write_text_atomic


@pytest.fixture()
def umask():
    def set_to(mask: int) -> None:
        os.umask(mask)

    previous = os.umask(0o022)
    yield set_to
    os.umask(previous)


def mode(path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o002])
def test_a_new_file_gets_0666_under_the_umask(tmp_path, umask, mask):
    umask(mask)
    write_text_atomic(tmp_path / "a.txt", "a")
    write_bytes_atomic(tmp_path / "b.bin", b"b")
    write_json_atomic(tmp_path / "sub" / "c.json", {"c": 1})
    assert [mode(tmp_path / n) for n in ("a.txt", "b.bin", "sub/c.json")] == [0o666 & ~mask] * 3


def test_a_replaced_file_keeps_its_mode_and_gets_the_new_content(tmp_path, umask):
    umask(0o077)
    target = tmp_path / "shared.csv"
    target.write_text("old")
    target.chmod(0o664)
    write_text_atomic(target, "new")
    assert (target.read_text(), mode(target)) == ("new", 0o664)
    target.chmod(0o600)
    write_bytes_atomic(target, b"newer")
    assert (target.read_bytes(), mode(target)) == (b"newer", 0o600)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "leaderboard.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("killed half-way")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaderboard.csv"]


def test_text_is_written_as_given(tmp_path):
    write_text_atomic(tmp_path / "crlf.txt", "a\r\nb\n")
    assert (tmp_path / "crlf.txt").read_bytes() == b"a\r\nb\n"
    write_json_atomic(tmp_path / "u.json", {"name": "Ünïcode"})
    assert (tmp_path / "u.json").read_text(encoding="utf-8") == '{\n  "name": "Ünïcode"\n}\n'
