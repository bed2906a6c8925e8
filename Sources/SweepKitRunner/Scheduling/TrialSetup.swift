#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Everything a trial attempt needs before it is launched: its folders (a copy of the code, its
/// log folder), its command with the placeholders substituted, and its environment.
struct TrialSetup {
    let spec: SweepJobSpec
    let paths: JobPaths
    /// Where trial folders, logs and the `python` shims go: the job's own folder, or for a
    /// cluster that ships no code (Slurm) a folder of the same layout in its shared directory.
    let trialPaths: JobPaths
    /// The interpreter `python` means for the trials.
    let python: String

    init(spec: SweepJobSpec, paths: JobPaths, trialPaths: JobPaths? = nil, python: String) {
        self.spec = spec
        self.paths = paths
        self.trialPaths = trialPaths ?? paths
        self.python = python
    }

    struct Folders {
        let directory: String
        let logDirectory: String
        var exitStatus: String { "\(logDirectory)/exit_status" }
        /// The attempt's folder name (`<job>_<n>`, `<job>_<n>-attempt2`).
        var attemptName: String { String(directory.split(separator: "/").last ?? "") }
    }

    static func trialName(job: String, number: Int) -> String { "\(job)_\(number)" }

    func folders(name: String, attempt: Int) -> Folders {
        let folder = attempt == 1 ? name : "\(name)-attempt\(attempt)"
        return Folders(directory: "\(trialPaths.trials)/\(folder)", logDirectory: "\(trialPaths.logs)/\(folder)")
    }

    var codeExclusions: Set<String> {
        CodeSnapshot.exclusions(spec, workspaceRoot: paths.workspaceRoot).union([trialPaths.directory])
    }

    func createFolders(_ folders: Folders) throws(SweepKitError) {
        if let code = spec.trial.code {
            try CodeSnapshot.copy(code, into: folders.directory, excluding: codeExclusions)
        }
        try FileSystem.createDirectory("\(folders.directory)/outputs")
        try FileSystem.createDirectory(folders.logDirectory)
    }

    /// `environment` may name an interpreter or a virtualenv; otherwise `python` is the interpreter
    /// that submitted the sweep (Azure environment names are accepted and ignored).
    static func resolvePython(_ spec: SweepJobSpec) -> String {
        if let environment = spec.trial.environment {
            let path = FileSystem.absolute(environment)
            if FileSystem.isDirectory(path), FileSystem.exists("\(path)/bin/python") { return "\(path)/bin/python" }
            if !FileSystem.isDirectory(path), access(path, X_OK) == 0 { return path }
        }
        return spec.python ?? ProcessEnvironment.value("SWEEPKIT_PYTHON") ?? "python3"
    }

    func command(for trial: Trial) throws(SweepKitError) -> String {
        do { return try CommandRendering.render(spec: spec, params: trial.params) } catch {
            throw .validation(field: "trial.command", message: "\(error)")
        }
    }

    /// The trial's whole environment: this process's, with `python` first on PATH and the
    /// trial's own variables on top.
    func environment(variables overrides: [(key: String, value: String)]) throws(SweepKitError) -> [(key: String, value: String)] {
        let bin = trialPaths.bin
        try FileSystem.createDirectory(bin)
        // Shims, not symlinks: a virtualenv's interpreter finds its pyvenv.cfg from the path it
        // was started by, so it must be exec'ed by its own path.
        for alias in ["python", "python3"] where !FileSystem.exists("\(bin)/\(alias)") {
            let shim = "\(bin)/\(alias)"
            try FileSystem.writeAtomically(shim, "#!/bin/sh\nexec \(CommandTemplate.shellQuoted(python)) \"$@\"\n")
            chmod(shim, 0o755)
        }
        let replaced = Set(overrides.map(\.key) + ["PATH", "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_ID"])
        var variables = ProcessEnvironment.current().filter { !replaced.contains($0.key) }
        let path = ProcessEnvironment.value("PATH") ?? "/usr/local/bin:/usr/bin:/bin"
        variables.append(("PATH", "\(bin):\(path)"))
        variables += overrides
        return variables
    }

    /// The trial's own variables: the job marker and trial name, MLflow's run, every parameter
    /// as `AZUREML_SWEEP_<name>`, and the job's `environment_variables`.
    func variables(for trial: Trial, name: String, runID: String, experimentID: String, trackingURI: String)
        -> [(key: String, value: String)]
    {
        var overrides: [(String, String)] = [
            (JobProcesses.markerName, spec.name), ("SWEEPKIT_TRIAL", name), ("SWEEPKIT_TRIAL_NUMBER", String(trial.number)),
            ("PYTHONUNBUFFERED", "1"),
        ]
        if trackingURI != "none" {
            overrides += [("MLFLOW_TRACKING_URI", trackingURI), ("MLFLOW_RUN_ID", runID), ("MLFLOW_EXPERIMENT_ID", experimentID)]
        }
        for (key, value) in trial.flatParams {
            overrides.append(("AZUREML_SWEEP_\(key.split(separator: ".").joined(separator: "_"))", CommandTemplate.format(value) ?? ""))
        }
        overrides += spec.trial.environmentVariables.map { ($0.key, $0.value) }
        return overrides.map { (key: $0.0, value: $0.1) }
    }
}
