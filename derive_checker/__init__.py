"""derive_checker: the small trusted checker that alone decides a ✓ for a certificate of derive.  It
imports only the standard library, SymPy and mpmath (never the engine in ``derive``), reads expressions
from a JSON tree with a whitelist of heads, and rests every proof on the axioms of ``axioms.json``."""
SCHEMA = "derive-certificate/1"
