"""``python -m derive``."""
from .program import run

run()
