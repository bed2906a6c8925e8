import SweepKit
import SweepKitJobs

/// Where a job's trials run, as its `compute` says: the launcher for the registered compute of
/// that name (local processes with GPU slices, a Ray cluster, a Slurm cluster), or local
/// processes with a one-line notice when the name is not registered in the workspace (so an
/// Azure script that names `aml-cluster` runs anywhere, and on the cluster once it is registered).
public struct ComputeChoice {
    public let launcher: any TrialLauncher
    /// Where trial folders go when the cluster needs them in a shared folder (nil: the job's folder).
    public let trialPaths: JobPaths?
    /// Written to the sweep's log when it starts.
    public let notice: String?

    public init(launcher: any TrialLauncher, trialPaths: JobPaths? = nil, notice: String? = nil) {
        self.launcher = launcher
        self.trialPaths = trialPaths
        self.notice = notice
    }

    /// The choice for `spec` in `workspace`. The compute is looked up each time an engine starts,
    /// and checked against the job again (it may have been registered or changed since the job
    /// was submitted). `python` is the interpreter `python` means for the trials. A cluster that
    /// does not answer is an error for a new sweep, not for a resumed one (its trials may be
    /// running there, and are watched until it answers again).
    public static func forJob(_ spec: SweepJobSpec, workspace: Workspace, python: String) throws(SweepKitError) -> ComputeChoice {
        let paths = workspace.paths(spec.name)
        let resuming = (try? workspace.report(spec.name).state.engineStarts).map { $0 > 0 } ?? false
        guard let compute = try workspace.computeTarget(of: spec) else {
            var notice: String?
            if let name = spec.compute, !["local", ""].contains(name.lowercased()) {
                notice = "note: compute '\(name)' is not registered in this workspace, so the trials run as local processes (register it with `sweepkit compute create --name \(name) --type slurm|ray|local ...`, or set compute=\"local\" to silence this)"
            }
            try ComputeTarget.thisMachine.check(spec)
            guard let resources = spec.resources, resources.cpus != nil || resources.gpus != nil || resources.memoryBytes != nil else {
                return ComputeChoice(launcher: LocalProcessLauncher(), notice: notice)
            }
            return ComputeChoice(launcher: LocalComputeLauncher(compute: .thisMachine, resources: resources, logs: paths.logs),
                                 notice: notice)
        }
        try compute.check(spec)
        switch compute.kind {
        case .local:
            return ComputeChoice(launcher: LocalComputeLauncher(compute: compute, resources: spec.resources, logs: paths.logs))
        case .ray:
            return ComputeChoice(launcher: try RayJobsLauncher(compute: compute, spec: spec, python: python, workspaceRoot: workspace.root,
                                                               mustAnswer: !resuming))
        case .slurm:
            let shared = try SlurmLauncher.jobFolder(compute: compute, job: spec.name, workspaceRoot: workspace.root)
            let launcher = SlurmLauncher(compute: compute)
            if !resuming { try launcher.checkAnswers() }
            return ComputeChoice(launcher: launcher, trialPaths: JobPaths(directory: shared))
        }
    }
}
