#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Runs each trial as a local process in its own process group: `bash -c` (or `sh -c`) around
/// the command, which writes the command's exit status to the trial's exit-status file before
/// it exits. stdout and stderr go to files, stdin is /dev/null.
public final class LocalProcessLauncher: TrialLauncher {
    public init() {}

    private static let shell = FileSystem.exists("/bin/bash") ? "/bin/bash" : "/bin/sh"
    /// The leader shell runs the command in a subshell (so `exit` in the command ends only it),
    /// then records `$?`. Positional parameters are cleared so the command sees none.
    private static let wrapper = #"__sweepkit_command=$1; __sweepkit_status_file=$2; set --; ( eval "$__sweepkit_command" ); __sweepkit_code=$?; printf '%s\n' "$__sweepkit_code" > "$__sweepkit_status_file"; exit "$__sweepkit_code""#

    public func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        for path in [request.exitStatusPath, request.stdoutPath, request.stderrPath] { unlink(path) }
        var process = ChildProcess.Request(
            arguments: [Self.shell, "-c", Self.wrapper, "sweepkit-trial", request.command, request.exitStatusPath],
            environment: request.environment, workingDirectory: request.workingDirectory,
            stdoutPath: request.stdoutPath, stderrPath: request.stderrPath)
        process.appendOutput = true  // so TrialOutputCap can cut the middle of a file without leaving a hole
        let pid: Int32
        do { pid = try ChildProcess.spawn(process) } catch {
            throw .internalFailure("cannot start the trial process: \(error)")
        }
        return LaunchedTrial(pid: pid, startTicks: ProcessTable.entry(pid)?.startTicks ?? 0)
    }

    public func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
        guard trial.isLocal else { return .vanished }  // launched by another kind of launcher
        switch ChildProcess.reap(trial.pid) {
        case .running:
            return .running
        case .ended(let exit):
            // The shell may leave background children in the group: end them with the trial.
            ChildProcess.signalGroup(trial.pid, SIGKILL)
            return .ended(Self.recordedExit(exitStatusPath) ?? exit)
        case .notChild:
            // Launched by an earlier engine: alive while its process (same start time) runs.
            if ProcessTable.isRunning(pid: trial.pid, startTicks: trial.startTicks) { return .running }
            ChildProcess.signalGroup(trial.pid, SIGKILL)
            return Self.recordedExit(exitStatusPath).map(TrialPoll.ended) ?? .vanished
        }
    }

    public func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        // Never signal a recycled pid's group: the trial's leader must still be the same process.
        if trial.isLocal, trial.startTicks == 0 || ProcessTable.entry(trial.pid)?.startTicks == trial.startTicks {
            ChildProcess.signalGroup(trial.pid, signal)
        }
    }

    /// The exit status the trial's shell recorded, if it did.
    static func recordedExit(_ path: String) -> ProcessExit? {
        guard let text = try? FileSystem.read(path), let code = Int32(text.trimmingWhitespace) else { return nil }
        return ProcessExit(shellStatus: code)
    }
}
