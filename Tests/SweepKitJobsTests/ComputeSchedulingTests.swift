import SweepKit
import SweepKitJobs
import SweepKitPlatform
import SweepKitRunner
import XCTest

/// How the scheduler treats where trials run: a cluster's queue (queue time apart from run time,
/// `trial_timeout` counted from the start), a launcher's capacity, trials a dead engine submitted,
/// the compute a job names, and GPU slices on this machine.
final class ComputeSchedulingTests: XCTestCase {
    var fixture: JobFixture!

    override func setUpWithError() throws { fixture = try JobFixture() }
    override func tearDown() { fixture.remove() }

    /// Trials on a pretend cluster: each waits `queueSeconds` in the queue, then runs `runSeconds`
    /// and exits 0; the cluster runs `capacity` at once.
    final class PretendCluster: TrialLauncher {
        let queueSeconds: Double
        let runSeconds: Double
        let capacity: Int?
        let pollIntervalSeconds: Double? = 0.01
        private var submitted: [String: Double] = [:]
        private var stopped: Set<String> = []
        private var ended: Set<String> = []
        private(set) var mostAtOnce = 0
        private(set) var abandoned: [String] = []

        init(queueSeconds: Double, runSeconds: Double, capacity: Int?) {
            self.queueSeconds = queueSeconds
            self.runSeconds = runSeconds
            self.capacity = capacity
        }

        func launch(_ request: TrialLaunchRequest) throws(SweepKitError) -> LaunchedTrial {
            submitted[request.name] = Clock.monotonicSeconds()
            mostAtOnce = max(mostAtOnce, submitted.count - ended.count)
            return LaunchedTrial(kind: "pretend", id: request.name)
        }

        func poll(_ trial: LaunchedTrial, exitStatusPath: String) -> TrialPoll {
            guard let since = submitted[trial.id] else { return .vanished }
            if stopped.contains(trial.id) { ended.insert(trial.id); return .ended(.signaled(signal: SIGTERM)) }
            let age = Clock.monotonicSeconds() - since
            if age < queueSeconds { return .queued }
            if age < queueSeconds + runSeconds { return .running }
            ended.insert(trial.id)
            return .ended(.exited(code: 0))
        }

        func signal(_ trial: LaunchedTrial, _ signal: Int32) { stopped.insert(trial.id) }
        func abandon(name: String) { abandoned.append(name) }
    }

