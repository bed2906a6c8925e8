#if canImport(Glibc)
import Glibc
#endif
import SweepKit
import SweepKitJobs
import SweepKitPlatform
import SweepKitRunner
import XCTest

/// Real trial processes (no MLflow: `tracking_uri: none`): what a trial leaves behind is bounded
/// and cleaned up.
final class LocalTrialTests: XCTestCase {
    var fixture: JobFixture!

    override func setUpWithError() throws { fixture = try JobFixture() }
    override func tearDown() { fixture.remove() }

    private func runJob(_ name: String, command: String, code: String? = nil) throws -> JobReport {
        var job = JobFixture.gridJob(name: name, values: [1]).object!
        job["trial"] = code.map { ["command": .string(command), "code": .string($0)] } ?? ["command": .string(command)]
        let spec = try fixture.workspace.submit(.object(job))
        var options = SweepJobRunner.Options()
        options.metricPollSeconds = 0.05
        return try SweepJobRunner.run(workspace: fixture.workspace, name: spec.name, options: options)
    }

    func testAProcessATrialDetachedWithSetsidDoesNotOutliveTheSweep() throws {
        let report = try runJob("detached", command: "setsid sleep 300 < /dev/null > /dev/null 2>&1 & sleep 0.2; echo ${{search_space.x}}")
        XCTAssertEqual(report.trial(0).state, .completed)
        XCTAssertEqual(JobProcesses.pids(job: "detached"), [], "the sweep's end kills every process carrying the job's marker")
    }

    func testATrialsOutputIsCappedKeepingItsHeadAndTail() throws {
        setenv("SWEEPKIT_TRIAL_OUTPUT_MAX_MB", "1", 1)
        defer { unsetenv("SWEEPKIT_TRIAL_OUTPUT_MAX_MB") }
        // 4 MB on stderr: a first line, filler, a last line; then a failure.
        let report = try runJob("chatty", command: """
            (echo FIRST-LINE; head -c 4000000 /dev/zero | tr '\\0' x; echo; echo LAST-LINE) >&2; exit ${{search_space.x}}
            """)
        let stderr = try FileSystem.read("\(report.trial(0).logDirectory)/stderr.txt")
        XCTAssertLessThanOrEqual(stderr.utf8.count, 1_048_576)
        XCTAssertTrue(stderr.hasPrefix("FIRST-LINE"))
        XCTAssertTrue(stderr.hasSuffix("LAST-LINE\n"))
        XCTAssertTrue(stderr.contains("bytes of this output were cut here"))
        let message = report.trial(0).message ?? ""
        XCTAssertTrue(message.hasPrefix("the command exited with code 1; stderr ends with:"), message)
        XCTAssertLessThan(message.utf8.count, 4000, "the message quotes a bounded tail")
    }

    func testCodeThatHoldsTheWorkspaceIsCopiedWithoutIt() throws {
        // `code: .` from the folder that holds the workspace: the copy must not recurse into it.
        let code = FileSystem.directoryName(fixture.workspace.root)
        try FileSystem.writeAtomically("\(code)/train.sh", "echo trained\n")
        let report = try runJob("snapshot", command: "sh train.sh ${{search_space.x}}", code: code)
        XCTAssertEqual(report.trial(0).state, .completed)
        let copy = report.trial(0).directory
        XCTAssertTrue(FileSystem.exists("\(copy)/train.sh"))
        XCTAssertFalse(FileSystem.exists("\(copy)/ws"), "the workspace is not part of the snapshot")
    }

    func testACodeFolderOverTheLimitIsRefusedAtSubmissionNamingTrialCode() throws {
        setenv("SWEEPKIT_CODE_MAX_FILES", "3", 1)
        defer { unsetenv("SWEEPKIT_CODE_MAX_FILES") }
        let code = "\(fixture.root)/big"
        for index in 0..<5 { try FileSystem.createDirectory(code); try FileSystem.writeAtomically("\(code)/f\(index)", "x") }
        var job = JobFixture.gridJob(name: "big", values: [1]).object!
        job["trial"] = ["command": "true ${{search_space.x}}", "code": .string(code)]
        XCTAssertThrowsError(try fixture.workspace.submit(.object(job))) { error in
            guard case SweepKitError.validation(let field, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "trial.code")
        }
        XCTAssertEqual(fixture.workspace.jobNames(), [], "nothing was recorded")
    }

    func testAMistypedLimitVariableIsRefusedAtSubmissionNamingIt() throws {
        for variable in ["SWEEPKIT_CODE_MAX_MB", "SWEEPKIT_CODE_MAX_FILES", "SWEEPKIT_TRIAL_OUTPUT_MAX_MB"] {
            setenv(variable, "64MB", 1)
            defer { unsetenv(variable) }
            XCTAssertThrowsError(try fixture.workspace.submit(JobFixture.gridJob(name: "typo", values: [1]))) { error in
                guard case SweepKitError.validation(let field, let message) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(field, variable)
                XCTAssertTrue(message.contains("got '64MB'"), message)
            }
        }
        XCTAssertEqual(fixture.workspace.jobNames(), [], "nothing was recorded")
    }
}
