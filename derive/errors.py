"""Exceptions the package raises; each names the problem in words a user can act on."""


class DeriveError(Exception):
    """Base class for every error derive raises on purpose."""


class CatalogueError(DeriveError):
    """The rule catalogue in rules/ is malformed."""


class PatternError(CatalogueError):
    """A pattern string in the catalogue uses syntax outside the pattern language."""


class VerificationError(DeriveError):
    """A step failed verification: the equation after it does not follow from the one before."""


class UnknownDerivation(DeriveError):
    """No built-in derivation has that name."""


class RuleDidNotApply(DeriveError):
    """A strategy required a rule that matches nowhere in the expression."""


class NotShowable(DeriveError, ValueError):
    """Text (Japanese, say) that the console's encoding cannot show, even spelled in ASCII."""


class CodegenError(DeriveError, ValueError):
    """An expression the kernel generator cannot turn into loops, or a loss it has no kernel for."""


class ParseError(DeriveError, ValueError):
    """LaTeX that cannot be read: ``position`` is the character where reading stopped."""

    def __init__(self, problem: str, position: int):
        super().__init__(f"at position {position}: {problem}")
        self.problem = problem
        self.position = position


class LimitExceeded(DeriveError):
    """An input past one of the bounds in :mod:`derive.limits` (size, nesting, time): named in the message."""


class KernelInputError(DeriveError, ValueError):
    """An input a kernel refuses, named: labels past int64 (PyTorch's label type), which NumPy
    would otherwise turn into other numbers, or labels outside the classes."""
