"""Numba's cache, judged as derive's own before Numba reads from it.

Numba's cache files are pickles: loading one runs whatever it says.  Numba keeps them in
``NUMBA_CACHE_DIR`` where that is set (derive does not set it; it respects the user's, which
Numba reads into ``numba.config.CACHE_DIR``), else beside each module (for the generated kernels,
in derive's own judged cache folder).  A world-writable ``NUMBA_CACHE_DIR``, or one owned by
another user, would let someone else plant an index that derive's kernels then load; so before
any function is decorated with ``cache=True`` the directory is made where missing (0700) and
judged like derive's (:func:`.cache.is_safe`: a directory, not a link, owned by this user and
writable by nobody else).  An unsafe one is refused with an ``UnsafeCacheWarning`` and not used:
Numba is told it has none (its files then go beside the modules), and nothing is made in it.

The files Numba would read for a module are looked at too (:func:`vet_numba_files`): each must be
a regular file of bounded size (never a link out of the cache, a FIFO that would hang the load,
a device), and the in-tree ``__pycache__`` a real directory; anything else is removed (Numba then
compiles again) with a warning.
"""
from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

from .cache_entries import NUMBA_FILE_BYTES, UnsafeCacheWarning, is_safe, kind, refusal, remove_entry


def judge_numba_cache() -> None:
    """Refuse (with an ``UnsafeCacheWarning``) a Numba cache directory that is not safe, by telling
    Numba it has none; called before each generated module (and the runtime) is run, as the
    environment may have changed since Numba read it."""
    from numba.core import config

    config.reload_config()  # what the environment says now (a no-op where it did not change)
    if not config.CACHE_DIR:
        return
    folder = Path(config.CACHE_DIR).absolute()  # Numba takes a relative one from the working directory
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        pass
    if not os.path.lexists(folder):  # cannot be made: Numba could not use it either
        config.CACHE_DIR = ""
        return
    if not is_safe(folder):
        warnings.warn(f"derive does not use Numba's cache {folder} (NUMBA_CACHE_DIR): it must be a directory "
                      "(not a link) owned by you and writable by no one else; Numba caches the kernels beside "
                      "them instead", UnsafeCacheWarning, stacklevel=4)
        config.CACHE_DIR = ""


def numba_folders(module: Path) -> list[Path]:
    """Where Numba keeps the cache files of the functions of ``module``: ``NUMBA_CACHE_DIR``'s
    folder for the module's directory where that is set, and ``__pycache__`` beside the module."""
    from numba.core import caching, config

    folders = [module.parent / "__pycache__"]
    if config.CACHE_DIR:  # the subfolder Numba's locator of a user-provided directory names
        folders.insert(0, Path(config.CACHE_DIR) / caching._CacheLocator.get_suitable_cache_subpath(str(module)))
    return folders


def vet_numba_files(module: Path) -> list[str]:
    """Remove each of Numba's files for ``module`` that is not a regular file of bounded size (and a
    ``__pycache__`` that is not a real directory); what was removed, and why, one line each."""
    problems = []
    for folder in numba_folders(module):
        try:
            info = os.lstat(folder)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            remove_entry(folder)
            problems.append(f"Numba's cache folder {folder} is {kind(info.st_mode)}, not a directory; derive removes it")
            continue
        try:
            entries = [entry for entry in os.scandir(folder)
                       if entry.name.startswith(module.stem + ".") and entry.name.endswith((".nbi", ".nbc"))]
        except OSError:
            continue
        for entry in entries:
            why = refusal(Path(entry.path), NUMBA_FILE_BYTES)
            if why is not None:
                remove_entry(Path(entry.path))
                problems.append(f"Numba's cache file {entry.name} was refused ({why}); derive removes it and "
                                "Numba compiles again")
    return problems
