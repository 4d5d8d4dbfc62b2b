"""Where generated kernel modules live, and loading them so that only what derive wrote runs.

The cache directory is the first of ``$DERIVE_CACHE_DIR``, ``$XDG_CACHE_HOME/derive`` and
``~/.cache/derive`` (a HOME that is unset, empty or relative is skipped) that can be made and is
safe: owned by this user and writable by nobody else (group or others), itself and its ``kernels``
folder.  A candidate that is not safe is refused with a warning.  Past them, a folder of this user
in the temporary directory, under the same checks, and last a fresh private one (``mkdtemp``) that
lives as long as the process's use of it: never a shared directory unchecked.

A directory is judged before anything is made in it: the candidate first, and only a safe one gets
its ``kernels`` folder.  Numba's own cache directory is judged the same way (:mod:`.numba_cache`).

Every module is written with a header line holding the SHA-256 of its name and the rest of the
file (a module copied under another kernel's name fails it); the hash is checked on the bytes that
are then executed (read once, no window to swap the file in between).
Every entry is read as a regular file of bounded size (:mod:`.cache_entries`: never a link, a FIFO,
a device or a directory).  A module whose hash is wrong, that is no such file, or that fails to run
is written again from its source, once, with a warning; Numba's cache files for it go too.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import traceback
import types
import warnings
from pathlib import Path

from .cache_entries import UnsafeCacheWarning, is_safe, read_entry, remove_entry
from .numba_cache import judge_numba_cache, vet_numba_files

HEADER = "# derive-sha256: "
TEXT = "__derive_text__"  # a loaded module's attribute: the text that was checked and run


def text_of(module: types.ModuleType) -> str:
    """The text of a module loaded from the cache, as it was checked and run (the file is never
    read a second time: it could have changed since)."""
    return getattr(module, TEXT)


class CacheRepairWarning(UserWarning):
    """A cached kernel module or Numba file that failed its check (or was no regular file of
    bounded size) was written again."""


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
        folder = _safe_child(Path(candidate), "kernels")
        if folder is not None and _writable(folder):
            return folder
    key = tuple(candidates)
    if key not in _private or not is_safe(_private[key]):
        _private[key] = Path(tempfile.mkdtemp(prefix="derive-kernels-"))  # private (0700), this process's own
    return _private[key]


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else "user"


def _safe_child(parent: Path, name: str) -> Path | None:
    """``parent / name``, each made 0700 where missing (the parent's own parents as the system
    makes them) and each judged safe before anything is made inside it; ``None`` (with an
    ``UnsafeCacheWarning`` for an unsafe one) where either cannot be made or is not safe."""
    for folder in (parent, parent / name):
        try:
            folder.mkdir(mode=0o700, parents=folder == parent, exist_ok=True)
        except OSError:
            return None
        if not is_safe(folder):
            warnings.warn(f"derive does not use the kernel cache {folder}: it must be a directory (not a link) "
                          "owned by you and writable by no one else", UnsafeCacheWarning, stacklevel=4)
            return None
    return parent / name


def _writable(folder: Path) -> bool:
    probe = folder / f".writable.{os.getpid()}"
    remove_entry(probe)
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))
        probe.unlink()
        return True
    except OSError:
        return False


def _digest(name: str, source: str) -> str:
    return hashlib.sha256(f"{name}\n{source}".encode("utf-8")).hexdigest()


def sealed(source: str, name: str = "") -> str:
    """``source`` with the header line that carries its hash: of the module's ``name`` (its file's
    stem) and its source, so a kernel's module copied under another kernel's name fails the check
    (bce-sigmoid's logits kernel loaded as bce computed BCE of logits on probabilities, silently)."""
    return f"{HEADER}{_digest(name, source)}\n{source}"


def unsealed(text: str, name: str = "") -> str | None:
    """The source under a valid header for the module ``name``, or ``None`` where the header is
    missing or the hash is wrong."""
    first, _, rest = text.partition("\n")
    if not first.startswith(HEADER):
        return None
    return rest if _digest(name, rest) == first[len(HEADER):].strip() else None


def write_module(path: Path, source: str) -> None:
    """Write atomically (another process never reads half a file), readable by this user only,
    into a new file (whatever a stale temporary name holds, a link included, is removed first and
    never written through)."""
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    remove_entry(temporary)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(sealed(source, path.stem))
    os.replace(temporary, path)


def load_module(name: str, path: Path, make_source) -> types.ModuleType:
    """Import the module at ``path`` after checking its hash; where it is missing, write it from
    ``make_source()``; where it is no regular file of bounded size, fails its check or fails to run,
    write it again once (with a warning).  Numba's cache directory and its files for the module
    are judged first (:mod:`.numba_cache`)."""
    if name in sys.modules:
        return sys.modules[name]
    judge_numba_cache()  # before the module's decorators give Numba a place for its cache
    if not os.path.lexists(path):  # a link, even one to nothing, is an entry: judged below
        write_module(path, make_source())
    for problem in vet_numba_files(path):
        warnings.warn(problem, CacheRepairWarning, stacklevel=3)
    try:
        return _execute(name, path)
    except Exception as problem:  # noqa: BLE001 - any failure of a cached file: regenerate it once
        warnings.warn(f"the cached kernel module {path.name} failed to load ({problem}); derive writes it again",
                      CacheRepairWarning, stacklevel=3)
        forget(name, path)
        write_module(path, make_source())
        return _execute(name, path)


def _execute(name: str, path: Path) -> types.ModuleType:
    text = read_entry(path).decode("utf-8")
    source = unsealed(text, path.stem)
    if source is None:
        raise ImportError(f"its content does not match the hash it was written with for {path.stem}")
    module = types.ModuleType(name)
    module.__file__ = str(path)
    setattr(module, TEXT, text)
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
        assert module.__file__ is not None  # for mypy: a module loaded from its file
        warnings.warn(f"Numba's cache files for {Path(module.__file__).name} failed to load ({type(problem).__name__}: "
                      f"{problem}); derive removes them and compiles again", CacheRepairWarning, stacklevel=3)
        _forget_numba_files(module)
        return call()


def _forget_numba_files(module: types.ModuleType) -> None:
    import numba

    assert module.__file__ is not None  # for mypy: a module loaded from its file
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
        remove_entry(stale)
