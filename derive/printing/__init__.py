"""Printers: the only code that knows a text format. The core never imports this package."""
