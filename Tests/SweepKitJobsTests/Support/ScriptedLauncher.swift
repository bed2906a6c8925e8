#if canImport(Glibc)
import Glibc
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform
import SweepKitRunner

/// Trials that run in memory: each launch follows a script chosen from the trial's parameters
/// (the metric values it logs, one per poll, then its exit), logging into an `InMemoryTrackingStore`.
/// Processes "left by a crashed engine" are registered with `adopt`.
final class ScriptedLauncher: TrialLauncher {
    struct Script {
        var values: [Double]
        var exitCode: Int32 = 0
        /// Polls that report `.running` after the last value, before the exit.
        var extraPolls = 0
    }

    enum Orphan {
        /// Still running: logs these values, then exits with the code.
        case running(Script)
        /// Ended while no engine watched: only its exit status is left.
        case ended(exitCode: Int32)
        /// Gone without an exit status.
        case vanished
    }

    private struct Process {
        let runID: String
        var script: Script
        var polls = 0
        var signal: Int32?
        var orphanEnded: Int32?
        var vanished = false
    }

    private let store: InMemoryTrackingStore
    private let primaryMetric: String
    private let script: (JSONObject) -> Script
    private var processes: [Int32: Process] = [:]
    private var nextPID: Int32 = 10_000
    private(set) var launches: [(params: JSONObject, runID: String)] = []
    private(set) var signals: [(pid: Int32, signal: Int32)] = []
    /// Launched processes that have not been seen to end, and the most there ever were at once.
    private var live: Set<Int32> = []
    private(set) var peakLive = 0

    init(store: InMemoryTrackingStore, primaryMetric: String, script: @escaping (JSONObject) -> Script) {
        self.store = store
        self.primaryMetric = primaryMetric
        self.script = script
    }

    func adopt(pid: Int32, runID: String, _ orphan: Orphan) {
        switch orphan {
        case .running(let script): processes[pid] = Process(runID: runID, script: script)
        case .ended(let code): processes[pid] = Process(runID: runID, script: Script(values: []), orphanEnded: code)
        case .vanished: processes[pid] = Process(runID: runID, script: Script(values: []), vanished: true)
        }
    }

    func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
        let environment = Dictionary(request.environment.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        var params = JSONObject()
        for (key, value) in environment where key.hasPrefix("AZUREML_SWEEP_") {
            params[String(key.dropFirst("AZUREML_SWEEP_".count))] = JSONValue.number(from: value)
        }
        let runID = environment["MLFLOW_RUN_ID"] ?? environment["SWEEPKIT_TEST_RUN_ID"] ?? ""
        launches.append((params, runID))
        nextPID += 1
        processes[nextPID] = Process(runID: runID, script: script(params))
        live.insert(nextPID)
        peakLive = max(peakLive, live.count)
        return LaunchedTrial(pid: nextPID, startTicks: 1)
    }

    func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
        let result = step(trial)
        if result != .running { live.remove(trial.pid) }
        return result
    }

    private func step(_ trial: LaunchedTrial) -> TrialPoll {
        guard var process = processes[trial.pid] else { return .vanished }
        defer { processes[trial.pid] = process }
        if process.vanished { return .vanished }
        if let code = process.orphanEnded { return .ended(.exited(code: code)) }
        if let signal = process.signal { return .ended(.signaled(signal: signal)) }
        if process.polls < process.script.values.count {
            store.log(runID: process.runID, key: primaryMetric, value: process.script.values[process.polls])
        }
        process.polls += 1
        if process.polls > process.script.values.count + process.script.extraPolls {
            return .ended(.exited(code: process.script.exitCode))
        }
        return .running
    }

    func signal(_ trial: LaunchedTrial, _ signal: Int32) {
        signals.append((trial.pid, signal))
        if processes[trial.pid]?.signal == nil { processes[trial.pid]?.signal = signal }
    }
}

extension JSONValue {
    /// The JSON number a trial's `AZUREML_SWEEP_x` text stands for (strings stay strings).
    static func number(from text: String) -> JSONValue {
        if let integer = Int(text) { return .int(integer) }
        if let double = Double(text) { return .double(double) }
        return .string(text)
    }
}