    private func run(_ job: JSONValue, on launcher: any TrialLauncher) throws -> JobReport {
        let spec = try fixture.workspace.submit(job)
        return try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions, launcher: launcher)
    }

    func testQueueTimeIsApartFromRunTimeAndTheClustersCapacityBoundsTheTrials() throws {
        let cluster = PretendCluster(queueSeconds: 0.3, runSeconds: 0.2, capacity: 2)
        let report = try run(JobFixture.gridJob(name: "queued", concurrency: 4, extra: ["tracking_uri": "none"]), on: cluster)
        XCTAssertEqual(report.trials.map(\.state), [.completed, .completed, .completed, .completed])
        XCTAssertEqual(cluster.mostAtOnce, 2, "max_concurrent_trials 4, but the cluster runs 2")
        for trial in report.trials {
            XCTAssertEqual(trial.process, LaunchedTrial(kind: "pretend", id: trial.name))
            XCTAssertGreaterThanOrEqual(trial.queueSeconds ?? 0, 0.25, "trial \(trial.number)")
            XCTAssertGreaterThanOrEqual(trial.runSeconds ?? 0, 0.15, "trial \(trial.number)")
        }
        let log = try FileSystem.read(fixture.workspace.paths("queued").log)
        XCTAssertTrue(log.contains("queued_0 submitted to pretend as queued_0: x=1"), log)
        XCTAssertTrue(log.contains("queued_0 running on pretend (queued_0) after 0."), log)
        XCTAssertTrue(log.contains("time on pretend: in the queue"), log)
    }

    func testTrialTimeoutCountsFromTheStartNotFromTheQueue() throws {
        let cluster = PretendCluster(queueSeconds: 1.5, runSeconds: 0.3, capacity: nil)
        let job = JobFixture.gridJob(name: "slowqueue", values: [1], extra: ["tracking_uri": "none", "limits": ["trial_timeout": 1]])
        let report = try run(job, on: cluster)
        XCTAssertEqual(report.trial(0).state, .completed, report.trial(0).message ?? "")

        let stuck = PretendCluster(queueSeconds: 0.1, runSeconds: 60, capacity: nil)
        let timedOut = try run(JobFixture.gridJob(name: "longrun", values: [1], extra: ["tracking_uri": "none", "limits": ["trial_timeout": 1]]),
                               on: stuck)
        XCTAssertEqual(timedOut.trial(0).state, .canceled)
        XCTAssertEqual(timedOut.trial(0).message, "trial_timeout (1 s) reached")
    }

    func testResumeStopsWhatAClusterRunsForATrialTheDeadEngineNeverRecordedAsLaunched() throws {
        let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "orphan", values: [1], extra: ["tracking_uri": "none"]))
        let paths = fixture.workspace.paths(spec.name)
        let journal = try JobJournal(path: paths.journal)
        try journal.append(.engineStarted(pid: 1, resumed: false))
        try journal.append(.tracking(experimentID: "1", parentRunID: "parent"))
        try journal.append(.trialStarted(TrialStart(number: 0, name: "orphan_0", attempt: 1, params: ["x": 1], flatParams: ["x": 1],
                                                    runID: "", directory: "\(paths.trials)/orphan_0", logDirectory: "\(paths.logs)/orphan_0")))
        let cluster = PretendCluster(queueSeconds: 0, runSeconds: 0, capacity: nil)
        let report = try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions, launcher: cluster)
        XCTAssertEqual(cluster.abandoned, ["orphan_0"], "the submission an earlier engine may have made is stopped")
        XCTAssertEqual(report.trial(0).attempts, 2)
        XCTAssertEqual(report.trial(0).state, .completed)
    }

    func testAnUnregisteredComputeRunsLocallyWithANoticeThatSaysHowToRegisterIt() throws {
        let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "notice", values: [1], extra: [
            "tracking_uri": "none", "compute": "azureml:aml-cluster", "trial": ["command": "true ${{search_space.x}}"],
        ]))
        let report = try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions)
        XCTAssertEqual(report.trial(0).state, .completed)
        XCTAssertEqual(report.trial(0).process?.kind, "local")
        let log = try FileSystem.read(fixture.workspace.paths("notice").log)
        XCTAssertTrue(log.contains("note: compute 'aml-cluster' is not registered in this workspace, so the trials run as local processes (register it with `sweepkit compute create --name aml-cluster --type slurm|ray|local ...`"), log)
    }

    /// Real processes, pretend GPUs: each trial records the GPUs it got and when it ran.
    func testEachLocalTrialGetsItsOwnGPUsAndNoMoreTrialsRunThanGPUsAllow() throws {
        try fixture.workspace.createOrUpdateCompute(["name": "box", "type": "local", "gpus": ["0", "1", "2"]])
        let record = "\(fixture.root)/record"
        try FileSystem.createDirectory(record)
        let command = #"echo "$CUDA_VISIBLE_DEVICES $(date +%s.%N)" > \#(record)/${{search_space.x}}.start; sleep 0.4; date +%s.%N > \#(record)/${{search_space.x}}.end"#
        let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "gpus", values: Array(1...7), concurrency: 7, extra: [
            "tracking_uri": "none", "compute": "box", "trial": .object(["command": .string(command)]), "resources": ["gpus": 1],
        ]))
        let report = try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions)
        XCTAssertEqual(report.trials.map(\.state), Array(repeating: .completed, count: 7))
        var spans: [(gpu: String, start: Double, end: Double)] = []
        for x in 1...7 {
            let start = try FileSystem.read("\(record)/\(x).start").split(separator: " ")
            let end = try FileSystem.read("\(record)/\(x).end").trimmingWhitespace
            spans.append((String(start[0]), Double(String(start[1]).trimmingWhitespace)!, Double(end)!))
        }
        XCTAssertEqual(Set(spans.map(\.gpu)), ["0", "1", "2"])
        for a in spans {
            XCTAssertLessThanOrEqual(spans.filter { $0.start <= a.start && a.start < $0.end }.count, 3, "at most 3 trials at once")
        }
        for (i, a) in spans.enumerated() {
            for b in spans[(i + 1)...] where a.start < b.end && b.start < a.end {
                XCTAssertNotEqual(a.gpu, b.gpu, "trials running at the same time share no GPU")
            }
        }
    }

    func testANewSweepOnAClusterThatDoesNotAnswerFailsAtOnceNamingIt() throws {
        let shared = "\(fixture.root)/shared"
        try FileSystem.createDirectory(shared)
        try fixture.workspace.createOrUpdateCompute(["name": "hpc", "type": "slurm", "shared_dir": .string(shared)])
        try fixture.workspace.createOrUpdateCompute(["name": "ray", "type": "ray", "address": "http://127.0.0.1:1"])
        // A Slurm whose controller is not there (port 1): squeue fails at once.
        try FileSystem.writeAtomically("\(fixture.root)/dead.conf", """
            ClusterName=dead
            SlurmctldHost=localhost(127.0.0.1)
            SlurmctldPort=1
            MessageTimeout=1
            AuthType=auth/none
            CredType=cred/none
            NodeName=localhost CPUs=1 State=UNKNOWN
            PartitionName=p Nodes=localhost Default=YES

            """)
        setenv("SLURM_CONF", "\(fixture.root)/dead.conf", 1)
        defer { unsetenv("SLURM_CONF") }
        for compute in ["hpc", "ray"] {
            let spec = try fixture.workspace.submit(JobFixture.gridJob(name: "down-\(compute)", values: [1], extra: [
                "tracking_uri": "none", "compute": .string(compute)]))
            XCTAssertThrowsError(try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: JobFixture.fastOptions))
            let report = try fixture.workspace.report(spec.name)
            XCTAssertEqual(report.status, .failed)
            let reason = report.reason ?? ""
            XCTAssertTrue(reason.contains(compute == "hpc" ? "Slurm does not answer here" : "the Ray dashboard http://127.0.0.1:1 does not answer")
                              || reason.contains("squeue is not on PATH"), reason)
            XCTAssertTrue(report.trials.isEmpty, "no trial was tried")
        }
    }
}
