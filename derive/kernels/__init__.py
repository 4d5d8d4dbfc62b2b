"""Numba kernels generated from the verified stable-form derivations (``Derivation.compile()``,
or ``load(name)`` for a built-in loss, straight from the cache)."""
from ..errors import CodegenError
from .compiler import Kernel, compile_derivation, load

__all__ = ["CodegenError", "Kernel", "compile_derivation", "load"]
