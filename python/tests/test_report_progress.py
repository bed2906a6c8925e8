"""Live progress while a sweep runs: `sweepkit job stream` and `jobs.stream` on a pseudo-terminal
redraw a progress line in place (done/total, running, best, elapsed, time left); with NO_COLOR,
--plain / plain=True, or output that is not a terminal they print the plain lines only; in a
Jupyter notebook `jobs.stream` updates one display."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from sweepkit import MLClient, command
from sweepkit._cli import binary_path
from sweepkit._progress import StreamDisplay, choose_mode
from sweepkit.sweep import Choice

ERASE = "\r\x1b[2K"


def run_on_terminal(args, env, columns=120):
    """Runs a command with a pseudo-terminal as its stdout (and stdin, stderr); returns its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(master)
    return process.returncode, output.decode(errors="replace")


def run_piped(args, env):
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    return result.returncode, result.stdout


@pytest.fixture
def running_sweep(tmp_path, monkeypatch):
    """A sweep of eight 0.5-second trials, two at a time (about 2 s), running when returned."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "none")
    client = MLClient(workspace_dir=str(tmp_path / "ws"))
    job = command(command="sleep 0.5 # ${{search_space.i}}").sweep(
        primary_metric="acc", goal="maximize", sampling_algorithm="grid", search_space={"i": Choice(list(range(8)))})
    job.set_limits(max_total_trials=8, max_concurrent_trials=2)
    return client, client.create_or_update(job).name


def test_stream_redraws_a_progress_line_on_a_terminal_and_prints_plain_lines_otherwise(running_sweep):
    client, name = running_sweep
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    python_stream = [sys.executable, "-c", f"from sweepkit import MLClient; MLClient(workspace_dir={client.workspace_dir!r}).jobs.stream({name!r})"]
    cli_stream = [str(binary_path()), "job", "stream", name, "--workspace", client.workspace_dir]
    # All at once, on the same running sweep.
    runs = {
        "python terminal": (run_on_terminal, python_stream, env),
        "cli terminal": (run_on_terminal, cli_stream, env),
        "python NO_COLOR": (run_on_terminal, python_stream, {**env, "NO_COLOR": "1"}),
        "cli --plain": (run_on_terminal, cli_stream + ["--plain"], env),
        "cli piped": (run_piped, cli_stream, env),
        "python piped": (run_piped, python_stream, env),
    }
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = {label: pool.submit(run, args, environment) for label, (run, args, environment) in runs.items()}
        results = {label: future.result() for label, future in futures.items()}
    for label, (code, output) in results.items():
        assert code == 0, f"{label}: {output}"
        assert "Execution Summary" in output and "Status: Completed" in output, f"{label}: {output}"
        assert output.count("Completed") >= 9, f"{label}: a line per trial, then the summary: {output}"
    for label in ("python terminal", "cli terminal"):
        output = results[label][1]
        assert ERASE in output, f"{label}: no line redrawn in place: {output!r}"
        # Each progress line is what was written last before an erase.
        lines = [part.rsplit("\r\n", 1)[-1] for part in output.split(ERASE)[:-1]]
        progress = [line for line in lines if "/8 trials" in line]
        assert progress, f"{label}: {output!r}"
        assert all("running" in line and "elapsed" in line and ("left" in line or "unknown" in line) for line in progress)
        assert all(len(line) < 120 for line in progress)
        # The last redraw is erased before the summary, so no progress line is left in the output's end.
        assert "/8 trials" not in output.rsplit("Execution Summary", 1)[1]
        assert output.rstrip().endswith("reached)"), repr(output[-200:])
    for label in ("python NO_COLOR", "cli --plain", "cli piped", "python piped"):
        output = results[label][1]
        assert "\x1b[" not in output and "/8 trials" not in output, f"{label}: {output!r}"


def test_a_narrow_terminal_gets_the_short_line():
    display = StreamDisplay("terminal", stream=Capture())
    progress = {"line": "[====>     ] 3/10 trials, 2 running, best 0.97 (sweep_2), 12s elapsed, ~30s left",
                "compact": "3/10, 2 running, best 0.97, 12s, ~30s left", "done": 3, "total": 10}
    os.environ["COLUMNS"] = "50"
    try:
        display.show("sweep_2 completed\n", progress, False)
        display.show("", progress, False)  # nothing new: nothing written
        display.show("", {**progress, "compact": "4/10, 1 running, best 0.97, 13s, ~25s left"}, False)
    finally:
        del os.environ["COLUMNS"]
    assert display.stream.text == ("sweep_2 completed\n3/10, 2 running, best 0.97, 12s, ~30s left"
                                   + ERASE + "4/10, 1 running, best 0.97, 13s, ~25s left")


class Capture:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return False


def test_a_notebook_gets_one_display_that_is_updated(monkeypatch):
    import types
    shown, updates = [], []

    class Handle:
        def update(self, view):
            updates.append(view)

    class ZMQInteractiveShell:
        pass

    display_module = types.ModuleType("IPython.display")
    display_module.HTML = lambda text: text
    display_module.display = lambda view, display_id=False: (shown.append(view), Handle())[1]
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    ipython.display = display_module
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert choose_mode(None, Capture()) == "notebook"
    assert choose_mode(True, Capture()) == "plain"
    display = StreamDisplay("notebook", stream=Capture())
    step = {"line": "", "compact": "1/4, 1 running, 2s, ~6s left", "done": 1, "total": 4}
    display.show("sweep_0 completed\n", step, False)
    display.show("sweep_1 completed\n", {**step, "compact": "4/4, 0 running, 5s, done", "done": 4}, True)
    assert len(shown) == 1 and len(updates) == 1
    assert 'max="4"' in shown[0] and "1/4, 1 running" in shown[0] and "done" in updates[0]
    assert display.stream.text == "sweep_0 completed\nsweep_1 completed\n"
