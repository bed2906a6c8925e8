#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Runs each trial as a Ray job through the dashboard's Jobs REST API (`RayDashboard`).
///
/// The job's `code` folder is zipped once per sweep and uploaded as a content-addressed package
/// (`gcs://_ray_pkg_<sha256>.zip`), reused by every trial and by a resumed engine. A trial's
/// submission id is its attempt's name (`<job>_<n>`, `<job>_<n>-attempt2`), which is what the
/// journal records and what `resume` re-attaches to. The trial gets only its own variables
/// (MLflow's run, `AZUREML_SWEEP_*`, the job's `environment_variables`, and MLflow credentials
/// set here), since a cluster node does not share this machine's environment; `python` is the
/// trials' interpreter when that is a path (the nodes must have it), else the node's own.
///
/// Ray unpacks a package once per node and runs every job that uses it in that one folder, so
/// the entrypoint copies it to a fresh folder per trial (with `outputs/`) and runs the command
/// there, removing the folder when it ends. `resources` become `entrypoint_num_cpus` (1 unless
/// given: Ray runs jobs without resources all at once), `entrypoint_num_gpus` and
/// `entrypoint_memory`; the launcher keeps no more trials submitted than the cluster's nodes can
/// run (`max_instances` overrides that), since Ray fails a job that waits too long for resources.
///
/// Status: PENDING is `.queued`, RUNNING `.running`; SUCCEEDED, FAILED and STOPPED end the trial,
/// whose logs (`GET .../logs`) are copied to its stdout.txt (also every few seconds while it runs),
/// with Ray's message about a failure in stderr.txt. A job the cluster no longer knows (Ray was
/// restarted) vanished. Stop is Ray's own: SIGTERM to the job's process group, SIGKILL later.
final class RayJobsLauncher: TrialLauncher {
    static let kind = ComputeTarget.Kind.ray.rawValue
    /// MLflow's credentials: trials on a cluster need them to log, and do not inherit them.
    static let forwardedVariables = ["MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD",
                                     "MLFLOW_TRACKING_INSECURE_TLS", "MLFLOW_TRACKING_SERVER_CERT_PATH"]

    let dashboard: RayDashboard
    let compute: ComputeTarget
    let capacity: Int?
    let pollIntervalSeconds: Double? = 0.2
    /// How often a running trial's logs are copied.
    var logCopySeconds = 5.0
    private let python: String
    private let code: String?
    private let codeExclusions: Set<String>
    private var packageURI: String?
    private var lastLogCopy: [String: Double] = [:]
    /// The last status seen of each job: what `poll` says while the dashboard does not answer,
    /// and between two looks less than `minimumPollSeconds` apart.
    private var lastResult: [String: TrialPoll] = [:]
    private var lastAsked: [String: Double] = [:]
    var minimumPollSeconds = 0.15

    /// `mustAnswer`: the dashboard must answer now (a new sweep), else the engine starts anyway.
    init(compute: ComputeTarget, spec: SweepJobSpec, python: String, workspaceRoot: String, mustAnswer: Bool = true)
        throws(SweepKitError)
    {
        guard let address = compute.address else {
            throw .validation(field: "compute", message: "the Ray compute '\(compute.name)' has no address")
        }
        self.compute = compute
        self.python = python
        code = spec.trial.code
        codeExclusions = CodeSnapshot.exclusions(spec, workspaceRoot: workspaceRoot)
        dashboard = try RayDashboard(address: address, token: compute.token)
        if mustAnswer { _ = try dashboard.version() }
        let cpus = spec.resources?.cpus ?? 1
        capacity = compute.maxInstances ?? dashboard.capacity(cpus: cpus, gpus: spec.resources?.gpus ?? 0)
    }

