import Foundation
import SweepKit
@testable import SweepKitRunner
import XCTest

/// The engine's writes to a SQLite store the trials' MLflow reads and writes at the same time.
final class SQLiteBusyTests: XCTestCase {
    /// A fresh database with an empty `metrics` table, as the engine opens it (short waits), and
    /// a second connection to it, as a trial's MLflow.
    func databases(commitWaitSeconds: Double) throws -> (engine: SQLiteDatabase, trial: SQLiteDatabase, path: String) {
        let directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-busy")
        addTeardownBlock { FileSystem.removeTree(directory) }
        let path = "\(directory)/store.db"
        try FileSystem.writeAtomically(path, "")
        let engine = try SQLiteDatabase(path: path, busyTimeoutMilliseconds: 50, commitWaitSeconds: commitWaitSeconds)
        try engine.query("CREATE TABLE metrics (value REAL)")
        return (engine, try SQLiteDatabase(path: path, busyTimeoutMilliseconds: 50), path)
    }

    /// A reader that keeps its lock past the busy timeout (a starved trial on a loaded machine) made
    /// the engine's COMMIT fail with "database is locked", and with it the sweep. The commit now waits
    /// for the reader, its transaction still open, and the write lands.
    func testACommitWaitsForAReaderThatHoldsItsLockPastTheBusyTimeout() throws {
        let (writer, reader, _) = try databases(commitWaitSeconds: 30)
        try reader.query("BEGIN")
        XCTAssertEqual(try reader.query("SELECT count(*) FROM metrics"), [[.integer(0)]])  // holds a shared lock

        let released = expectation(description: "the reader ends its transaction")
        nonisolated(unsafe) let laterReader = reader  // used by that thread only from then on
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            _ = try? laterReader.query("COMMIT")
            released.fulfill()
        }
        _ = try writer.transaction { () throws(SweepKitError) in try writer.query("INSERT INTO metrics VALUES (1.5)") }
        wait(for: [released], timeout: 30)
        XCTAssertEqual(try writer.query("SELECT value FROM metrics"), [[.real(1.5)]])
    }

    /// Likewise a trial's MLflow holding the write lock past the busy timeout: the engine's
    /// transaction waits to begin.
    func testATransactionWaitsToBeginWhileAnotherWriterHoldsTheLock() throws {
        let (engine, trial, _) = try databases(commitWaitSeconds: 30)
        try trial.query("BEGIN IMMEDIATE")
        try trial.query("INSERT INTO metrics VALUES (1)")

        let released = expectation(description: "the other writer commits")
        nonisolated(unsafe) let laterTrial = trial  // used by that thread only from then on
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            _ = try? laterTrial.query("COMMIT")
            released.fulfill()
        }
        _ = try engine.transaction { () throws(SweepKitError) in try engine.query("INSERT INTO metrics VALUES (2)") }
        wait(for: [released], timeout: 30)
        XCTAssertEqual(try engine.query("SELECT value FROM metrics ORDER BY value"), [[.real(1)], [.real(2)]])
    }

    /// Past its wait the commit fails as before, naming the database, and the write is rolled back.
    func testACommitThatCannotLandFailsNamingTheDatabase() throws {
        let (writer, reader, path) = try databases(commitWaitSeconds: 0.3)
        try reader.query("BEGIN")
        _ = try reader.query("SELECT count(*) FROM metrics")
        XCTAssertThrowsError(try writer.transaction { () throws(SweepKitError) in try writer.query("INSERT INTO metrics VALUES (1)") }) {
            XCTAssertTrue("\($0)".contains("\(path): cannot run 'COMMIT'"), "\($0)")
        }
        try reader.query("COMMIT")
        XCTAssertEqual(try writer.query("SELECT count(*) FROM metrics"), [[.integer(0)]])
    }
}
