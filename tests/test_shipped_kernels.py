"""The built-in kernels shipped in the package (derive/kernels/shipped.py): the data is what the engine
derives now, a kind of target runs from it only after derive_checker has re-checked its certificates
in this process, and an edited certificate is refused."""
import copy
import gzip
import json
import sys

import numpy as np
import pytest

from derive.errors import VerificationError
from derive.kernels import shipped, shipped_build


@pytest.mark.parametrize("name", shipped.SHIPPED)
def test_the_shipped_data_is_what_the_engine_derives_now(name):
    """Stale data fails here: run ``refresh_shipped_kernels()`` and commit what it writes."""
    now = json.loads(json.dumps(shipped_build.bundle(name), ensure_ascii=False))
    assert now["source"] == shipped.read(name)["source"]
    assert shipped.read(name) == now, \
        f"derive/kernels/shipped_data/{name}.json.gz is stale: python -c 'from derive.kernels.shipped_build import " \
        "refresh_shipped_kernels; refresh_shipped_kernels()'"


def test_each_shipped_built_in_compiles_to_row_kernels_and_has_its_data():
    """The shipped names are built-ins whose kernel is a row kernel (the only kind that reads them), each
    with its data and no data for another name.  (That no other built-in compiles to row kernels is
    benchmarks/RESULTS.md's count, issue 31: ten of them.)"""
    import derive
    from derive.kernels.compiler import Kernel

    for name in shipped.SHIPPED:
        assert isinstance(derive.get(name).compile(), Kernel), name
    assert {path.name for path in shipped.FOLDER.iterdir()} == {f"{name}.json.gz" for name in shipped.SHIPPED}


def _with_data(tmp_path, monkeypatch, name, edit=None):
    """``name``'s shipped data (edited by ``edit``) in a folder of its own, nothing re-checked yet."""
    data = copy.deepcopy(shipped.read(name))
    if edit is not None:
        edit(data)
    (tmp_path / "shipped").mkdir()
    (tmp_path / "shipped" / f"{name}.json.gz").write_bytes(gzip.compress(json.dumps(data).encode()))
    monkeypatch.setattr(shipped, "FOLDER", tmp_path / "shipped")
    monkeypatch.setattr(shipped, "_CHECKED", set())


def _last_rhs(document):
    return document["steps"][-1]["rhs"]


def test_an_edited_stable_form_is_refused(tmp_path, monkeypatch):
    from derive_checker.certificate import DONE

    def edit(data):  # the stable loss of integer labels now ends one step further from the truth
        last = data["kinds"]["targets"][0]["steps"][-1]
        last["rhs"] = ["Mul", ["Integer", "2"], last["rhs"]]

    _with_data(tmp_path, monkeypatch, "bce", edit)
    monkeypatch.setattr("derive_checker.certificate.DONE", dict(DONE))
    with pytest.raises(VerificationError, match="bce"):
        shipped.recheck("bce", "targets")
    assert ("bce", "targets", 0) not in shipped._CHECKED


def test_an_unknown_kind_or_kernel_is_refused_not_trusted(tmp_path, monkeypatch):
    _with_data(tmp_path, monkeypatch, "bce")
    with pytest.raises(VerificationError, match="labels"):
        shipped.recheck("bce", "labels")
    assert shipped.read("ce-weighted") is None and shipped.source("ce-weighted") is None


def test_data_made_from_other_rules_or_switched_off_is_not_used(tmp_path, monkeypatch):
    """As for the shipped derivations: data whose rules fingerprint is not the rules in use, or with
    DERIVE_SHIPPED=0, is not read at all (the engine derives and generates the module as before)
    rather than refused at the first call."""
    from derive import shipped_rules

    _with_data(tmp_path, monkeypatch, "bce")
    assert shipped.read("bce") is not None and shipped.source("bce") is not None
    monkeypatch.setenv("DERIVE_SHIPPED", "0")
    assert shipped.read("bce") is None and shipped.source("bce") is None
    monkeypatch.delenv("DERIVE_SHIPPED")
    monkeypatch.setattr(shipped_rules, "fingerprint", lambda version=1: "rules edited since")
    assert shipped.read("bce") is None and shipped.source("bce") is None


