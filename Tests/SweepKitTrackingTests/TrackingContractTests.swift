import NIOHTTP1
import NIOSSL
import SweepKit
import SweepKitPlatform
@testable import SweepKitRunner
import XCTest

/// The SQLite contract against the schemas MLflow 2.9, the newest 2.x and the newest 3.x create
/// (Schemas/, dumped from databases those versions initialised), and the pieces of the HTTP stack
/// that need no server: URIs, credentials, MLflow's retry schedule.
final class TrackingContractTests: XCTestCase {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Schemas").path

    /// A database made from a schema dump (one statement per `;\n`).
    func database(_ schema: String, editing: [String] = []) throws -> (SQLiteDatabase, String) {
        let directory = try FileSystem.makeTemporaryDirectory(prefix: "sweepkit-contract")
        addTeardownBlock { FileSystem.removeTree(directory) }
        let path = "\(directory)/mlflow.db"
        try FileSystem.writeAtomically(path, "")  // SQLite opens an empty file as an empty database
        let db = try SQLiteDatabase(path: path)
        let text = try FileSystem.read("\(Self.schemas)/\(schema)")
        for statement in text.components(separatedBy: ";\n") where !statement.trimmingWhitespace.isEmpty {
            try db.query(statement)
        }
        for statement in editing { try db.query(statement) }
        return (db, "sqlite:///\(path)")
    }

    func testEverySchemaFromMLflow29ToTheNewest3xHasWhatTheEngineUses() throws {
        for (schema, workspace) in [("mlflow-2.9.2.sql", false), ("mlflow-2.22.5.sql", false), ("mlflow-3.17.2.sql", true)] {
            let (db, uri) = try database(schema)
            XCTAssertEqual(try MLflowSQLiteContract.check(db, uri: uri, python: "python3"), workspace, schema)
        }
    }

    func testTheStoreWritesIntoEverySchema() throws {
        for schema in ["mlflow-2.9.2.sql", "mlflow-2.22.5.sql", "mlflow-3.17.2.sql"] {
            let (db, uri) = try database(schema)
            _ = db
            let store = MLflowSQLiteStore(uri: uri, python: "python3")
            try store.adoptCheckedSchema()
            let experiment = try store.experimentID(named: "contract")
            let parent = try store.createRun(experimentID: experiment, name: "sweep", parentRunID: nil, tags: [], params: [("goal", "min")])
            try store.logMetric(runID: parent, key: "loss", value: 0.5, step: 1)
            try store.logMetric(runID: parent, key: "loss", value: 0.25, step: 2)
            try store.logParams(runID: parent, params: [("goal", "max"), ("x", "1")])
            try store.finishRun(runID: parent, status: .finished, tags: [("best_child_run_id", "r")])
            var cursor = 0
            XCTAssertEqual(try store.newMetricPoints(runID: parent, key: "loss", cursor: &cursor).map(\.value), [0.5, 0.25], schema)
            let check = try SQLiteDatabase(path: String(uri.dropFirst("sqlite://".count)))
            XCTAssertEqual(try check.query("SELECT value, step FROM latest_metrics WHERE run_uuid = ?", [.text(parent)]),
                           [[.real(0.25), .integer(2)]], schema)
            XCTAssertEqual(try check.query("SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key", [.text(parent)]),
                           [[.text("goal"), .text("min")], [.text("x"), .text("1")]], "a logged param keeps its value")
            XCTAssertEqual(try check.query("SELECT value FROM experiment_tags WHERE key = 'mlflow.experimentKind'"),
                           [[.text("custom_model_development")]], schema)
        }
    }

