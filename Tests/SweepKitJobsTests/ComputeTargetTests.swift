import SweepKit
@testable import SweepKitJobs
import SweepKitPlatform
import XCTest

/// Compute targets as `az ml compute` registers them, a job's `resources`, and what a job must
/// look like to run on each kind of compute.
final class ComputeTargetTests: XCTestCase {
    var fixture: JobFixture!

    override func setUpWithError() throws { fixture = try JobFixture() }
    override func tearDown() { fixture.remove() }

    private func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    func testEachKindReadsItsSettingsAndRefusesOthers() throws {
        let ray = try ComputeTarget(json: ["name": "aml-cluster", "type": "ray", "address": "http://127.0.0.1:8265/", "token": "s3cret"])
        XCTAssertEqual(ray.kind, .ray)
        XCTAssertEqual(ray.address, "http://127.0.0.1:8265")
        XCTAssertEqual(ray.json(redacted: true).object?["token"], "***", "a token is never shown")
        XCTAssertEqual(ray.json().object?["token"], "s3cret", "but it is stored")

        let slurm = try ComputeTarget(json: ["name": "hpc", "type": "Slurm", "shared_dir": "/shared", "partition": "gpu",
                                             "sbatch_options": ["--qos=high", "--constraint=a100"], "size": "ignored"])
        XCTAssertEqual(slurm.kind, .slurm)
        XCTAssertEqual(slurm.sbatchOptions, ["--qos=high", "--constraint=a100"])

        let local = try ComputeTarget(json: ["name": "local", "type": "local", "gpus": "0, 1,2", "cpus": 8, "memory": "32G"])
        XCTAssertEqual(local.gpus, ["0", "1", "2"])
        XCTAssertEqual(local.memoryBytes, 32 << 30)
        XCTAssertEqual(try ComputeTarget(json: ["name": "l", "type": "local", "gpus": 2]).gpus, ["0", "1"])
        XCTAssertEqual(try ComputeTarget(json: local.json()), local, "the stored form reads back the same")

        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x", "type": "amlcompute"]) },
                       "type: 'amlcompute' is not a compute type SweepKit runs trials on: local, ray or slurm")
        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x", "type": "ray"]) }.prefix(30), "address: Missing data for requ")
        XCTAssertTrue(error { _ = try ComputeTarget(json: ["name": "x", "type": "ray", "address": "https://head:8265"]) }
            .contains("https dashboards are not supported yet"))
        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x", "type": "slurm", "shared_dir": "/s", "gpus": 1]) },
                       "gpus: not a setting of a slurm compute")
        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x", "type": "slurm", "shared_dir": "/s", "sbatch_options": ["--output=x"]]) },
                       "sbatch_options: SweepKit sets --output on every trial itself")
        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x", "type": "local", "colour": "red"]) }, "colour: Unknown field.")
        XCTAssertEqual(error { _ = try ComputeTarget(json: ["name": "x y", "type": "local"]) }, "name: 'x y' must be 1-200 letters, digits, '_' or '-'")
    }

    func testTheWorkspaceStoresListsShowsAndDeletesComputes() throws {
        let workspace = fixture.workspace
        let shared = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-shared")
        defer { FileSystem.removeTree(shared) }
        try workspace.createOrUpdateCompute(["name": "ray1", "type": "ray", "address": "http://127.0.0.1:8265", "token": "t"])
        try workspace.createOrUpdateCompute(["name": "hpc", "type": "slurm", "shared_dir": .string(shared)])
        try workspace.createOrUpdateCompute(["name": "hpc", "type": "slurm", "shared_dir": .string(shared), "partition": "p"])
        XCTAssertEqual(try workspace.computes().map(\.name), ["hpc", "ray1"])
        XCTAssertEqual(try workspace.compute(named: "hpc").partition, "p", "create replaces a compute of the same name")
        XCTAssertEqual(try workspace.compute(named: "ray1").token, "t")
        var info = stat()
        stat(workspace.computesDirectory, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o700, "the folder holding tokens is its owner's only")
        try workspace.deleteCompute(named: "ray1")
        XCTAssertNil(try workspace.registeredCompute(named: "ray1"))
        XCTAssertEqual(error { try workspace.deleteCompute(named: "ray1") }, "name: no compute named 'ray1' in \(workspace.root)")
        XCTAssertEqual(error { try workspace.createOrUpdateCompute(["name": "s", "type": "slurm", "shared_dir": "/no/such/folder"]) },
                       "shared_dir: no such folder: /no/such/folder (it must be mounted here and on every node)")
    }

    func testResourcesAreReadAsRayTuneWritesThemAndFallBackToTheTrials() throws {
        let job = try SweepJobSpec(json: JobFixture.gridJob(name: "r", extra: ["resources": ["cpus": 2, "gpus": 1, "memory": "1.5G", "instance_count": 1]]))
        XCTAssertEqual(job.resources?.cpus, 2)
        XCTAssertEqual(job.resources?.gpus, 1)
        XCTAssertEqual(job.resources?.memoryBytes, 1536 << 20)
        XCTAssertEqual(job.resources?.memoryMegabytes, 1536)
        XCTAssertEqual(job.json.object?["resources"], ["cpus": 2, "gpus": 1, "memory": "1536M", "instance_count": 1])
        XCTAssertEqual(try SweepJobSpec(json: job.json), job, "the canonical spec reads back the same")

        var fromTrial = JobFixture.gridJob(name: "t").object!
        fromTrial["trial"] = ["command": "train ${{search_space.x}}", "resources": ["cpus": 0.5]]
        XCTAssertEqual(try SweepJobSpec(json: .object(fromTrial)).resources?.cpus, 0.5, "Azure falls back to trial.resources")
        XCTAssertNil(try SweepJobSpec(json: JobFixture.gridJob(name: "n", extra: ["resources": ["gpus": 0]])).resources)

        for (memory, expected) in [("512M", Int64(512 << 20)), ("2GiB", 2 << 30), ("4096MB", 4 << 30), ("1T", 1 << 40)] {
            XCTAssertEqual(try TrialResources.memory(.string(memory), field: "m"), expected, memory)
        }
        XCTAssertTrue(error { _ = try SweepJobSpec(json: JobFixture.gridJob(name: "m", extra: ["resources": ["memory": 4096]])) }
            .contains("a plain number counts bytes: write 4096M for 4096 MB"))
        XCTAssertEqual(error { _ = try SweepJobSpec(json: JobFixture.gridJob(name: "m", extra: ["resources": ["gpus": 1.5]])) },
                       "resources.gpus: must be a whole number of GPUs, got 1.5")
        XCTAssertEqual(error { _ = try SweepJobSpec(json: JobFixture.gridJob(name: "m", extra: ["resources": ["cores": 2]])) },
                       "resources.cores: Unknown field.")
    }

    func testAJobMustBeAbleToReachItsTrackingStoreFromTheCompute() throws {
        let workspace = fixture.workspace
        let shared = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-shared")
        defer { FileSystem.removeTree(shared) }
        try workspace.createOrUpdateCompute(["name": "ray1", "type": "ray", "address": "http://127.0.0.1:1"])
        try workspace.createOrUpdateCompute(["name": "hpc", "type": "slurm", "shared_dir": .string(shared)])
        func submit(_ compute: String, _ uri: String, name: String, resources: JSONValue? = nil) -> String {
            var extra: JSONObject = ["compute": .string(compute), "tracking_uri": .string(uri)]
            if let resources { extra["resources"] = resources }
            return error { _ = try workspace.submit(JobFixture.gridJob(name: name, extra: extra)) }
        }
        XCTAssertTrue(submit("azureml:ray1", "sqlite:////tmp/mlflow.db", name: "a")
            .hasPrefix("tracking_uri: trials on the Ray compute 'ray1' cannot reach the local store 'sqlite:////tmp/mlflow.db'"))
        XCTAssertEqual(submit("ray1", "http://127.0.0.1:5000", name: "b"), "no error")
        XCTAssertTrue(submit("hpc", "sqlite:////elsewhere/mlflow.db", name: "c")
            .contains("put the SQLite store in its shared folder (sqlite:///\(shared)/mlflow.db)"))
        XCTAssertEqual(submit("hpc", "sqlite:///\(shared)/mlflow.db", name: "d"), "no error")
        XCTAssertEqual(submit("hpc", "none", name: "e"), "no error")
        XCTAssertTrue(submit("local", "none", name: "f", resources: ["gpus": 1])
            .hasPrefix("resources.gpus: each trial needs 1 GPU(s) but the compute 'local' cannot give them: it has no GPUs registered"))
        XCTAssertEqual(submit("not-registered", "sqlite:////tmp/mlflow.db", name: "g"), "no error", "an unknown name runs locally")
        try workspace.createOrUpdateCompute(["name": "gpus", "type": "local", "gpus": [0, 1]])
        XCTAssertEqual(submit("gpus", "none", name: "h", resources: ["gpus": 2]), "no error")
        XCTAssertEqual(submit("gpus", "none", name: "i", resources: ["gpus": 3]),
                       "resources.gpus: each trial needs 3 GPU(s) but the compute 'gpus' cannot give them: it has 2 (0,1)")
    }
}
