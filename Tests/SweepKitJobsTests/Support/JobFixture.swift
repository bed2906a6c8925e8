import SweepKit
import SweepKitJobs
import SweepKitPlatform
import SweepKitRunner
import XCTest

/// A workspace in a fresh temporary folder, with a helper to submit sweep jobs to it.
struct JobFixture {
    let root: String
    let workspace: Workspace

    init() throws {
        root = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-jobs-test")
        workspace = Workspace(root: "\(root)/ws")
    }

    func remove() { FileSystem.removeTree(root) }

    /// A grid sweep over x in `values`, primary metric `loss` (minimised), no code folder.
    static func gridJob(name: String, values: [Int] = [1, 2, 3, 4], concurrency: Int = 1, extra: JSONObject = [:]) -> JSONValue {
        var job: JSONObject = [
            "type": "sweep", "name": .string(name), "experiment_name": "unit",
            "trial": ["command": "train --x ${{search_space.x}}"],
            "search_space": ["x": ["type": "choice", "values": .array(values.map { .int($0) })]],
            "sampling_algorithm": "grid",
            "objective": ["goal": "minimize", "primary_metric": "loss"],
            "limits": ["max_total_trials": .int(values.count), "max_concurrent_trials": .int(concurrency)],
            "tracking_uri": "none",
        ]
        for (key, value) in extra { job[key] = value }
        return .object(job)
    }

    /// Engine options for in-memory trials: metrics read at every pass of the loop, so each
    /// value a scripted trial logs (one per poll) is read before the next one.
    static var fastOptions: SweepJobRunner.Options {
        var options = SweepJobRunner.Options()
        options.metricPollSeconds = 0
        options.terminationGraceSeconds = 0.05
        return options
    }
}

extension JobReport {
    func trial(_ number: Int) -> JobState.TrialRecord { trials[number] }
}
