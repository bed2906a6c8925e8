#if canImport(Glibc)
import Glibc
#endif
import SweepKit
@testable import SweepKitJobs
import XCTest

/// The journal file: torn tails and damaged lines are handled as documented in `JobJournal`.
final class JobJournalTests: XCTestCase {
    var fixture: JobFixture!
    var path: String { "\(fixture.root)/journal.jsonl" }

    override func setUpWithError() throws { fixture = try JobFixture() }
    override func tearDown() { fixture.remove() }

    private func write(_ events: [JobEvent]) throws {
        let journal = try JobJournal(path: path)
        for event in events { try journal.append(event) }
    }

    private func appendRaw(_ text: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND)
        defer { close(fd) }
        try FileSystem.writeAll(fd, text, path: path)
    }

    func testATornLastLineIsIgnoredReportedAndCutOffByTheNextWriter() throws {
        try write([.engineStarted(pid: 1, resumed: false)])
        try appendRaw(#"{"event":"trial_started","number":0,"na"#)  // a crash mid-write
        var contents = try JobJournal.read(path: path)
        XCTAssertEqual(contents.entries.count, 1)
        XCTAssertEqual(contents.damage.count, 1)
        XCTAssertTrue(contents.damage[0].reason.contains("torn last line"), contents.damage[0].reason)

        try write([.engineStarted(pid: 2, resumed: true)])  // never appended onto the fragment
        contents = try JobJournal.read(path: path)
        XCTAssertEqual(contents.entries.map(\.event), [.engineStarted(pid: 1, resumed: false), .engineStarted(pid: 2, resumed: true)])
        XCTAssertEqual(contents.damage, [])
        XCTAssertTrue(try FileSystem.read(path).hasSuffix("\n"))
    }

    func testADamagedLineInTheMiddleIsSkippedAndReportedAndTheRestStillCounts() throws {
        try write([.engineStarted(pid: 1, resumed: false)])
        try appendRaw("{\"event\": garbage\n")
        try write([.tracking(experimentID: "1", parentRunID: "p")])
        let contents = try JobJournal.read(path: path)
        XCTAssertEqual(contents.entries.map(\.event), [.engineStarted(pid: 1, resumed: false), .tracking(experimentID: "1", parentRunID: "p")])
        XCTAssertEqual(contents.damage.map(\.line), [2])
        XCTAssertTrue(contents.damage[0].reason.contains("line 2 was skipped"), contents.damage[0].reason)
    }

    func testAWorkspaceReportShowsJournalProblemsAndOtherJobsStillList() throws {
        let workspace = fixture.workspace
        _ = try workspace.submit(JobFixture.gridJob(name: "damaged"))
        _ = try workspace.submit(JobFixture.gridJob(name: "healthy"))
        let fd = open(workspace.paths("damaged").journal, O_WRONLY | O_APPEND)
        try FileSystem.writeAll(fd, "{\"event\":\"trial_st", path: "journal")
        close(fd)
        let report = try workspace.report("damaged")
        XCTAssertEqual(report.status, .notStarted)
        XCTAssertEqual(report.journalProblems.count, 1)
        XCTAssertNotNil(report.json.object?["journal_problems"])
        XCTAssertEqual(try workspace.jobNames().map { name throws(SweepKitError) in try workspace.report(name).status }, [.notStarted, .notStarted])
    }
}
