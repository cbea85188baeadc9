"""Writing files safely: every writer of the benchmark goes through here.

A file is written to a temporary file in its own folder, flushed to disk
(``fsync``) and renamed over the target (``os.replace``), so that a reader
sees the old file or the new one, never a part of it, and a crash leaves one
of the two.  A file that is replaced keeps its permission bits (a results
folder shared by a team stays readable); a new file gets ``0o666`` less the
process's umask, as ``open()`` would give it (``mkstemp`` alone gives 0600).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Callable, Iterator


def _umask() -> int:
    """The process's umask.  Read from /proc where there is one: setting the
    umask to read it back would, for an instant, apply to files that other
    threads create.  Elsewhere it is set to 0o077 for that instant, which can
    only make such files more private, never world-writable."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The permission bits the written file gets: those of the file it
    replaces, else 0o666 under the umask."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def fsync_folder(folder: str | os.PathLike) -> None:
    """Make a rename in ``folder`` durable; not every platform can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = "") -> Iterator[IO[Any]]:
    """An open file whose content replaces ``path`` when the block ends
    without an exception; on an exception ``path`` is left as it was and the
    temporary file is removed.  ``mode`` is ``"w"`` or ``"wb"``."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode 'w' or 'wb', not {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _mode_for(target))
        if mode == "wb":
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    fsync_folder(target.parent)


def write_text_atomic(path: str | os.PathLike, text: str, *, newline: str | None = "", before_write: Callable[[IO[str]], None] | None = None) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see the module's
    docstring); ``newline=""`` writes line ends as given.  ``before_write``
    is called with the open temporary file first (tests use it to stop a
    writer half-way).  Returns the path."""
    with atomic_open(path, "w", newline=newline) as fh:
        if before_write is not None:
            before_write(fh)
        fh.write(text)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb", encoding=None, newline=None) as fh:
        fh.write(data)
    return Path(path)


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented UTF-8 JSON with a final newline, atomically
    (the text of :func:`indented_json`)."""
    return write_text_atomic(path, indented_json(obj) + "\n")


def indented_json(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)``, to the byte, fast.

    With an indent the standard library encodes in Python (its C encoder
    only writes compact JSON): a run record of a large gold set takes a
    second or more.  orjson writes the same layout with ``OPT_INDENT_2``;
    it can differ only in how a value is spelt (a float such as ``1e-05``,
    NaN written as null, a key that is not a string, a type it refuses).
    So the two compact encodings are compared first, the standard
    library's by its C encoder: when they are equal, every value is spelt
    the same, and orjson's indented text is the standard library's; else
    (or when orjson refuses the object) the standard library writes it."""
    import orjson

    try:
        compact = orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    if compact.decode("utf-8") != json.dumps(obj, ensure_ascii=False, separators=(",", ":")):
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode("utf-8")
