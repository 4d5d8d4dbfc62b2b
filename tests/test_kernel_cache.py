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
from derive.kernels.compiler import module_path
kernel = load("ce-softmax")
loss = kernel.loss(np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]]), np.array([2, 0]))
print(json.dumps({"loss": float(loss), "warnings": caught, "module": kernel._module.__file__,
                  "name": module_path("ce-softmax")[0]}))
"""
EXPECTED = 1.0744586305507686  # -(log softmax([1, 2, 3])_3 + log softmax([0.5, -1, 2])_1) / 2


def _run(env: dict, code: str = LOSS) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("DERIVE_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "TMPDIR")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
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
    assert text.startswith("# derive-sha256: ") and unsealed(text) is not None
    assert unsealed(text.replace("math.log1p", "math.log", 1)) is None  # one change and the hash fails
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
    from derive.kernels.compiler import engine_fingerprint
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
