"""derive_checker: the small trusted checker of derive's certificates.

It alone decides a ✓ for a certificate.  It imports only the standard library, SymPy and mpmath
(never the engine in ``derive``), reads expressions from a JSON tree with a whitelist of heads,
and rests every proof on the axioms listed in :mod:`derive_checker.axioms`.
"""
SCHEMA = "derive-certificate/1"
