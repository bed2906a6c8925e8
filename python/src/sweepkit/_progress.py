"""How `jobs.stream` shows a sweep: the engine's log lines and progress (`sk_job_stream`), displayed
for where they go. On a terminal, a progress line redrawn in place under the log lines; in a
Jupyter notebook, an updating display; anywhere else (a file, a pipe, `NO_COLOR`, `TERM=dumb`,
`plain=True`), the plain lines, as `sweepkit job stream` prints them. The engine writes the text;
this module only places it."""
import html
import os
import shutil
import sys
from typing import Any, Dict, Optional, TextIO


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), where displays can be updated."""
    if "ipykernel" not in sys.modules or "IPython" not in sys.modules:
        return False
    shell = getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def choose_mode(plain: Optional[bool], stream: TextIO) -> str:
    """"notebook", "terminal" or "plain" (always "plain" when `plain` is True)."""
    if plain:
        return "plain"
    if plain is None and _in_notebook():
        return "notebook"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return "plain"
    isatty = getattr(stream, "isatty", None)
    return "terminal" if callable(isatty) and isatty() else "plain"


class StreamDisplay:
    """Shows what `sk_job_stream` returns, step after step."""

    def __init__(self, mode: str, stream: Optional[TextIO] = None) -> None:
        self.mode = mode
        self.stream = stream or sys.stdout
        self._line_shown = False
        self._last = ""
        self._handle: Any = None

    def show(self, text: str, progress: Optional[Dict[str, Any]], over: bool) -> None:
        """New log text (and the summary once the job is over), then the progress."""
        if self.mode == "terminal":
            line = "" if over or not progress else self._fit(progress)
            if not text and line == self._last:
                return
            out = ("\r\x1b[2K" if self._line_shown else "") + text + line
            self._line_shown, self._last = bool(line), line
            self.stream.write(out)
        else:
            if text:
                self.stream.write(text)
            if self.mode == "notebook" and progress:
                self._update_notebook(progress)
        self.stream.flush()

    def close(self) -> None:
        """Ends a progress line left on the terminal (when streaming is interrupted)."""
        if self._line_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._line_shown = False

    def _fit(self, progress: Dict[str, Any]) -> str:
        width = shutil.get_terminal_size((80, 24)).columns
        for line in (progress["line"], progress["compact"]):
            if len(line) < width:
                return line
        return progress["compact"][:max(0, width - 1)]

    def _update_notebook(self, progress: Dict[str, Any]) -> None:
        from IPython.display import HTML, display  # only imported inside a notebook
        total = progress.get("total") or 0
        bar = (f'<progress value="{progress["done"]}" max="{total}" style="width:16em;vertical-align:middle"></progress> '
               if total else "")
        view = HTML(f'<div style="font-family:monospace">{bar}{html.escape(progress["compact"])}</div>')
        if self._handle is None:
            self._handle = display(view, display_id=True)
        else:
            self._handle.update(view)
