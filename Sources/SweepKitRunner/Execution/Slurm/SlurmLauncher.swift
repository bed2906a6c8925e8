#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Runs each trial as a Slurm batch job, through Slurm's own commands: `sbatch --parsable` to
/// submit, `squeue` (and `sacct` for jobs squeue no longer lists) to watch, `scancel` to stop.
///
/// Slurm ships no code, so the trial's folder, its logs and its batch script are in the compute's
/// shared folder (`ComputeChoice` puts the job's trial folders there). The batch script runs the
/// command as a local trial's shell does and records its exit status in the trial's log folder,
/// so a trial that ends while no engine watches is collected from that file. It also writes
/// `started` there when the job leaves the queue. The environment reaches the job as Slurm's
/// default `--export=ALL` passes it: `sbatch` runs with the trial's environment (an explicit
/// `--export=K=V` list would cut values at commas).
///
/// Stopping is SIGTERM to every process of the job (`scancel --signal=TERM --full`, or a plain
/// `scancel` while it is queued), then SIGKILL (`scancel --signal=KILL --full`, then `scancel`).
/// Slurm states: PENDING and the other waiting states are `.queued`; RUNNING and COMPLETING
/// `.running`; COMPLETED, FAILED, CANCELLED, TIMEOUT, DEADLINE and OUT_OF_MEMORY end the trial
/// (with its recorded exit status when it has one); NODE_FAIL, BOOT_FAIL and PREEMPTED without an
/// exit status mean the trial vanished (relaunched as a new attempt).
final class SlurmLauncher: TrialLauncher {
    static let kind = ComputeTarget.Kind.slurm.rawValue
    let compute: ComputeTarget
    /// Looking at a trial's exit-status file is cheap: the engine notices a trial's end at once.
    let pollIntervalSeconds: Double? = 0.05
    let capacity: Int?
    /// `squeue` runs at most this often (for all of the engine's jobs at once).
    var queueRefreshSeconds = 1.0
    /// A job Slurm reports ended is given this long for its exit-status file to appear on the
    /// shared filesystem before it is judged by its Slurm state alone.
    var sharedFilesystemGraceSeconds = 3.0

    private var states: [String: String] = [:]
    /// Final states of jobs squeue no longer lists, from sacct.
    private var finishedStates: [String: String] = [:]
    /// Refreshes in a row that did not find a job anywhere.
    private var misses: [String: Int] = [:]
    private var lastRefresh = -Double.infinity
    /// Each job's log folder (for its `started` marker), by Slurm job id.
    private var logFolders: [String: String] = [:]
    /// When each job was first seen ended without an exit-status file.
    private var endedSince: [String: Double] = [:]
    private var refreshCount = 0
    private var lostCount: [String: Int] = [:]

    init(compute: ComputeTarget) {
        self.compute = compute
        capacity = compute.maxInstances
    }

    /// The job's folder in the shared folder (`<shared_dir>/sweepkit/<job>`), claimed for this
    /// workspace: two workspaces that both have a job of that name must not share it.
    static func jobFolder(compute: ComputeTarget, job: String, workspaceRoot: String) throws(SweepKitError) -> String {
        guard let shared = compute.sharedDirectory else {
            throw .validation(field: "compute", message: "the Slurm compute '\(compute.name)' has no shared_dir")
        }
        guard FileSystem.isDirectory(shared) else {
            throw .validation(field: "compute", message: "the shared folder \(shared) of the Slurm compute '\(compute.name)' is not mounted here")
        }
        let folder = "\(shared)/sweepkit/\(job)"
        let marker = "\(folder)/workspace"
        if let owner = try? FileSystem.read(marker), owner.trimmingWhitespace != workspaceRoot {
            throw .validation(field: "name", message: "\(folder) already holds a job named '\(job)' of the workspace \(owner.trimmingWhitespace)")
        }
        try FileSystem.createDirectory(folder)
        if !FileSystem.exists(marker) { try FileSystem.writeAtomically(marker, workspaceRoot + "\n") }
        return folder
    }

    /// Throws unless Slurm answers (its commands are here and its controller responds).
    func checkAnswers() throws(SweepKitError) {
        let result = try Self.run(["squeue", "--noheader", "--me", "--format=%i"])
        guard result.status == 0 else {
            throw .internalFailure("Slurm does not answer here (squeue exited \(result.status)): \(result.stderr.trimmingWhitespace)")
        }
    }

