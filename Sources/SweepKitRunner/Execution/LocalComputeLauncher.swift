#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform

/// Local processes (`LocalProcessLauncher`) that get the resources each trial needs: their own
/// GPUs (`CUDA_VISIBLE_DEVICES`, a slice of the compute's GPU list), and no more trials at once
/// than the compute's GPUs, CPUs and memory hold, as Ray Tune's resources per trial do.
///
/// A trial's GPUs and process are written to `gpus` in its log folder, so an engine that
/// resumes the job knows which GPUs the trials it adopts still hold.
final class LocalComputeLauncher: TrialLauncher {
    private let processes = LocalProcessLauncher()
    private let gpus: [String]
    private let gpusPerTrial: Int
    let capacity: Int?
    /// The GPUs each live trial holds, by its process id.
    private var held: [Int32: [String]] = [:]

    /// `logs`: the job's folder of trial log folders, where the GPUs of trials an earlier engine
    /// launched are recorded.
    init(compute: ComputeTarget, resources: TrialResources?, logs: String) {
        gpus = compute.gpus
        gpusPerTrial = resources?.gpus ?? 0
        var bounds: [Int] = []
        if gpusPerTrial > 0 { bounds.append(gpus.count / gpusPerTrial) }
        if let cpus = resources?.cpus {
            let available = Double(compute.cpus ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            bounds.append(max(1, Int((available / cpus).rounded(.down))))
        }
        if let memory = resources?.memoryBytes {
            let available = compute.memoryBytes ?? Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
            bounds.append(max(1, Int(available / memory)))
        }
        capacity = bounds.min()
        for folder in FileSystem.entries(of: logs) {
            guard let text = try? FileSystem.read("\(logs)/\(folder)/gpus") else { continue }
            let lines = text.split(separator: "\n")
            let process = lines.count > 1 ? lines[1].split(separator: " ") : []
            if process.count == 2, let pid = Int32(process[0]), let ticks = UInt64(process[1]),
                ProcessTable.isRunning(pid: pid, startTicks: ticks)
            {
                held[pid] = lines[0].split(separator: ",").map(String.init)
            }
        }
    }

    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        guard gpusPerTrial > 0 else { return try processes.launch(request) }
        let busy = Set(held.values.joined())
        let slice = Array(gpus.filter { !busy.contains($0) }.prefix(gpusPerTrial))
        guard slice.count == gpusPerTrial else {
            throw .internalFailure("no \(gpusPerTrial) free GPU(s) among \(gpus.joined(separator: ",")) (held: \(busy.sorted().joined(separator: ",")))")
        }
        var trial = request
        let visible = slice.joined(separator: ",")
        trial.environment = trial.environment.filter { $0.key != "CUDA_VISIBLE_DEVICES" } + [("CUDA_VISIBLE_DEVICES", visible)]
        let launched = try processes.launch(trial)
        held[launched.pid] = slice
        try? FileSystem.writeAtomically("\(FileSystem.directoryName(request.exitStatusPath))/gpus",
                                        "\(visible)\n\(launched.pid) \(launched.startTicks)\n")
        return launched
    }

    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
        let result = processes.poll(trial, exitStatusPath: exitStatusPath)
        if case .ended = result { held[trial.pid] = nil }
        if result == .vanished { held[trial.pid] = nil }
        return result
    }

    func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        processes.signal(trial, signal)
    }
}
