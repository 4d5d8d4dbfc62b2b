"""Reading an entry of the kernel cache as what it must be: a regular file of bounded size.

A cache entry replaced by something else must not hang, exhaust memory or read outside the cache:
a symbolic link to ``/dev/zero`` read 1.6 GB, a FIFO blocked forever, a directory raised
``IsADirectoryError``.  So an entry is looked at with ``lstat`` (a link is an entry of its own,
never followed), opened with ``O_NOFOLLOW | O_NONBLOCK`` where the system has them (no link is
followed between the look and the open, and opening a FIFO or a device never waits), checked
again on the open descriptor (``fstat``: the same regular file, no larger than the bound), and
read to at most the bound.  Anything else is :class:`RefusedEntry`, which the cache answers by
removing the entry and writing it again (:mod:`.cache`).  A cache folder, derive's own or
Numba's, is used only where :func:`is_safe` (else :class:`UnsafeCacheWarning`).
"""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

MODULE_BYTES = 8 << 20  # a generated module: the largest built-in is 18 kB, a user's loss is bounded by derive.input_limits
NUMBA_FILE_BYTES = 64 << 20  # one of Numba's index or data files for a module (130 kB each today)
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class RefusedEntry(OSError):
    """A cache entry that is not a regular file of at most the bound: named with what it is."""


def kind(mode: int) -> str:
    """What a file of ``mode`` is, in words."""
    for test, words in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def check(info: os.stat_result, limit: int) -> None:
    """Refuse what is not a regular file of at most ``limit`` bytes."""
    if not stat.S_ISREG(info.st_mode):
        raise RefusedEntry(f"it is {kind(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        raise RefusedEntry(f"it holds {info.st_size} bytes, more than the {limit} a cache entry may")


def read_entry(path: Path, limit: int = MODULE_BYTES) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them, else :class:`RefusedEntry`
    (``FileNotFoundError`` where there is nothing)."""
    before = os.lstat(path)
    check(before, limit)
    descriptor = os.open(path, _FLAGS)
    try:
        info = os.fstat(descriptor)
        check(info, limit)
        if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
            raise RefusedEntry("it was replaced while it was opened")
        chunks, left = [], limit + 1  # one byte past the bound tells a file that grew since fstat
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise RefusedEntry(f"it grew past the {limit} bytes a cache entry may hold while it was read")
    return data


def remove_entry(path: Path) -> None:
    """Remove whatever is at ``path`` (a link itself, not what it points to; a directory with its
    content); nothing where nothing is there or it cannot be removed."""
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def refusal(path: Path, limit: int) -> str | None:
    """Why the entry at ``path`` would be refused (``lstat`` only, nothing opened), or ``None``
    where it is a regular file within the bound or there is nothing."""
    try:
        check(os.lstat(path), limit)
    except FileNotFoundError:
        return None
    except OSError as problem:
        return str(problem)
    return None


class UnsafeCacheWarning(UserWarning):
    """A cache directory derive will not use, its own or Numba's (not a directory, a link, owned by
    another user or writable by others)."""


def is_safe(folder: Path) -> bool:
    """Owned by this user, writable by nobody else, and a real directory (not a link to one)."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
