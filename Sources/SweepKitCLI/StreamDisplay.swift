import Foundation
import SweepKit
import SweepKitJobs
import SweepKitCAPI

/// How `job stream` shows a sweep. On a terminal: the log lines as they come, with a progress line
/// under them redrawn in place (trials done of the total, running, best so far, elapsed, time
/// left). Plain lines, exactly as before, when stdout is not a terminal, `NO_COLOR` is set,
/// `TERM=dumb`, or `--plain`.
struct StreamDisplay {
    let live: Bool
    private var lineShown = false
    private var lastLine = ""

    init(plain: Bool) {
        live = !plain && Self.terminalWantsLiveOutput()
        if live {
            // Ctrl-C leaves the shell's prompt on a line of its own, not after the progress line.
            signal(SIGINT) { _ in
                _ = write(STDOUT_FILENO, "\n", 1)
                _exit(130)
            }
        }
    }

    static func terminalWantsLiveOutput(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isatty(STDOUT_FILENO) != 0 else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// Prints new text (log lines, then the summary once the job is over) and, live, the progress line.
    mutating func show(_ step: JobProgress) {
        var out = ""
        if !live {
            out = step.text
        } else {
            let line = step.over ? "" : step.progress.fitting(width: Self.columns())
            if step.text.isEmpty && line == lastLine { return }
            if lineShown { out += "\r\u{1B}[2K" }  // back to the line's start, erase it
            out += step.text
            out += line
            lineShown = !line.isEmpty
            lastLine = line
        }
        if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
    }

    /// The terminal's width (TIOCGWINSZ), else $COLUMNS, else 80.
    static func columns() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }
}
