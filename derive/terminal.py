"""What the command line writes, fitted to where it goes: text a console's encoding cannot show is
spelled in ASCII, and progress goes to stderr only when stderr is a terminal."""
from __future__ import annotations

import json
import sys
from typing import TextIO


def emit(text: str, stream: TextIO | None = None, is_json: bool = False) -> None:
    """Write ``text`` and a newline.  On a console that cannot encode it (cp1252, ASCII) a JSON
    document is written with ``\\u`` escapes and anything else transliterated
    (:func:`derive.printing.ascii_text.transliterate`, which refuses text it cannot spell)."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        if is_json:
            text = json.dumps(json.loads(text), ensure_ascii=True, indent=2)
        else:
            from .printing.ascii_text import transliterate
            text = transliterate(text, encoding)
    except LookupError:
        pass
    stream.write(text + "\n")


class Progress:
    """``[3/17] deriving ce-grad`` rewritten in place on stderr while a long command works; silent
    when stderr is not a terminal (a pipe, a file, CI logs)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.active = bool(getattr(self.stream, "isatty", lambda: False)())
        self._width = 0

    def __call__(self, done: int, total: int, what: str) -> None:
        self.say(f"[{done + 1}/{total}] {what}")

    def say(self, message: str) -> None:
        if not self.active:
            return
        try:
            message.encode(getattr(self.stream, "encoding", None) or "utf-8")
        except (UnicodeEncodeError, LookupError):
            message = message.encode("ascii", "replace").decode()
        self.stream.write("\r" + message.ljust(self._width))
        self.stream.flush()
        self._width = len(message)

    def clear(self) -> None:
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
