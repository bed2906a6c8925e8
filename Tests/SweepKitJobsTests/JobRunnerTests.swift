import SweepKit
import SweepKitJobs
import SweepKitPlatform
import SweepKitRunner
import XCTest

/// The job engine through its seams: in-memory trials (`ScriptedLauncher`) logging into an
/// in-memory MLflow store. Fast and deterministic: no processes, no MLflow.
final class JobRunnerTests: XCTestCase {
    var fixture: JobFixture!

    override func setUpWithError() throws { fixture = try JobFixture() }
    override func tearDown() { fixture.remove() }

    /// x's loss curve: `values` logged one per poll.
    private func run(_ job: JSONValue, launcher: ScriptedLauncher, store: InMemoryTrackingStore,
                     options: SweepJobRunner.Options = JobFixture.fastOptions) throws -> JobReport {
        let spec = try fixture.workspace.submit(job)
        return try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: options, launcher: launcher, store: store)
    }

    func testASweepRunsEveryTrialAndTheReportEqualsTheStore() throws {
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { params in
            let x = params["x"]?.number ?? 0
            return x == 3 ? .init(values: [], exitCode: 2) : .init(values: [x + 1, x, x - 0.5])
        }
        let report = try run(JobFixture.gridJob(name: "all", concurrency: 2), launcher: launcher, store: store)
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(report.trials.map(\.state), [.completed, .completed, .failed, .completed])
        XCTAssertEqual(report.trials.map(\.value), [0.5, 1.5, nil, 3.5], "a trial's value is its best logged value")
        XCTAssertEqual(report.best?.number, 0)
        XCTAssertTrue(report.trial(2).message?.contains("exited with code 2") == true)
        for trial in report.trials {
            let expected: RunStatus = trial.state == .completed ? .finished : trial.state == .failed ? .failed : .killed
            XCTAssertEqual(store.runs[trial.runID]?.status, expected, "trial \(trial.number)")
        }
        XCTAssertEqual(store.runs[report.state.parentRunID ?? ""]?.status, .finished)
        XCTAssertEqual(store.runs[report.state.parentRunID ?? ""]?.tags["best_child_run_id"], report.trial(0).runID)
    }

    func testATrialThatLogsNothingFailsNamingTheMetric() throws {
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { _ in .init(values: []) }
        let report = try run(JobFixture.gridJob(name: "silent", values: [1]), launcher: launcher, store: store)
        XCTAssertEqual(report.status, .failed)
        XCTAssertEqual(report.reason, "every trial failed")
        XCTAssertTrue(report.trial(0).message?.contains("never logged the primary metric 'loss'") == true, report.trial(0).message ?? "")
    }

    func testThePolicyStopsATrialAndItsValueIsItsBestUpToTheDecision() throws {
        // Median stopping (minimize): trial 0's curve is 1, 1, 1; trial 1 reports 5, 5, ... and is
        // stopped at interval 1 (5 > median 1); it logs 0.1 after the decision, which must not count.
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { params in
            params["x"]?.number == 1 ? .init(values: [1, 1, 1]) : .init(values: [5, 0.1, 0.1, 0.1], extraPolls: 50)
        }
        let job = JobFixture.gridJob(name: "policy", values: [1, 2], extra: ["early_termination": ["type": "median_stopping"]])
        let report = try run(job, launcher: launcher, store: store)
        XCTAssertEqual(report.trial(1).state, .canceled)
        XCTAssertEqual(report.trial(1).stopDecision?.interval, 1)
        XCTAssertEqual(report.trial(1).value, 5)
        XCTAssertEqual(store.runs[report.trial(1).runID]?.status, .killed)
        XCTAssertEqual(launcher.signals.first?.signal, SIGTERM)
    }

    func testATrialThatEndsBeforeTheEngineReadsItsLastPointsCompletes() throws {
        // The engine reads metrics only every 10 s here, so trial 1's points arrive after its exit:
        // they are recorded, but the policy does not stop a trial that already finished.
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { params in
            params["x"]?.number == 1 ? .init(values: [1, 1, 1]) : .init(values: [5, 5, 5])
        }
        var options = JobFixture.fastOptions
        options.metricPollSeconds = 10
        let job = JobFixture.gridJob(name: "race", values: [1, 2], extra: ["early_termination": ["type": "median_stopping"]])
        let report = try run(job, launcher: launcher, store: store, options: options)
        XCTAssertEqual(report.trials.map(\.state), [.completed, .completed])
        XCTAssertEqual(report.trial(1).history, [5, 5, 5])
        XCTAssertTrue(report.state.decisions.isEmpty)
    }

    func testTrialTimeoutCancelsTheTrial() throws {
        let store = InMemoryTrackingStore()
        // Long (a million polls), but not endless: a runner that ignores the timeout fails this test, not hangs it.
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { _ in .init(values: [1], extraPolls: 1_000_000) }
        let job = JobFixture.gridJob(name: "slow", values: [1], extra: ["limits": ["max_total_trials": 1, "trial_timeout": 0.05]])
        let report = try run(job, launcher: launcher, store: store)
        XCTAssertEqual(report.trial(0).state, .canceled)
        XCTAssertTrue(report.trial(0).message?.hasPrefix("trial_timeout") == true)
    }

    func testWhenTheStoreFailsMidSweepNoTrialIsLeftRunningInTheReport() throws {
        let store = InMemoryTrackingStore()
        store.failReadsAfter = 5
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { _ in .init(values: [1], extraPolls: 1_000_000) }
        let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "gone", concurrency: 2))
        XCTAssertThrowsError(try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions,
                                                    launcher: launcher, store: store))
        let report = try fixture.workspace.report("gone")
        XCTAssertEqual(report.status, .failed)
        XCTAssertEqual(report.reason, "the store is gone")
        XCTAssertEqual(report.trials.map(\.state), [.canceled, .canceled])
        XCTAssertTrue(report.trial(0).message?.hasPrefix("stopped because the engine failed") == true)
        XCTAssertEqual(Set(launcher.signals.map(\.signal)), [SIGTERM])
    }

    func testConcurrencyAndTotalTrialLimitsAreHonoured() throws {
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { params in
            .init(values: [params["x"]?.number ?? 0], extraPolls: 2)
        }
        var job = JobFixture.gridJob(name: "limits", values: [1, 2, 3, 4, 5, 6, 7], concurrency: 3).object!
        job["limits"] = ["max_total_trials": 5, "max_concurrent_trials": 3]
        let report = try run(.object(job), launcher: launcher, store: store)
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(report.reason, "max_total_trials (5) reached")
        XCTAssertEqual(launcher.launches.map { $0.params["x"] }, [1, 2, 3, 4, 5].map { JSONValue.int($0) })
        XCTAssertEqual(launcher.peakLive, 3, "three trials at once, never four")
        XCTAssertEqual(report.trials.map(\.value), [1, 2, 3, 4, 5])
    }

    func testWithoutAConcurrencyLimitEveryTrialRunsAtOnce() throws {
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { _ in .init(values: [1], extraPolls: 2) }
        var job = JobFixture.gridJob(name: "unbounded", values: [1, 2, 3, 4]).object!
        job["limits"] = [:]
        let report = try run(.object(job), launcher: launcher, store: store)
        XCTAssertEqual(report.trials.count, 4)
        XCTAssertEqual(launcher.peakLive, 4)
        XCTAssertTrue(report.reason?.contains("exhausted") == true, report.reason ?? "")
    }

    func testTheSweepTimeoutCancelsTheRunningTrialsAndTheSweep() throws {
        let store = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: store, primaryMetric: "loss") { _ in .init(values: [1], extraPolls: 1_000_000) }
        var job = JobFixture.gridJob(name: "late", concurrency: 2).object!
        job["limits"] = ["max_total_trials": 4, "max_concurrent_trials": 2, "timeout": 0.05]
        let report = try run(.object(job), launcher: launcher, store: store)
        XCTAssertEqual(report.status, .canceled)
        XCTAssertEqual(report.reason, "timeout (0.05 s) reached")
        XCTAssertEqual(report.trials.map(\.state), [.canceled, .canceled], "no trial started after the timeout")
        XCTAssertEqual(Set(launcher.signals.map(\.signal)), [SIGTERM])
        XCTAssertEqual(store.runs[report.state.parentRunID ?? ""]?.status, .killed)
    }

    /// `tracking_uri: none` (the engine's own store, not the in-memory one): no metrics, so a trial
    /// completes on exit 0 alone, without a value, and fails on any other exit.
    func testWithoutTrackingTrialsCompleteOnTheirExitStatusAlone() throws {
        let unused = InMemoryTrackingStore()
        let launcher = ScriptedLauncher(store: unused, primaryMetric: "loss") { params in
            .init(values: [], exitCode: params["x"]?.number == 2 ? 3 : 0)
        }
        let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "untracked", values: [1, 2, 3]))
        let report = try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions,
                                            launcher: launcher)
        XCTAssertEqual(report.status, .completed)
        XCTAssertEqual(report.trials.map(\.state), [.completed, .failed, .completed])
        XCTAssertEqual(report.trials.map(\.value), [nil, nil, nil])
        XCTAssertTrue(report.trial(1).message?.contains("exited with code 3") == true, report.trial(1).message ?? "")
        XCTAssertNil(report.state.parentRunID.flatMap { unused.runs[$0] }, "nothing was tracked")
        XCTAssertEqual(launcher.launches.map(\.runID), ["", "", ""], "no MLflow run for the trials")
    }
}