    // MARK: - TrialLauncher

    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        let logs = FileSystem.directoryName(request.exitStatusPath)
        for path in [request.exitStatusPath, request.stdoutPath, request.stderrPath, "\(logs)/started"] { unlink(path) }
        let script = "\(logs)/trial.sbatch"
        let arguments = sbatchArguments(request) + [script]
        try FileSystem.writeAtomically(script, Self.batchScript(request, submittedWith: arguments))
        let result = try Self.run(arguments, environment: request.environment)
        let id = String(result.stdout.trimmingWhitespace.split(separator: ";").first ?? "")
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw .internalFailure("sbatch failed (exit \(result.status)): \(result.stderr.trimmingWhitespace)")
        }
        states[id] = "PENDING"
        logFolders[id] = logs
        return LaunchedTrial(kind: Self.kind, id: id)
    }

    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
        guard trial.kind == Self.kind else { return .vanished }
        if let exit = LocalProcessLauncher.recordedExit(exitStatusPath) { return .ended(exit) }
        let logs = FileSystem.directoryName(exitStatusPath)
        logFolders[trial.id] = logs
        let now = Clock.monotonicSeconds()
        let started = FileSystem.exists("\(logs)/started")
        if now - lastRefresh >= queueRefreshSeconds { refreshStates() }
        guard let state = states[trial.id] ?? finishedStates[trial.id] else {
            // Not in squeue: ask accounting once per refresh; a job found nowhere three times vanished.
            if misses[trial.id, default: 0] < refreshCount {
                misses[trial.id] = refreshCount
                if let state = finishedState(trial.id) { finishedStates[trial.id] = state; return poll(trial, exitStatusPath: exitStatusPath) }
                lostCount[trial.id, default: 0] += 1
            }
            return lostCount[trial.id, default: 0] >= 3 ? .vanished : (started ? .running : .queued)
        }
        switch Self.meaning(of: state) {
        case .waiting:
            return started ? .running : .queued
        case .running:
            return .running
        case .ended(let exit, let vanished):
            // The batch script records the exit status as its last act: give a shared filesystem
            // time to show the file before judging a job that started by its state alone.
            let since = endedSince[trial.id] ?? now
            endedSince[trial.id] = since
            if started, now - since < sharedFilesystemGraceSeconds { return .running }
            endedSince[trial.id] = nil
            if let exit = LocalProcessLauncher.recordedExit(exitStatusPath) { return .ended(exit) }
            TrialLog.note("sweepkit: Slurm job \(trial.id) ended \(state) without an exit status", stderrOf: logs)
            return vanished ? .vanished : .ended(exit)
        }
    }

    func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        guard trial.kind == Self.kind else { return }
        let started = logFolders[trial.id].map { FileSystem.exists("\($0)/started") } ?? true
        if signal == SIGKILL {
            _ = try? Self.run(["scancel", "--signal=KILL", "--full", trial.id])
            _ = try? Self.run(["scancel", trial.id])
        } else if !started, let state = states[trial.id], case .waiting = Self.meaning(of: state) {
            _ = try? Self.run(["scancel", trial.id])  // a queued job has no process to signal
        } else {
            _ = try? Self.run(["scancel", "--signal=\(signal == SIGTERM ? "TERM" : String(signal))", "--full", trial.id])
        }
    }

    func abandon(name: String) {
        _ = try? Self.run(["scancel", "--name=\(name)"])
    }

    // MARK: - Submitting

    func sbatchArguments(_ request: TrialLaunchRequest) -> [String] {
        var arguments = ["sbatch", "--parsable", "--job-name=\(request.name)", "--chdir=\(request.workingDirectory)",
                         "--output=\(request.stdoutPath)", "--error=\(request.stderrPath)", "--open-mode=append",
                         "--ntasks=1"]
        if let partition = compute.partition { arguments.append("--partition=\(partition)") }
        if let account = compute.account { arguments.append("--account=\(account)") }
        if let cpus = request.resources?.cpus { arguments.append("--cpus-per-task=\(Int(cpus.rounded(.up)))") }
        if let gpus = request.resources?.gpus, gpus > 0 { arguments.append("--gres=gpu:\(gpus)") }
        if let memory = request.resources?.memoryMegabytes { arguments.append("--mem=\(memory)M") }
        if let timeout = request.timeoutSeconds {
            // A backstop for when no engine watches: the engine stops the trial at trial_timeout itself.
            let seconds = Int(timeout.rounded(.up)) + 90
            arguments.append("--time=\(seconds / 60):\(String(format2: seconds % 60))")
        }
        return arguments + compute.sbatchOptions
    }

    /// The batch script: the command in a subshell, as a local trial's shell runs it (`exit` in
    /// the command ends only the subshell), and its exit status recorded. The script's own shell
    /// outlives a SIGTERM (`trap`) so it records the status of a command that was stopped.
    static func batchScript(_ request: TrialLaunchRequest, submittedWith arguments: [String]) -> String {
        let logs = FileSystem.directoryName(request.exitStatusPath)
        return """
            #!/bin/bash
            # SweepKit trial \(request.name), submitted with:
            # \(arguments.map(CommandTemplate.shellQuoted).joined(separator: " "))
            printf '%s\\n' "$(date +%s)" > \(CommandTemplate.shellQuoted("\(logs)/started"))
            trap : TERM
            __sweepkit_command=\(CommandTemplate.shellQuoted(request.command))
            ( eval "$__sweepkit_command" )
            __sweepkit_code=$?
            printf '%s\\n' "$__sweepkit_code" > \(CommandTemplate.shellQuoted(request.exitStatusPath))
            exit "$__sweepkit_code"

            """
    }

    // MARK: - Watching

    enum Meaning: Equatable {
        case waiting
        case running
        /// The exit to report when the job left no exit status; `vanished`: relaunch it instead.
        case ended(ProcessExit, vanished: Bool)
    }

    /// What a Slurm job state (`squeue -o %T`, `sacct -o State`) means for the trial.
    static func meaning(of state: String) -> Meaning {
        let base = String(state.split(separator: " ").first ?? "")  // sacct: "CANCELLED by 0"
        switch base {
        case "RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT":
            return .running
        case "COMPLETED":
            return .ended(.exited(code: 0), vanished: false)
        case "FAILED", "SPECIAL_EXIT":
            return .ended(.exited(code: 1), vanished: false)
        case "CANCELLED", "TIMEOUT", "DEADLINE":
            return .ended(.signaled(signal: SIGTERM), vanished: false)
        case "OUT_OF_MEMORY":
            return .ended(.signaled(signal: SIGKILL), vanished: false)
        case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED", "REVOKED":
            return .ended(.signaled(signal: SIGKILL), vanished: true)
        default:  // PENDING, CONFIGURING, REQUEUED, REQUEUE_HOLD, RESV_DEL_HOLD, SUSPENDED, STOPPED, RESIZING
            return .waiting
        }
    }

    /// One `squeue` for every job of this user: state by job id. Kept as it was when squeue does
    /// not answer (a controller restarting): a job is never judged gone on a failed look.
    private func refreshStates() {
        lastRefresh = Clock.monotonicSeconds()
        refreshCount += 1
        guard let result = try? Self.run(["squeue", "--noheader", "--me", "--states=all", "--format=%i %T"]),
            result.status == 0
        else { return }
        var fresh: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 2 { fresh[String(fields[0])] = String(fields[1]) }
        }
        states = fresh
    }

    /// The final state of a job squeue no longer lists (Slurm forgets finished jobs after
    /// MinJobAge): from accounting, else from the job-completion log (`sacct -c`).
    private func finishedState(_ id: String) -> String? {
        for arguments in [["sacct", "--noheader", "--parsable2", "-X", "--jobs=\(id)", "--format=State"],
                          ["sacct", "-c", "--noheader", "--parsable2", "--jobs=\(id)", "--format=JobID,State"]] {
            guard let result = try? Self.run(arguments), result.status == 0 else { continue }
            for line in result.stdout.split(separator: "\n") {
                let fields = line.split(separator: "|").map(String.init)
                if fields.count == 1, !fields[0].isEmpty { return fields[0] }
                if fields.count >= 2, fields[0] == id { return fields[1] }
            }
        }
        return nil
    }

    /// A Slurm command, bounded in time (a controller that does not answer must not hang the engine).
    static func run(_ arguments: [String], environment: [(key: String, value: String)]? = nil) throws(SweepKitError) -> ProcessRunner.Result {
        try ClusterCommand.run(arguments, environment: environment)
    }
}

private extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
