"""The kernel cache executes only what derive wrote: directories owned by others or writable by
others are refused, every module's hash is checked before it runs, a truncated or emptied module
and corrupt Numba files are repaired once with a warning, and the runtime imports where Numba has
no place for its cache.  Each case runs in a fresh process with its own environment."""
import json
import os
import stat
import subprocess
import sys

import pytest

from tools import ROOT

LOSS = """
import json, sys, warnings
import numpy as np
warnings.simplefilter("always")
caught = []
warnings.showwarning = lambda message, category, *rest: caught.append(category.__name__ + ": " + str(message))
from derive.kernels import load
from derive.kernels.generated import module_path
kernel = load("ce-softmax")
loss = kernel.loss(np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]), np.array([2, 0]))
print(json.dumps({"loss": float(loss), "warnings": caught, "module": kernel._module.__file__,
                  "name": module_path("ce-softmax")[0]}))
"""
EXPECTED = 1.0744586305507686  # -(log softmax([1, 2, 3])_3 + log softmax([0.5, -1, 2])_1) / 2


def _run(env: dict, code: str = LOSS, timeout: int = 600) -> dict:
    base = {k: v for k, v in os.environ.items()
            if k not in ("DERIVE_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "TMPDIR", "NUMBA_CACHE_DIR")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env={**base, "PYTHONPATH": str(ROOT), **env})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A cache with the ce-softmax kernel generated and compiled in it."""
    folder = tmp_path_factory.mktemp("cache")
    first = _run({"DERIVE_CACHE_DIR": str(folder)})
    assert first["loss"] == pytest.approx(EXPECTED, rel=1e-12) and not first["warnings"]
    return folder


def test_modules_carry_the_hash_of_their_content(cache):
    from derive.kernels.cache import unsealed

    modules = list((cache / "kernels").glob("derive_kernel_ce_softmax_*.py"))
    assert len(modules) == 1
    text = modules[0].read_text(encoding="utf-8")
    assert text.startswith("# derive-sha256: ") and unsealed(text, modules[0].stem) is not None
    assert unsealed(text.replace("math.log1p", "math.log", 1), modules[0].stem) is None  # one change and the hash fails
    assert unsealed(text, modules[0].stem.replace("ce_softmax", "ce")) is None  # nor does it pass as another kernel's
    assert stat.S_IMODE(os.stat(cache / "kernels").st_mode) & 0o022 == 0


@pytest.mark.parametrize("damage", ["truncated", "emptied", "edited"])
def test_a_damaged_module_is_written_again_once_with_a_warning(cache, damage):
    module = next((cache / "kernels").glob("derive_kernel_ce_softmax_*.py"))
    text = module.read_text(encoding="utf-8")
    # Half a module is valid Python that would silently drop the gradient's -t term.
    module.write_text({"truncated": text[:len(text) // 2], "emptied": "",
                       "edited": text.replace("def loss_labels(", "def loss_labels_planted(", 1) +
                       "\ndef loss_labels(X, T, out):\n    out[:] = 0.0\n"}[damage], encoding="utf-8")
    repaired = _run({"DERIVE_CACHE_DIR": str(cache)})
    assert repaired["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert len(repaired["warnings"]) == 1 and "CacheRepairWarning" in repaired["warnings"][0]
    assert module.read_text(encoding="utf-8") == text  # written again as derive generates it
    assert not _run({"DERIVE_CACHE_DIR": str(cache)})["warnings"]  # and quiet from then on


@pytest.mark.parametrize("damage", ["index", "data"])
def test_corrupt_numba_files_are_removed_and_compiled_again(cache, damage):
    compiled = list((cache / "kernels" / "__pycache__").glob("derive_kernel_ce_softmax_*." + {"index": "nbi", "data": "nbc"}[damage]))
    assert compiled, "Numba wrote no cache files next to the module"
    for path in compiled:
        path.write_bytes(path.read_bytes()[:20] if damage == "index" else b"garbage\n")
    repaired = _run({"DERIVE_CACHE_DIR": str(cache)})
    assert repaired["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert any("Numba's cache files" in w for w in repaired["warnings"]), repaired["warnings"]
    assert not _run({"DERIVE_CACHE_DIR": str(cache)})["warnings"]


@pytest.mark.parametrize("unsafe", ["writable by others", "owned by another user"])
def test_a_planted_module_in_an_unsafe_directory_never_runs(tmp_path, unsafe):
    """No DERIVE_CACHE_DIR, no usable HOME: derive would fall back to $TMPDIR/derive-<uid>.  Someone
    else made that directory first and planted a module under the exact name derive computes (the
    engine's fingerprint is public); derive must refuse the directory and never import the plant."""
    temporary = tmp_path / "tmp"
    planted = temporary / f"derive-{os.getuid()}" / "kernels"
    planted.mkdir(parents=True)
    from derive.kernels.cache import sealed
    from derive.kernels.generated import engine_fingerprint
    name = f"derive_kernel_ce_softmax_{engine_fingerprint()}"  # what module_path("ce-softmax") names
    (planted / f"{name}.py").write_text(sealed("import numpy as np\nloss_labels = lambda X, T, out: out.fill(0.0)\n"
                                               "PLANTED = True\n"), encoding="utf-8")
    for folder in (planted.parent, planted):
        if unsafe == "writable by others":
            os.chmod(folder, 0o777)
        else:
            os.chown(folder, 65534, 65534) if os.getuid() == 0 else pytest.skip("chown needs root")
    result = _run({"HOME": "", "TMPDIR": str(temporary)})
    assert result["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert any("UnsafeCacheWarning" in w for w in result["warnings"])
    assert not result["module"].startswith(str(planted))


def test_xdg_cache_home_is_honoured_and_an_empty_home_is_not_the_root(tmp_path):
    result = _run({"HOME": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert result["module"].startswith(str(tmp_path / "xdg" / "derive" / "kernels"))
    result = _run({"HOME": "", "TMPDIR": str(tmp_path)})
    assert result["module"].startswith(str(tmp_path / f"derive-{os.getuid()}"))


def test_the_runtime_compiles_without_a_cache_where_numba_has_no_place_for_one():
    """Numba raises "no locator available" at decoration when it can write its cache nowhere (an
    unwritable package folder and HOME): the runtime's functions then compile in each process."""
    code = """
import json, numba
real = numba.njit
def refusing(*args, **options):
    if options.get("cache"):
        raise RuntimeError("cannot cache function 'exp_nonpositive': no locator available for file 'runtime.py'")
    return real(*args, **options)
numba.njit = refusing
from derive.kernels import runtime
numba.njit = real
print(json.dumps({"loss": runtime.exp_nonpositive(-1.0), "warnings": [], "module": "", "name": ""}))
"""
    result = _run({}, code)
    assert result["loss"] == pytest.approx(0.36787944117144233, rel=1e-15)


# ----- cache entries that are not regular files of bounded size (issue 28) ----------------------
def _plant(module, entry: str, tmp_path) -> None:
    """Replace the cached module by ``entry``: each a way a hostile or broken cache once made the
    loader read gigabytes (a link to /dev/zero), hang (a FIFO), crash (a directory) or run code
    from outside the cache (a link to a planted module)."""
    module.unlink()
    if entry == "link to /dev/zero":
        module.symlink_to("/dev/zero")
    elif entry == "link out of the cache":
        from derive.kernels.cache import sealed
        outside = tmp_path / "outside.py"
        outside.write_text(sealed("import numpy as np\nCATEGORICAL, VARIABLE, KINDS, CLASSES = True, 'z', ('labels',), None\n"
                                  "def loss_labels(X, T, out):\n    out[:] = 0.0\n"), encoding="utf-8")
        module.symlink_to(outside)
    elif entry == "FIFO":
        os.mkfifo(module)
    elif entry == "directory":
        (module / "inside").mkdir(parents=True)
        (module / "inside" / "file").write_text("x")
    elif entry == "device":
        try:
            os.mknod(module, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # what /dev/zero is
        except (PermissionError, AttributeError):
            pytest.skip("making a device node needs root")
    elif entry == "oversized":
        from derive.kernels.cache_entries import MODULE_BYTES
        module.write_bytes(b"#" * (MODULE_BYTES + 1))


ENTRIES = ["link to /dev/zero", "link out of the cache", "FIFO", "directory", "device", "oversized"]


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_module_that_is_no_regular_file_is_refused_and_written_again(cache, tmp_path, entry):
    module = next((cache / "kernels").glob("derive_kernel_ce_softmax_*.py"))
    text = module.read_text(encoding="utf-8")
    _plant(module, entry, tmp_path)
    repaired = _run({"DERIVE_CACHE_DIR": str(cache)}, timeout=120)  # a FIFO read would block: the timeout fails it
    assert repaired["loss"] == pytest.approx(EXPECTED, rel=1e-12)  # the planted module (loss 0) never ran
    assert len(repaired["warnings"]) == 1 and "CacheRepairWarning" in repaired["warnings"][0]
    what = {"link to /dev/zero": "symbolic link", "link out of the cache": "symbolic link", "FIFO": "FIFO",
            "directory": "directory", "device": "character device", "oversized": "bytes, more than"}[entry]
    assert what in repaired["warnings"][0], repaired["warnings"]
    assert stat.S_ISREG(os.lstat(module).st_mode) and module.read_text(encoding="utf-8") == text
    if entry == "link out of the cache":
        assert "out[:] = 0.0" in (tmp_path / "outside.py").read_text(encoding="utf-8")  # not written through
    assert not _run({"DERIVE_CACHE_DIR": str(cache)})["warnings"]


def test_an_entry_is_read_to_its_bound_and_no_further(tmp_path, monkeypatch):
    """A regular file larger than the bound is refused from its size before a byte is read; one
    that grows past the bound after it was measured is read to one byte past it, then refused."""
    from derive.kernels import cache_entries
    from derive.kernels.cache_entries import RefusedEntry, read_entry

    read = []
    real_read = os.read
    monkeypatch.setattr(cache_entries.os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(RefusedEntry, match="5000 bytes, more than the 1000"):
        read_entry(big, 1000)
    assert read == []
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    with pytest.raises(RefusedEntry, match="symbolic link"):
        read_entry(zero, 1000)
    assert read == []
    real_lstat, real_fstat = os.lstat, os.fstat
    measured = lambda info: os.stat_result((*info[:6], 1000, *info[7:]))  # noqa: E731 - as if 1000 bytes long
    monkeypatch.setattr(cache_entries.os, "lstat", lambda path: measured(real_lstat(path)))
    monkeypatch.setattr(cache_entries.os, "fstat", lambda descriptor: measured(real_fstat(descriptor)))
    with pytest.raises(RefusedEntry, match="grew past the 1000 bytes"):
        read_entry(big, 1000)
    assert 1000 < sum(read) <= 1001  # one byte past the bound tells that it grew; no more is read


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    import threading

    from derive.kernels.cache_entries import RefusedEntry, read_entry

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome = []

    def read():
        try:
            read_entry(fifo)
        except RefusedEntry as refused:
            outcome.append(str(refused))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert outcome and "FIFO" in outcome[0]


# ----- Numba's cache directory, judged like derive's own (issue 28) -----------------------------
def _unsafe(folder, how: str) -> None:
    if how == "writable by others":
        os.chmod(folder, 0o777)
    elif how == "owned by another user":
        os.chown(folder, 65534, 65534) if os.getuid() == 0 else pytest.skip("chown needs root")


@pytest.mark.parametrize("how", ["writable by others", "owned by another user", "a link"])
def test_an_unsafe_numba_cache_dir_is_refused_and_nothing_is_made_in_it(cache, tmp_path, how):
    numba_cache = tmp_path / "numba"
    numba_cache.mkdir(mode=0o700)
    if how == "a link":  # to a directory that would itself pass: the link is what is refused
        numba_cache.rename(tmp_path / "real")
        numba_cache.symlink_to(tmp_path / "real")
    else:
        _unsafe(numba_cache, how)
    result = _run({"DERIVE_CACHE_DIR": str(cache), "NUMBA_CACHE_DIR": str(numba_cache)})
    assert result["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert len(result["warnings"]) == 1 and "UnsafeCacheWarning" in result["warnings"][0]
    assert "NUMBA_CACHE_DIR" in result["warnings"][0]
    assert os.listdir(numba_cache) == []


def test_an_index_planted_in_a_world_writable_numba_cache_dir_never_loads(cache, tmp_path):
    """Numba's index files are pickles: loading one runs what it says.  Another user plants one, at
    the very name Numba would read for the kernel, in a NUMBA_CACHE_DIR anyone may write; loading
    it would make the folder ``ran``.  derive refuses the directory, so Numba never looks there."""
    import pickle

    from numba.core.caching import _CacheLocator

    module = next((cache / "kernels").glob("derive_kernel_ce_softmax_*.py"))
    lines = module.read_text(encoding="utf-8").splitlines()
    decorator = lines.index(next(line for line in lines if line.startswith("def loss_labels(")))  # its 1-based line
    numba_cache = tmp_path / "numba"
    folder = numba_cache / _CacheLocator.get_suitable_cache_subpath(str(module))
    folder.mkdir(parents=True)
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return os.mkdir, (str(marker),)
    index = folder / f"{module.stem}.loss_labels-{decorator}.py{sys.version_info[0]}{sys.version_info[1]}.nbi"
    index.write_bytes(pickle.dumps(Payload()))
    for each in (numba_cache, folder):
        os.chmod(each, 0o777)
    result = _run({"DERIVE_CACHE_DIR": str(cache), "NUMBA_CACHE_DIR": str(numba_cache)})
    assert result["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert any("UnsafeCacheWarning" in w for w in result["warnings"])
    assert not marker.exists()
    assert sorted(os.listdir(folder)) == [index.name]  # Numba wrote nothing there either


def test_a_safe_numba_cache_dir_is_made_private_and_used(cache, tmp_path):
    numba_cache = tmp_path / "numba"  # missing: derive makes it, 0700, before Numba does
    result = _run({"DERIVE_CACHE_DIR": str(cache), "NUMBA_CACHE_DIR": str(numba_cache)})
    assert result["loss"] == pytest.approx(EXPECTED, rel=1e-12) and not result["warnings"]
    assert stat.S_IMODE(os.stat(numba_cache).st_mode) == 0o700
    assert list(numba_cache.rglob("derive_kernel_ce_softmax_*.nbi"))  # Numba's index went there


@pytest.mark.parametrize("entry", ["index a FIFO", "__pycache__ a link out of the cache"])
def test_numba_files_that_are_no_regular_files_are_removed(cache, tmp_path, entry):
    pycache = cache / "kernels" / "__pycache__"
    _run({"DERIVE_CACHE_DIR": str(cache)})  # Numba's files in place
    if entry == "index a FIFO":
        index = next(pycache.glob("derive_kernel_ce_softmax_*.loss_labels-*.nbi"))
        index.unlink()
        os.mkfifo(index)
    else:
        (tmp_path / "elsewhere").mkdir()
        for each in pycache.iterdir():
            each.rename(tmp_path / "elsewhere" / each.name)
        pycache.rmdir()
        pycache.symlink_to(tmp_path / "elsewhere")
    repaired = _run({"DERIVE_CACHE_DIR": str(cache)}, timeout=120)  # Numba reading the FIFO would block
    assert repaired["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert any("CacheRepairWarning" in w and "Numba's cache" in w for w in repaired["warnings"]), repaired["warnings"]
    assert stat.S_ISDIR(os.lstat(pycache).st_mode)
    assert all(stat.S_ISREG(os.lstat(each).st_mode) for each in pycache.iterdir())
    assert not _run({"DERIVE_CACHE_DIR": str(cache)})["warnings"]


@pytest.mark.parametrize("how", ["writable by others", "owned by another user"])
def test_a_refused_cache_directory_gets_no_kernels_folder(tmp_path, how):
    refused = tmp_path / "refused"
    refused.mkdir(mode=0o700)
    _unsafe(refused, how)
    result = _run({"DERIVE_CACHE_DIR": str(refused), "HOME": "", "TMPDIR": str(tmp_path / "tmp")})
    assert result["loss"] == pytest.approx(EXPECTED, rel=1e-12)
    assert any("UnsafeCacheWarning" in w and str(refused) in w for w in result["warnings"])
    assert os.listdir(refused) == []  # judged before anything was made in it
    assert not result["module"].startswith(str(refused))