    func testAMissingColumnIsNamedWithWhatToDo() throws {
        let (db, uri) = try database("mlflow-2.22.5.sql", editing: ["ALTER TABLE metrics RENAME COLUMN is_nan TO nan_flag"])
        XCTAssertThrowsError(try MLflowSQLiteContract.check(db, uri: uri, python: "/env/bin/python")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("table metrics has no column is_nan"), text)
            XCTAssertTrue(text.contains("/env/bin/python -m mlflow db upgrade \(uri)"), text)
        }
    }

    func testARequiredColumnTheEngineDoesNotFillIsRefused() throws {
        let (db, uri) = try database("mlflow-3.17.2.sql", editing: ["ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT 'x'",
                                                                    "CREATE TABLE params2 (key TEXT NOT NULL, value TEXT NOT NULL, run_uuid TEXT NOT NULL, origin TEXT NOT NULL, PRIMARY KEY (key, run_uuid))",
                                                                    "DROP TABLE params", "ALTER TABLE params2 RENAME TO params"])
        XCTAssertThrowsError(try MLflowSQLiteContract.check(db, uri: uri, python: "python3")) { error in
            XCTAssertTrue("\(error)".contains("table params requires column origin"), "\(error)")
            XCTAssertFalse("\(error)".contains("owner"), "a column with a default is no problem")
        }
    }

    func testAMissingTableIsNamed() throws {
        let (db, uri) = try database("mlflow-2.9.2.sql", editing: ["DROP TABLE latest_metrics"])
        XCTAssertThrowsError(try MLflowSQLiteContract.check(db, uri: uri, python: "python3")) { error in
            XCTAssertTrue("\(error)".contains("no table latest_metrics"), "\(error)")
        }
    }

    // MARK: - HTTP

    func testURIsAreParsedAndCredentialsInThemRefusedWithoutRepeatingThem() throws {
        XCTAssertEqual(try MLflowHTTP.parse("https://mlflow.example.com:8443/team/").base, "https://mlflow.example.com:8443/team")
        XCTAssertEqual(try MLflowHTTP.parse("http://127.0.0.1:5000").host, "127.0.0.1")
        XCTAssertEqual(try MLflowHTTP.parse("http://[::1]:5000/x").host, "::1")
        XCTAssertThrowsError(try MLflowHTTP.parse("https://alice:s3cret@mlflow.example.com")) { error in
            XCTAssertFalse("\(error)".contains("s3cret"))
            XCTAssertTrue("\(error)".contains("MLFLOW_TRACKING_USERNAME"))
        }
    }

    func testCredentialsComeFromMLflowsVariablesBasicBeforeBearer() {
        func auth(_ values: [String: String]) -> String? { MLflowHTTP.authorization { values[$0] } }
        XCTAssertEqual(auth(["MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "pw", "MLFLOW_TRACKING_TOKEN": "t"]),
                       "Basic YWxpY2U6cHc=")
        XCTAssertEqual(auth(["MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_TOKEN": "t"]), "Bearer t")
        XCTAssertNil(auth([:]))
        XCTAssertEqual(Base64.encode(Array("any carnal pleas".utf8)), "YW55IGNhcm5hbCBwbGVhcw==")
        XCTAssertEqual(Base64.encode(Array("any carnal pleasu".utf8)), "YW55IGNhcm5hbCBwbGVhc3U=")
        XCTAssertEqual(Base64.encode(Array("any carnal pleasur".utf8)), "YW55IGNhcm5hbCBwbGVhc3Vy")
    }

    func testTLSSettingsAreCheckedAsMLflowChecksThem() {
        XCTAssertThrowsError(try MLflowHTTP.tls { ["MLFLOW_TRACKING_INSECURE_TLS": "true", "MLFLOW_TRACKING_SERVER_CERT_PATH": "/ca.pem"][$0] })
        XCTAssertThrowsError(try MLflowHTTP.tls { ["MLFLOW_TRACKING_SERVER_CERT_PATH": "/no/such/ca.pem"][$0] }) { error in
            XCTAssertTrue("\(error)".contains("/no/such/ca.pem"))
        }
        XCTAssertThrowsError(try MLflowHTTP.tls { ["MLFLOW_TRACKING_INSECURE_TLS": "maybe"][$0] })
        XCTAssertEqual(try MLflowHTTP.tls { ["MLFLOW_TRACKING_INSECURE_TLS": "True"][$0] }.certificateVerification, .none)
    }

    func testTheRetryScheduleIsMLflowsClients() throws {
        let policy = RetryPolicy()
        XCTAssertEqual((1...7).map { policy.backoff(afterFailures: $0) }, [0, 4, 8, 16, 32, 64, 120])
        XCTAssertEqual(policy.outageSeconds, 244)
        let tuned = try RetryPolicy { ["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                                       "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"][$0] }
        XCTAssertEqual(tuned.maxRetries, 2)
        XCTAssertEqual(tuned.outageSeconds, 2)
        XCTAssertEqual(tuned.timeoutSeconds, 5)
        XCTAssertEqual(policy.delay(afterFailures: 3, retryAfter: 7), 7, "Retry-After wins")
        XCTAssertEqual(policy.delay(afterFailures: 3, retryAfter: 3600), 120, "at most 120 s")
        XCTAssertThrowsError(try RetryPolicy { ["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "11"][$0] })
    }

    func testAnUnreachableServerIsNamedAfterTheSchedule() throws {
        // Nothing listens on port 9 of 127.0.0.1 (discard; refused at once).
        let http = try MLflowHTTP(uri: "http://127.0.0.1:9/mlflow") {
            ["MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0"][$0]
        }
        let start = Clock.monotonicSeconds()
        XCTAssertThrowsError(try http.send(.GET, "/api/2.0/mlflow/experiments/search")) { error in
            XCTAssertTrue("\(error)".contains("http://127.0.0.1:9/mlflow did not answer"), "\(error)")
        }
        XCTAssertLessThan(Clock.monotonicSeconds() - start, 5, "a refused connection fails at once; one retry, right away")
    }
}
