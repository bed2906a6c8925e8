import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform
@testable import SweepKitRunner
import XCTest

/// What the Ray and Slurm launchers send to a cluster, checked without one: the batch script and
/// the `sbatch` line, Slurm's states, the Ray package and the script every Ray trial runs. The
/// real clusters are in python/tests/test_clusters.py.
final class ClusterLauncherTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws { directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-cluster-test") }
    override func tearDown() { FileSystem.removeTree(directory) }

    private func request(_ command: String, resources: TrialResources? = nil, timeout: Double? = nil) throws -> TrialLaunchRequest {
        let logs = "\(directory!)/logs", trial = "\(directory!)/trial"
        try FileSystem.createDirectory(logs)
        try FileSystem.createDirectory(trial)
        return TrialLaunchRequest(command: command, workingDirectory: trial, environment: ProcessEnvironment.current(),
                                  stdoutPath: "\(logs)/stdout.txt", stderrPath: "\(logs)/stderr.txt", exitStatusPath: "\(logs)/exit_status",
                                  name: "job_3-attempt2", trialVariables: [("MLFLOW_RUN_ID", "r1")], resources: resources, timeoutSeconds: timeout)
    }

    func testSbatchGetsTheTrialsResourcesATimeLimitAndTheComputesOptions() throws {
        var compute = try ComputeTarget(json: ["name": "hpc", "type": "slurm", "shared_dir": "/shared", "partition": "gpu", "account": "ml",
                                               "sbatch_options": ["--qos=high"]])
        compute.sharedDirectory = directory
        let arguments = SlurmLauncher(compute: compute).sbatchArguments(
            try request("true", resources: TrialResources(cpus: 1.5, gpus: 2, memoryBytes: 3 << 30), timeout: 600))
        XCTAssertEqual(Array(arguments.prefix(3)), ["sbatch", "--parsable", "--job-name=job_3-attempt2"])
        for expected in ["--chdir=\(directory!)/trial", "--output=\(directory!)/logs/stdout.txt", "--error=\(directory!)/logs/stderr.txt",
                         "--partition=gpu", "--account=ml", "--cpus-per-task=2", "--gres=gpu:2", "--mem=3072M", "--time=11:30", "--qos=high"] {
            XCTAssertTrue(arguments.contains(expected), "\(expected) in \(arguments)")
        }
        XCTAssertFalse(arguments.contains { $0.hasPrefix("--export") }, "the environment goes as Slurm's default --export=ALL passes it")
    }

    func testSlurmStatesMeanWaitingRunningEndedOrVanished() {
        XCTAssertEqual(SlurmLauncher.meaning(of: "PENDING"), .waiting)
        XCTAssertEqual(SlurmLauncher.meaning(of: "CONFIGURING"), .waiting)
        XCTAssertEqual(SlurmLauncher.meaning(of: "RUNNING"), .running)
        XCTAssertEqual(SlurmLauncher.meaning(of: "COMPLETING"), .running)
        XCTAssertEqual(SlurmLauncher.meaning(of: "COMPLETED"), .ended(.exited(code: 0), vanished: false))
        XCTAssertEqual(SlurmLauncher.meaning(of: "FAILED"), .ended(.exited(code: 1), vanished: false))
        XCTAssertEqual(SlurmLauncher.meaning(of: "CANCELLED by 0"), .ended(.signaled(signal: SIGTERM), vanished: false))
        XCTAssertEqual(SlurmLauncher.meaning(of: "TIMEOUT"), .ended(.signaled(signal: SIGTERM), vanished: false))
        XCTAssertEqual(SlurmLauncher.meaning(of: "OUT_OF_MEMORY"), .ended(.signaled(signal: SIGKILL), vanished: false))
        XCTAssertEqual(SlurmLauncher.meaning(of: "NODE_FAIL"), .ended(.signaled(signal: SIGKILL), vanished: true))
        XCTAssertEqual(SlurmLauncher.meaning(of: "PREEMPTED"), .ended(.signaled(signal: SIGKILL), vanished: true))
    }

