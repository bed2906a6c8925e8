import SweepKit
import SweepKitJobs
import XCTest

/// Replay: the one interpretation of a journal, used by the report and by resume.
final class JobStateTests: XCTestCase {
    private func entries(_ events: [JobEvent]) -> [JournalEntry] {
        events.enumerated().map { JournalEntry(time: Int64($0.offset), event: $0.element) }
    }

    private func started(_ number: Int, attempt: Int = 1) -> JobEvent {
        .trialStarted(TrialStart(number: number, name: "j_\(number)", attempt: attempt, params: ["x": .int(number)],
                                 flatParams: ["x": .int(number)], runID: "r\(number)-\(attempt)", directory: "", logDirectory: ""))
    }

    private func ended(_ number: Int, _ state: TrialState, _ value: Double?) -> JobEvent {
        .trialEnded(TrialEnd(number: number, state: state, value: value, message: nil, exit: nil))
    }

    func testTheBestTrialIsTheEarliestCompletedTrialWithTheBestValue() throws {
        let spec = try SweepJobSpec(json: JobFixture.gridJob(name: "j"))  // minimize
        let state = JobState(replaying: entries([
            .created(spec: spec), started(0), started(1), started(2), started(3),
            ended(1, .completed, 0.5), ended(0, .failed, nil), ended(2, .completed, 0.5), ended(3, .canceled, 0.1),
        ]))
        XCTAssertEqual(state.bestNumber, 1, "a tie keeps the earlier trial; failed and canceled trials never count")
        XCTAssertEqual(state.trials.map(\.state), [.failed, .completed, .completed, .canceled])
        XCTAssertTrue(state.unfinishedTrials.isEmpty)
    }

    func testARelaunchedTrialKeepsItsNumberAndCountsItsAttempts() throws {
        let state = JobState(replaying: entries([
            started(0), .trialLaunched(number: 0, process: LaunchedTrial(pid: 5, startTicks: 7)),
            started(0, attempt: 2),
        ]))
        XCTAssertEqual(state.trials.count, 1)
        XCTAssertEqual(state.trials[0].attempts, 2)
        XCTAssertEqual(state.trials[0].runID, "r0-2")
        XCTAssertNil(state.trials[0].process, "the new attempt has not been launched yet")
        XCTAssertEqual(state.unfinishedTrials.map(\.number), [0])
    }

    func testQueueTimeIsFromLaunchToRunningAndRunTimeFromRunningToTheEnd() throws {
        let timed: [(Int64, JobEvent)] = [
            (1_000, started(0)), (1_500, .trialLaunched(number: 0, process: LaunchedTrial(kind: "slurm", id: "12"))),
            (4_000, .trialRunning(number: 0)), (9_500, ended(0, .completed, 1)),
            (10_000, started(1)), (10_200, .trialLaunched(number: 1, process: LaunchedTrial(pid: 5, startTicks: 7))),
            (12_200, ended(1, .completed, 2)),
            (13_000, .trialRunning(number: 2)),
        ]
        let state = JobState(replaying: timed.map { JournalEntry(time: $0.0, event: $0.1) })
        XCTAssertEqual(state.trials[0].queueSeconds, 2.5)
        XCTAssertEqual(state.trials[0].runSeconds, 5.5)
        XCTAssertEqual(state.trials[1].queueSeconds, 0, "a local process runs from its launch")
        XCTAssertEqual(state.trials[1].runSeconds, 2)
        XCTAssertEqual(state.inconsistencies, ["trial 2 started running but it was not launched"])
        let report = JobReport(state: state, engineRunning: false).json.object?["trials"]?.array?.first?.object
        XCTAssertEqual(report?["queue_seconds"], .double(2.5))
        XCTAssertEqual(report?["run_seconds"], .double(5.5))
        XCTAssertEqual(report?["compute"], ["kind": "slurm", "id": "12"])
    }

    func testContradictoryEventsAreIgnoredAndReported() {
        let state = JobState(replaying: entries([
            ended(0, .completed, 1), started(0), ended(0, .completed, 1), ended(0, .failed, nil), started(2),
        ]))
        XCTAssertEqual(state.trials.map(\.state), [.completed])
        XCTAssertEqual(state.trials[0].value, 1)
        XCTAssertEqual(state.inconsistencies.count, 3)
    }

    func testTheReportSaysWhetherAnEngineRunsTheJob() throws {
        let spec = try SweepJobSpec(json: JobFixture.gridJob(name: "j"))
        let submitted = JobState(replaying: entries([.created(spec: spec)]))
        XCTAssertEqual(JobReport(state: submitted, engineRunning: false).status, .notStarted)
        let started = JobState(replaying: entries([.created(spec: spec), .engineStarted(pid: 1, resumed: false)]))
        XCTAssertEqual(JobReport(state: started, engineRunning: true).status, .running)
        XCTAssertEqual(JobReport(state: started, engineRunning: false).status, .notResponding)
        let ended = JobState(replaying: entries([.created(spec: spec), .engineStarted(pid: 1, resumed: false),
                                                 .sweepEnded(status: .canceled, reason: "canceled by the user", engineCPUSeconds: nil)]))
        XCTAssertEqual(JobReport(state: ended, engineRunning: true).status, .canceled)
        XCTAssertEqual(JobReport(state: ended, engineRunning: false).reason, "canceled by the user")
    }
}
