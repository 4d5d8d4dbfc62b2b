"""Where generated kernel modules live, and loading them so that only what derive wrote runs.

The cache directory is the first of ``$DERIVE_CACHE_DIR``, ``$XDG_CACHE_HOME/derive`` and
``~/.cache/derive`` (a HOME that is unset, empty or relative is skipped) that can be made and is
safe: owned by this user and writable by nobody else (group or others), itself and its ``kernels``
folder.  A candidate that is not safe is refused with a warning.  Past them, a folder of this user
in the temporary directory, under the same checks, and last a fresh private one (``mkdtemp``) that
lives as long as the process's use of it: never a shared directory unchecked.

Every module is written with a header line holding the SHA-256 of the rest of the file; the hash is
checked on the bytes that are then executed (read once, no window to swap the file in between).
A module whose hash is wrong, or that fails to run, is written again from its source, once, with a
warning; Numba's cache files for it go too.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
import traceback
import types
import warnings
from pathlib import Path

HEADER = "# derive-sha256: "


class UnsafeCacheWarning(UserWarning):
    """A cache directory derive will not use (owned by another user or writable by others)."""


class CacheRepairWarning(UserWarning):
    """A cached kernel module or Numba file that failed its check was written again."""


_private: dict[tuple, Path] = {}  # the private folder made for a set of candidates none of which would do


def cache_directory() -> Path:
    """The ``kernels`` folder of the first safe cache directory (see the module's text)."""
    home = os.environ.get("HOME", "")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    candidates = [os.environ.get("DERIVE_CACHE_DIR") or None,
                  os.path.join(xdg, "derive") if os.path.isabs(xdg) else None,
                  os.path.join(home, ".cache", "derive") if os.path.isabs(home) else None,
                  os.path.join(tempfile.gettempdir(), f"derive-{_uid()}")]
    for candidate in filter(None, candidates):
        folder = Path(candidate) / "kernels"
        try:
            for each in (folder.parent, folder):  # each its own 0700 (parents above them as the system makes them)
                each.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            continue
        if not (_is_safe(folder.parent) and _is_safe(folder)):
            warnings.warn(f"derive does not use the kernel cache {folder}: it must be owned by you and "
                          "writable by no one else", UnsafeCacheWarning, stacklevel=3)
            continue
        if _writable(folder):
            return folder
    key = tuple(candidates)
    if key not in _private or not _is_safe(_private[key]):
        _private[key] = Path(tempfile.mkdtemp(prefix="derive-kernels-"))  # private (0700), this process's own
    return _private[key]


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _is_safe(folder: Path) -> bool:
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


def _writable(folder: Path) -> bool:
    probe = folder / f".writable.{os.getpid()}"
    try:
        probe.write_text("ok")
        probe.unlink()
        return True
    except OSError:
        return False


def sealed(source: str) -> str:
    """``source`` with the header line that carries its hash."""
    return f"{HEADER}{hashlib.sha256(source.encode('utf-8')).hexdigest()}\n{source}"


def unsealed(text: str) -> str | None:
    """The source under a valid header, or ``None`` where the header is missing or the hash is wrong."""
    first, _, rest = text.partition("\n")
    if not first.startswith(HEADER):
        return None
    return rest if hashlib.sha256(rest.encode("utf-8")).hexdigest() == first[len(HEADER):].strip() else None


def write_module(path: Path, source: str) -> None:
    """Write atomically (another process never reads half a file), readable by this user only."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(sealed(source))
    os.replace(temporary, path)


def load_module(name: str, path: Path, make_source) -> types.ModuleType:
    """Import the module at ``path`` after checking its hash; where it is missing, write it from
    ``make_source()``; where it fails its check or to run, write it again once (with a warning)."""
    if name in sys.modules:
        return sys.modules[name]
    if not path.exists():
        write_module(path, make_source())
    try:
        return _execute(name, path)
    except Exception as problem:  # noqa: BLE001 - any failure of a cached file: regenerate it once
        warnings.warn(f"the cached kernel module {path.name} failed to load ({problem}); derive writes it again",
                      CacheRepairWarning, stacklevel=3)
        forget(name, path)
        write_module(path, make_source())
        return _execute(name, path)


def _execute(name: str, path: Path) -> types.ModuleType:
    with open(path, encoding="utf-8") as handle:
        source = unsealed(handle.read())
    if source is None:
        raise ImportError("its content does not match the hash it was written with")
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile("\n" + source, str(path), "exec"), module.__dict__)  # noqa: S102 - hash checked; line numbers as in the file
    except BaseException:
        del sys.modules[name]
        raise
    return module


def repairing(call, module: types.ModuleType):
    """``call()``; where Numba fails to read its cache files for ``module`` (truncated or corrupt:
    an unpickling error, say), remove them with a warning and call again (Numba compiles afresh)."""
    try:
        return call()
    except Exception as problem:  # noqa: BLE001 - only failures inside Numba's cache are handled
        if not any(frame.filename.replace("\\", "/").endswith("numba/core/caching.py")
                   for frame in traceback.extract_tb(problem.__traceback__)):
            raise
        warnings.warn(f"Numba's cache files for {Path(module.__file__).name} failed to load ({type(problem).__name__}: "
                      f"{problem}); derive removes them and compiles again", CacheRepairWarning, stacklevel=3)
        _forget_numba_files(module)
        return call()


def _forget_numba_files(module: types.ModuleType) -> None:
    import numba

    stem = Path(module.__file__).stem
    folders = {Path(getattr(value._cache, "_cache_path", "")) for value in vars(module).values()
               if isinstance(value, numba.core.dispatcher.Dispatcher) and hasattr(value, "_cache")}
    for folder in folders:
        for stale in folder.glob(f"{stem}.*.nb[ic]"):
            try:
                stale.unlink()
            except OSError:
                pass


def forget(name: str, path: Path) -> None:
    """Drop a module: from this process, its file and Numba's cache files for it."""
    sys.modules.pop(name, None)
    for stale in [path, *path.parent.glob(f"__pycache__/{path.stem}.*"), *path.parent.glob(f"{path.stem}.*.nb[ic]")]:
        try:
            stale.unlink()
        except OSError:
            pass