    /// The batch script run by bash as slurmd would: it marks the start, runs the command in a
    /// subshell and records its status, also when everything gets SIGTERM (`scancel --full`).
    func testTheBatchScriptRecordsTheStartAndTheExitStatusEvenOfAStoppedCommand() throws {
        let finishing = try request("echo out; exit 3")
        let script = "\(directory!)/trial.sbatch"
        try FileSystem.writeAtomically(script, SlurmLauncher.batchScript(finishing, submittedWith: ["sbatch", "x"]))
        let done = try TestEnvironment.run(["/bin/bash", script], in: finishing.workingDirectory)
        XCTAssertEqual(done.status, 3)
        XCTAssertEqual(done.stdout, "out\n")
        XCTAssertEqual(try FileSystem.read(finishing.exitStatusPath), "3\n")
        XCTAssertTrue(FileSystem.exists("\(directory!)/logs/started"))

        unlink(finishing.exitStatusPath)
        let stopped = try request("sleep 30")
        try FileSystem.writeAtomically(script, SlurmLauncher.batchScript(stopped, submittedWith: []))
        let pid = try ChildProcess.spawn(ChildProcess.Request(arguments: ["/bin/bash", script], environment: ProcessEnvironment.current(),
                                                              workingDirectory: stopped.workingDirectory, stdoutPath: "/dev/null", stderrPath: "/dev/null"))
        let deadline = Clock.monotonicSeconds() + 10
        while ProcessTable.members(ofGroup: pid).count < 3, Clock.monotonicSeconds() < deadline { Clock.sleep(seconds: 0.05) }
        ChildProcess.signalGroup(pid, SIGTERM)
        XCTAssertEqual(ChildProcess.wait(pid), .exited(code: 143))
        XCTAssertEqual(try FileSystem.read(stopped.exitStatusPath), "143\n", "killed by SIGTERM, and recorded")
    }

    func testSHA256MatchesTheStandardsExamples() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// The package Ray unpacks: Python's zipfile reads it, the same code gives the same name, and
    /// the trial script, run as Ray runs an entrypoint, runs the command in its own copy.
    func testTheRayPackageIsReproducibleAndItsScriptRunsEachTrialInItsOwnCopy() throws {
        let code = "\(directory!)/code"
        try FileSystem.createDirectory("\(code)/pkg")
        try FileSystem.writeAtomically("\(code)/train.py", "print('hi')\n")
        try FileSystem.writeAtomically("\(code)/pkg/data.txt", "data\n")
        try FileSystem.writeAtomically("\(code)/skip.db", "x")
        let extra = [(path: RayJobsLauncher.scriptName, text: RayJobsLauncher.script)]
        let package = try CodePackage(folder: code, excluding: ["\(code)/skip.db"], extra: extra)
        XCTAssertTrue(package.name.hasPrefix("_ray_pkg_") && package.name.hasSuffix(".zip") && package.name.count == 9 + 64 + 4)
        XCTAssertEqual(try CodePackage(folder: code, excluding: ["\(code)/skip.db"], extra: extra).name, package.name)
        try FileSystem.writeAtomically("\(code)/train.py", "print('changed')\n")
        XCTAssertNotEqual(try CodePackage(folder: code, excluding: ["\(code)/skip.db"], extra: extra).name, package.name)

        // Unpacked by Python (as Ray does), then the entrypoint run by /bin/sh in the unpacked folder.
        let zip = "\(directory!)/\(package.name)", unpacked = "\(directory!)/unpacked"
        try Data(package.bytes).write(to: URL(fileURLWithPath: zip))
        let python = try TestEnvironment.pythonWithMLflow()
        let unzip = try TestEnvironment.run([python, "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(sorted(z.namelist())); z.extractall(sys.argv[2])", zip, unpacked], in: directory)
        XCTAssertEqual(unzip.stdout, "['.sweepkit-trial.sh', 'pkg/', 'pkg/data.txt', 'train.py']\n", unzip.stderr)
        let command = #"python -c 'import sys; print(sys.executable)'; pwd; ls -A; cat pkg/data.txt"#
        let inPackage = #"cd "$1" && eval "$2""#  // Ray runs the entrypoint in the unpacked package
        let run = try TestEnvironment.run(["/bin/sh", "-c", inPackage, "sh", unpacked, RayJobsLauncher.entrypoint(command: command)], in: directory,
                                          environment: ["SWEEPKIT_TRIAL_PYTHON": python, "SWEEPKIT_TRIAL": "job_1", "TMPDIR": directory])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, FileSystem.absolute(python), "python is the trials' interpreter")
        XCTAssertTrue(lines[1].hasPrefix("\(directory!)/sweepkit-job_1."), "its own folder: \(lines[1])")
        XCTAssertEqual(Array(lines[2...]), [".sweepkit-bin", "outputs", "pkg", "train.py", "data"])
        XCTAssertFalse(FileSystem.exists(lines[1]), "removed when the trial ends")
        XCTAssertEqual(FileSystem.entries(of: unpacked).sorted(), [".sweepkit-trial.sh", "pkg", "train.py"], "the package is left as it was")
        XCTAssertEqual(try TestEnvironment.run(["/bin/sh", "-c", inPackage, "sh", unpacked, RayJobsLauncher.entrypoint(command: "exit 4")],
                                               in: directory).status, 4)
    }
}