    // MARK: - TrialLauncher

    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        for path in [request.exitStatusPath, request.stdoutPath, request.stderrPath] { unlink(path) }
        let uri = try package()
        let id = request.name
        var environment = JSONObject(request.trialVariables.map { ($0.key, JSONValue.string($0.value)) })
        for name in Self.forwardedVariables where environment[name] == nil {
            if let value = ProcessEnvironment.value(name) { environment[name] = .string(value) }
        }
        if python.hasPrefix("/") { environment["SWEEPKIT_TRIAL_PYTHON"] = .string(python) }
        let runtime: JSONObject = ["env_vars": .object(environment), "working_dir": .string(uri)]
        var body: JSONObject = [
            "entrypoint": .string(Self.entrypoint(command: request.command)),
            "submission_id": .string(id),
            "runtime_env": .object(runtime),
            "metadata": ["sweepkit_trial": .string(id),
                         "sweepkit_run_id": .string(request.trialVariables.last { $0.key == "MLFLOW_RUN_ID" }?.value ?? "")],
            "entrypoint_num_cpus": .double(request.resources?.cpus ?? 1),
        ]
        if let gpus = request.resources?.gpus, gpus > 0 { body["entrypoint_num_gpus"] = .int(gpus) }
        if let memory = request.resources?.memoryBytes { body["entrypoint_memory"] = .int(Int(memory)) }
        switch try dashboard.submit(.object(body)) {
        case .submitted:
            break
        case .exists:
            // Ours only if an earlier engine of this job submitted this very attempt.
            let mine = try dashboard.job(id)?.metadata["sweepkit_run_id"] == body["metadata"]?.object?["sweepkit_run_id"]
            guard mine else {
                throw .internalFailure("the Ray cluster \(dashboard.address) already has a job '\(id)' that is not this trial's (a job of the same name in another workspace?)")
            }
        }
        lastResult[id] = .queued
        return LaunchedTrial(kind: Self.kind, id: id)
    }

    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
        guard trial.kind == Self.kind else { return .vanished }
        if let exit = LocalProcessLauncher.recordedExit(exitStatusPath) { return .ended(exit) }
        let logs = FileSystem.directoryName(exitStatusPath)
        let now = Clock.monotonicSeconds()
        if let last = lastResult[trial.id], now - (lastAsked[trial.id] ?? -.infinity) < minimumPollSeconds { return last }
        lastAsked[trial.id] = now
        let info: RayDashboard.JobInfo?
        do { info = try dashboard.job(trial.id) } catch {
            return lastResult[trial.id] ?? .running  // the dashboard did not answer: look again later
        }
        guard let info else { return .vanished }
        let result: TrialPoll
        switch info.status {
        case "PENDING":
            result = .queued
        case "RUNNING":
            if now - (lastLogCopy[trial.id] ?? 0) >= logCopySeconds {
                lastLogCopy[trial.id] = now
                copyLogs(trial.id, to: logs)
            }
            result = .running
        case "SUCCEEDED", "FAILED", "STOPPED":
            copyLogs(trial.id, to: logs)
            let exit = Self.exit(info)
            if info.status == "FAILED" {
                TrialLog.note("Ray job \(trial.id) \(info.errorType.map { "failed (\($0))" } ?? "failed"): \(info.message)", stderrOf: logs)
            }
            let code: Int32
            switch exit {
            case .exited(let value): code = value
            case .signaled(let signal): code = 128 + signal
            }
            try? FileSystem.writeAtomically(exitStatusPath, "\(code)\n")
            lastLogCopy[trial.id] = nil
            result = .ended(exit)
        default:
            result = lastResult[trial.id] ?? .running
        }
        lastResult[trial.id] = result
        return result
    }

    func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        guard trial.kind == Self.kind else { return }
        dashboard.stop(trial.id)
    }

    func abandon(name: String) {
        dashboard.stop(name)
    }

    // MARK: -

    /// The package's `gcs://` URI (the code, if any, and the trial script), uploaded on first use
    /// unless the cluster has it.
    private func package() throws(SweepKitError) -> String {
        if let packageURI { return packageURI }
        let package = try CodePackage(folder: code, excluding: codeExclusions, extra: [(Self.scriptName, Self.script)])
        if try !dashboard.hasPackage(package.name) { try dashboard.upload(package) }
        let uri = "gcs://\(package.name)"
        packageURI = uri
        return uri
    }

    private func copyLogs(_ id: String, to folder: String) {
        guard let text = try? dashboard.logs(id) else { return }
        try? FileSystem.writeAtomically("\(folder)/stdout.txt", text)
    }

    static func exit(_ info: RayDashboard.JobInfo) -> ProcessExit {
        switch info.status {
        case "SUCCEEDED": return .exited(code: 0)
        case "STOPPED": return .signaled(signal: SIGTERM)
        default:
            guard let code = info.driverExitCode else { return .exited(code: 1) }  // never started (runtime env, timeout)
            return ProcessExit(shellStatus: Int32(clamping: code))
        }
    }

    /// The script every trial's entrypoint runs, shipped in the package: bash around the command
    /// (as a local trial's shell runs it), in a fresh copy of the package with `outputs/`, with
    /// `python` first on PATH when the trials' interpreter is a path; the copy is removed when the
    /// command ends or is stopped.
    static let script = """
        #!/bin/bash
        # Written by SweepKit: runs one trial in its own copy of the package.
        __sweepkit_command=$1; set --
        __sweepkit_dir=$(mktemp -d "${TMPDIR:-/tmp}/sweepkit-${SWEEPKIT_TRIAL:-trial}.XXXXXX") || exit 70
        trap 'rm -rf "$__sweepkit_dir"' EXIT
        trap 'exit 143' TERM
        cp -R . "$__sweepkit_dir"/ && cd "$__sweepkit_dir" && rm -f \(scriptName) && mkdir -p outputs || exit 70
        if [ -n "${SWEEPKIT_TRIAL_PYTHON:-}" ]; then
          mkdir -p .sweepkit-bin
          for __sweepkit_name in python python3; do
            printf '#!/bin/sh\\nexec "$SWEEPKIT_TRIAL_PYTHON" "$@"\\n' > .sweepkit-bin/$__sweepkit_name
            chmod +x .sweepkit-bin/$__sweepkit_name
          done
          PATH="$PWD/.sweepkit-bin:$PATH"
        fi
        ( eval "$__sweepkit_command" )

        """
    static let scriptName = ".sweepkit-trial.sh"

    /// What Ray runs (with `/bin/sh -c`, in the unpacked package).
    static func entrypoint(command: String) -> String {
        "exec bash \(scriptName) \(CommandTemplate.shellQuoted(command))"
    }
}
