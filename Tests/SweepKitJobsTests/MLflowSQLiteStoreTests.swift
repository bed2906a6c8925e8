import SweepKit
import SweepKitPlatform
import SweepKitRunner
import XCTest

/// The embedded store against a database MLflow itself creates, read back with MLflow's client.
final class MLflowSQLiteStoreTests: XCTestCase {
    func testTheStoreWritesWhatMLflowReadsAndReadsWhatMLflowWrites() throws {
        let python = try TestEnvironment.pythonWithMLflow()
        let directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-mlflow-test")
        defer { FileSystem.removeTree(directory) }
        let uri = "sqlite:///\(directory)/mlflow.db"
        let store = MLflowSQLiteStore(uri: uri, python: python)
        try store.prepare()  // MLflow creates the schema
        let experiment = try store.experimentID(named: "store-test")
        XCTAssertEqual(try store.experimentID(named: "store-test"), experiment, "found, not created twice")
        let parent = try store.createRun(experimentID: experiment, name: "sweep", parentRunID: nil,
                                         tags: [("sweepkit.job", "job1")], params: [])
        let child = try store.createRun(experimentID: experiment, name: "job1_0", parentRunID: parent,
                                        tags: [("sweepkit.job", "job1")], params: [("lr", "0.1")])
        let stray = try store.createRun(experimentID: experiment, name: "job1_1", parentRunID: parent,
                                        tags: [("sweepkit.job", "job1")], params: [])

        // A trial logs with MLflow's own client into the pre-created run.
        let log = try TestEnvironment.run([python, "-c", """
            import mlflow
            with mlflow.start_run(run_id="\(child)"):
                for step, value in enumerate([0.5, float("nan"), 0.25]):
                    mlflow.log_metric("loss", value, step=step)
                mlflow.log_metric("other", 1.0)
            """], in: directory, environment: ["MLFLOW_TRACKING_URI": uri])
        XCTAssertEqual(log.status, 0, log.stderr)

        var cursor = 0
        let points = try store.newMetricPoints(runID: child, key: "loss", cursor: &cursor)
        XCTAssertEqual(points.map(\.step), [0, 1, 2])
        XCTAssertEqual(points[0].value, 0.5)
        XCTAssertTrue(points[1].value.isNaN)
        XCTAssertEqual(try store.newMetricPoints(runID: child, key: "loss", cursor: &cursor), [], "the cursor moved past them")
        XCTAssertEqual(try store.metricKeys(runID: child), ["loss", "other"])

        try store.finishRun(runID: child, status: .killed, tags: [("sweepkit.message", "stopped")])
        XCTAssertEqual(try store.runs(experimentID: experiment, taggedWith: "sweepkit.job", value: "job1"), [parent, child, stray])
        try store.deleteRun(runID: stray)
        XCTAssertEqual(try store.runs(experimentID: experiment, taggedWith: "sweepkit.job", value: "job1"), [parent, child])

        let check = try TestEnvironment.run([python, "-c", """
            import mlflow
            client = mlflow.MlflowClient()
            run = client.get_run("\(child)")
            print(run.info.status, run.data.params["lr"], run.data.tags["sweepkit.message"], run.data.tags["mlflow.parentRunId"])
            print(client.get_run("\(stray)").info.lifecycle_stage)
            """], in: directory, environment: ["MLFLOW_TRACKING_URI": uri])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(check.stdout.split(separator: "\n"), ["KILLED 0.1 stopped \(parent)", "deleted"])
    }
}
