/// What identifies a launched trial, also across engine restarts (it is journaled): a process on
/// this machine (pid and start time), or a job on a cluster (the compute kind and the cluster's id
/// for it, e.g. a Ray submission id or a Slurm job id).
public struct LaunchedTrial: Equatable, Sendable {
    public static let localKind = "local"

    /// `local`, or the kind of compute that runs it (`ray`, `slurm`).
    public let kind: String
    /// The cluster's id for the trial; empty for a local process.
    public let id: String
    /// A local process's id, which is also its process group id (0 for a remote trial).
    public let pid: Int32
    /// A local process's start time in clock ticks since boot, so a recycled pid is never
    /// mistaken for the trial.
    public let startTicks: UInt64

    public init(pid: Int32, startTicks: UInt64) {
        kind = Self.localKind
        id = ""
        self.pid = pid
        self.startTicks = startTicks
    }

    public init(kind: String, id: String) {
        self.kind = kind
        self.id = id
        pid = 0
        startTicks = 0
    }

    public var isLocal: Bool { kind == Self.localKind }
}