def test_a_shipped_kernel_re_checks_only_what_a_call_runs_and_refuses_an_edited_form(tmp_path, monkeypatch):
    """From an empty cache the module comes from the shipped source; its kind of target runs only once
    the checker has re-checked what the call runs (the loss's form, and the gradient's where it computes one),
    and a form whose certificate was edited refuses the calls that need it."""
    from derive.kernels.compiler import load
    from derive.kernels.generated import module_path

    def edit(data):  # the target probabilities' stable gradient edited; the labels' left as shipped
        document = data["kinds"]["targets"][1]
        document["steps"][-1]["rhs"] = ["Mul", ["Integer", "2"], _last_rhs(document)]

    _with_data(tmp_path, monkeypatch, "ce-softmax", edit)
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, module_path("ce-softmax")[0], raising=False)  # loaded afresh, not from this process
    monkeypatch.setattr("derive_checker.certificate.DONE", {})
    kernel = load("ce-softmax")
    assert kernel._unchecked == {"labels", "targets"}
    Z = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    loss, gradient = kernel.loss_and_grad(Z, np.array([2, 0]))
    softmax = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    one_hot = np.eye(3)[[2, 0]]
    assert loss == pytest.approx(-np.log(softmax[[0, 1], [2, 0]]).mean(), rel=1e-12)
    assert np.allclose(gradient, (softmax - one_hot) / 2, rtol=1e-12, atol=0)
    assert shipped._CHECKED == {("ce-softmax", "labels", 0), ("ce-softmax", "labels", 1)}
    assert kernel._unchecked == {"targets"}
    # the loss of target probabilities rests on its stable loss only, which is as shipped: it runs
    assert kernel.loss(Z, one_hot) == pytest.approx(loss, rel=1e-12)
    with pytest.raises(VerificationError, match="ce-softmax"):  # its gradient's certificate was edited
        kernel.loss_and_grad(Z, one_hot)
    with pytest.raises(VerificationError, match="ce-softmax"):
        kernel.grad(Z, one_hot)  # and stays refused
    assert ("ce-softmax", "targets", 1) not in shipped._CHECKED
    again = load("ce-softmax")  # a second kernel of the module this process already has: what was re-checked (and
    assert again._module is kernel._module and again._unchecked == {"targets"}  # marked so in the cache) runs, the rest refused
    with pytest.raises(VerificationError, match="ce-softmax"):
        again.grad(Z, one_hot)


def test_a_module_cached_from_shipped_data_is_re_checked_in_every_process(tmp_path, monkeypatch):
    """The module a refused process wrote to the cache is the shipped source: a later process (the same cache)
    re-checks before it runs it, and refuses alike; with shipped data switched off it is not even loaded
    (the cache's key tells the two apart), so the engine derives and verifies the kernel itself."""
    import subprocess

    from derive.kernels.compiler import load
    from derive.kernels.generated import module_path

    def edit(data):  # the stable loss of target probabilities edited
        document = data["kinds"]["targets"][0]
        document["steps"][-1]["rhs"] = ["Mul", ["Integer", "2"], _last_rhs(document)]

    _with_data(tmp_path, monkeypatch, "bce", edit)
    monkeypatch.setenv("DERIVE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, module_path("bce")[0], raising=False)
    monkeypatch.setattr("derive_checker.certificate.DONE", {})
    Y, T = np.array([0.2, 0.7]), np.array([0.0, 1.0])
    with pytest.raises(VerificationError, match="bce"):
        load("bce").loss(Y, T)
    assert module_path("bce")[1].is_file()  # the refused process cached the shipped source
    script = (f"import sys, numpy as np; from derive.kernels import shipped; shipped.FOLDER = __import__('pathlib').Path({str(tmp_path / 'shipped')!r})\n"
              "from derive.kernels.compiler import load\n"
              "try:\n    print(load('bce').loss(np.array([0.2, 0.7]), np.array([0.0, 1.0])))\n"
              "except Exception as error:\n    print(type(error).__name__, error)\n")
    later = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**__import__("os").environ, "DERIVE_CACHE_DIR": str(tmp_path / "cache")})
    assert later.stdout.startswith("VerificationError") and "bce" in later.stdout, later.stdout + later.stderr
    switched_off = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                  env={**__import__("os").environ, "DERIVE_CACHE_DIR": str(tmp_path / "cache"), "DERIVE_SHIPPED": "0"})
    assert float(switched_off.stdout) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-12), switched_off.stderr


def test_a_certificate_lists_its_substitutions_in_one_order_whatever_the_hash_seed():
    """The engine's substitution tables come in an order that varies with the hash seed; the certificate
    sorts them, so the shipped certificates and those derive writes in a process are one and the same
    (derive_checker keeps its reports by a certificate's hash: one written two ways was checked twice)."""
    import os
    import subprocess

    code = "import derive, hashlib, json; print(hashlib.sha256(json.dumps(derive.get('bce').certificate()).encode()).hexdigest())"
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "4")}
    assert len(digests) == 1
