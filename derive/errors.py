"""Exceptions the package raises; each names the problem in words a user can act on."""
import unicodedata

# Characters a terminal acts on rather than shows: controls (ESC, NUL, CR, backspace), format
# characters (U+202E reverses the line), line and paragraph separators, unassigned code points.
_UNSHOWN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def shown(text: str) -> str:
    """``text`` with each character a terminal would act on written as Python writes it
    (``\\x1b``, ``\\u202e``, ``\\n``): a message quotes what the user typed, and the quote must
    not be a command to the console it is printed on, nor a second line."""
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) in _UNSHOWN else ch for ch in text)


class DeriveError(Exception):
    """Base class for every error derive raises on purpose.  Its message never holds a raw control
    character, whatever it quotes (:func:`shown`): the CLI prints it as the one line on stderr."""

    def __str__(self) -> str:
        return shown(super().__str__())


class ArgumentError(DeriveError, ValueError):
    """An argument of the Python API out of its range (a link, a route, a number of classes)."""


class ArgumentTypeError(DeriveError, TypeError):
    """An argument of the Python API of the wrong type (bytes, None, a list where text or a SymPy
    expression is due)."""


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
        self.problem = shown(problem)
        self.position = position


class LimitExceeded(DeriveError):
    """An input past one of the bounds in :mod:`derive.input_limits` (size, nesting, time): named in the message."""


class KernelInputError(DeriveError, ValueError):
    """An input a kernel refuses, named: labels past int64 (PyTorch's label type), which NumPy
    would otherwise turn into other numbers, or labels outside the classes."""
