import SweepKit
import SweepKitJobs
import SweepKitPlatform
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// The `sweepkit` command as a user runs it: exit codes, messages, and a whole job without MLflow.
final class CommandLineTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-cli-test")
    }

    override func tearDown() { FileSystem.removeTree(directory) }

    private func sweepkit(_ arguments: String...) throws -> TestEnvironment.Output {
        try TestEnvironment.run([TestEnvironment.sweepkitBinary] + arguments, in: directory,
                                environment: ["MLFLOW_TRACKING_URI": "none", "SWEEPKIT_WORKSPACE": "\(directory!)/ws"])
    }

    private func write(_ name: String, _ text: String) throws {
        try FileSystem.writeAtomically("\(directory!)/\(name)", text)
    }

    func testAnInvalidFileExitsTwoNamingTheField() throws {
        try write("bad.yml", """
            type: sweep
            trial: {command: "echo ${{search_space.lr}}"}
            search_space: {lr: {type: uniform, min_value: 1, max_value: 0.5}}
            objective: {goal: maximize, primary_metric: acc}
            """)
        let result = try sweepkit("validate", "--file", "bad.yml")
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("search_space.lr"), result.stderr)
        XCTAssertTrue(result.stderr.contains("min_value < max_value"), result.stderr)
    }

    func testAJobRunsToTheEndAndShowListAndStreamAgree() throws {
        try write("sweep.yml", """
            type: sweep
            experiment_name: cli
            trial: {command: "test ${{search_space.x}} != 3"}
            sampling_algorithm: grid
            search_space: {x: {type: choice, values: [1, 2, 3]}}
            objective: {goal: minimize, primary_metric: loss}
            limits: {max_total_trials: 3, max_concurrent_trials: 2}
            """)
        let stream = try sweepkit("job", "create", "--file", "sweep.yml", "--name", "cli_job", "--stream")
        XCTAssertEqual(stream.status, 0, stream.stdout + stream.stderr)
        XCTAssertTrue(stream.stdout.contains("Status: Completed"), stream.stdout)
        let show = try sweepkit("job", "show", "cli_job")
        XCTAssertEqual(show.status, 0)
        let report = try JSONValue(parsing: show.stdout).object ?? [:]
        XCTAssertEqual(report["status"], .string(JobStatus.completed.rawValue))
        let states = (report["trials"]?.array ?? []).map { $0.object?["status"]?.string ?? "" }
        XCTAssertEqual(states, [TrialState.completed, .completed, .failed].map(\.rawValue))
        let list = try sweepkit("job", "list")
        XCTAssertTrue(list.stdout.hasPrefix("cli_job\tCompleted\tcli\t3 trials"), list.stdout)
        let missing = try sweepkit("job", "show", "no_such_job")
        XCTAssertEqual(missing.status, 3, missing.stderr)
    }

    func testCancelOfAJobWhoseEngineDiedStopsItsTrialsThroughANewEngine() throws {
        try write("sweep.yml", """
            type: sweep
            trial: {command: "sleep 60; echo ${{search_space.x}}"}
            sampling_algorithm: grid
            search_space: {x: {type: choice, values: [1, 2]}}
            objective: {goal: minimize, primary_metric: loss}
            limits: {max_total_trials: 2, max_concurrent_trials: 2}
            """)
        XCTAssertEqual(try sweepkit("job", "create", "--file", "sweep.yml", "--name", "orphaned").status, 0)
        let workspace = Workspace(root: "\(directory!)/ws")
        let paths = workspace.paths("orphaned")
        // Both trials journaled with their processes (counting marked processes is not enough:
        // trial 0's shell and its `sleep` are two, before trial 1 is even started).
        func bothLaunched() -> Bool {
            let trials = (try? workspace.report("orphaned").trials) ?? []
            return trials.count == 2 && trials.allSatisfy { $0.process != nil }
        }
        var deadline = Clock.monotonicSeconds() + 30
        while !bothLaunched(), Clock.monotonicSeconds() < deadline { Clock.sleep(seconds: 0.05) }
        XCTAssertTrue(bothLaunched(), "the engine launched both trials")
        let engine = try XCTUnwrap(EngineLock.holder(paths.lock))
        kill(engine, SIGKILL)
        deadline = Clock.monotonicSeconds() + 10
        while EngineLock.holder(paths.lock) != nil, Clock.monotonicSeconds() < deadline { Clock.sleep(seconds: 0.05) }
        XCTAssertEqual(JobProcesses.pids(job: "orphaned").count >= 2, true, "the trials outlive their engine")

        let cancel = try sweepkit("job", "cancel", "orphaned")
        XCTAssertEqual(cancel.stdout, "job orphaned: Canceled\n", cancel.stderr)
        let report = try Workspace(root: "\(directory!)/ws").report("orphaned")
        XCTAssertEqual(report.trials.map(\.state), [.canceled, .canceled])
        XCTAssertEqual(JobProcesses.pids(job: "orphaned").filter { ProcessTable.entry($0)?.exited == false }, [])
    }

    func testComputesAreCreatedFromFlagsOrAFileListedShownAndDeleted() throws {
        try FileSystem.createDirectory("\(directory!)/shared")
        try write("compute.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
            name: hpc
            type: slurm
            shared_dir: shared
            sbatch_options: [--qos=normal]
            """)
        let fromFile = try sweepkit("compute", "create", "--file", "compute.yml", "--partition", "debug")
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertEqual(try JSONValue(parsing: fromFile.stdout),
                       ["name": "hpc", "type": "slurm", "shared_dir": .string("\(directory!)/shared"), "partition": "debug",
                        "sbatch_options": ["--qos=normal"]], "relative to the file; flags add to it")
        let ray = try sweepkit("compute", "create", "--name", "aml-cluster", "--type", "ray", "--address", "http://127.0.0.1:8265",
                               "--token", "abc")
        XCTAssertEqual(ray.status, 0, ray.stderr)
        XCTAssertFalse(ray.stdout.contains("abc"), "the token is not printed")
        let list = try sweepkit("compute", "list")
        XCTAssertEqual(list.stdout, "aml-cluster\tray\thttp://127.0.0.1:8265\nhpc\tslurm\tpartition debug, shared \(directory!)/shared\n")
        XCTAssertEqual(try sweepkit("compute", "show", "--name", "hpc").status, 0)
        XCTAssertEqual(try sweepkit("compute", "delete", "--name", "hpc", "--yes").status, 0)
        let gone = try sweepkit("compute", "show", "--name", "hpc")
        XCTAssertEqual(gone.status, 3, "no such compute")
        XCTAssertTrue(gone.stderr.contains("no compute named 'hpc'"), gone.stderr)
        let invalid = try sweepkit("compute", "create", "--name", "x", "--type", "slurm")
        XCTAssertEqual(invalid.status, 2)
        XCTAssertTrue(invalid.stderr.contains("shared_dir: Missing data for required field"), invalid.stderr)
    }
}
