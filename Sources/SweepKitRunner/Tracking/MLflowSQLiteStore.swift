import SweepKit
import SweepKitPlatform
/// The embedded default: an MLflow SQLite database, read and written with SQL on MLflow's core
/// tables (`experiments`, `runs`, `tags`, `params`, `metrics`, `latest_metrics`).
///
/// The schema is never created here: `prepare` has the trials' own interpreter initialise the
/// database with MLflow (once, before any trial starts; concurrent first use races MLflow's
/// migrations), so the schema always matches the MLflow that trials and `mlflow ui` run.
public final class MLflowSQLiteStore: TrackingStore {
    public let uri: String
    let path: String
    let python: String
    private var database: SQLiteDatabase?
    private var hasWorkspaceColumn = false

    public init(uri: String, python: String) {
        self.uri = uri
        path = String(uri.dropFirst("sqlite://".count))
        self.python = python
    }

    private func db() throws(SweepKitError) -> SQLiteDatabase {
        if let database { return database }
        let opened = try SQLiteDatabase(path: path)
        database = opened
        return opened
    }

    public func prepare() throws(SweepKitError) {
        try TrackingStores.checkMLflow(python: python)
        try FileSystem.createDirectory(FileSystem.directoryName(path))
        // One engine initialises a fresh store; the others wait and then find it initialised
        // (MLflow's migrations must never run twice at once on one file).
        let lock: FileLock
        do { lock = try FileLock.acquireWaiting("\(path).sweepkit-init.lock") } catch {
            throw .internalFailure("cannot lock the MLflow store \(path) for its initialisation: \(error)")
        }
        try withExtendedLifetime(lock) { () throws(SweepKitError) in try initialiseIfNeeded() }
        let columns = try db().query("PRAGMA table_info(experiments)").compactMap { $0.count > 1 ? $0[1].text : nil }
        hasWorkspaceColumn = columns.contains("workspace")
    }

    private func initialiseIfNeeded() throws(SweepKitError) {
        let initialised: Bool
        if FileSystem.exists(path), let rows = try? SQLiteDatabase(path: path, readOnly: true)
            .query("SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('runs', 'alembic_version')")
        {
            initialised = rows.first?.first?.integer == 2
        } else {
            initialised = false
        }
        if !initialised {
            let result = try ProcessRunner.run([
                python, "-c",
                "import sys, mlflow; mlflow.MlflowClient(sys.argv[1]).search_experiments(max_results=1)", uri,
            ])
            guard result.status == 0 else {
                throw .internalFailure("MLflow could not initialise \(uri) with \(python): \(result.stderr.suffix(600))")
            }
        }
    }

    public func experimentID(named name: String) throws(SweepKitError) -> String {
        let db = try db()
        let workspace = hasWorkspaceColumn ? " AND workspace = 'default'" : ""
        if let row = try db.query("SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = ?\(workspace)", [.text(name)]).first {
            guard row[1].text == "active" else {
                throw .validation(field: "experiment_name", message: "the MLflow experiment '\(name)' was deleted; restore it (mlflow experiments restore) or choose another name")
            }
            return String(row[0].integer ?? 0)
        }
        let now = Clock.epochMilliseconds()
        return try db.transaction { () throws(SweepKitError) -> String in
            if hasWorkspaceColumn {
                try db.query("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, '', 'active', ?, ?, 'default')",
                             [.text(name), .integer(now), .integer(now)])
            } else {
                try db.query("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, '', 'active', ?, ?)",
                             [.text(name), .integer(now), .integer(now)])
            }
            let id = try db.query("SELECT last_insert_rowid()").first?.first?.integer ?? 0
            // An absolute artifact location, so artifacts never depend on a trial's working directory.
            let artifacts = "\(FileSystem.directoryName(path))/mlartifacts/\(id)"
            try db.query("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", [.text(artifacts), .integer(id)])
            return String(id)
        }
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                          params: [(String, String)]) throws(SweepKitError) -> String {
        let db = try db()
        let runID = RunIdentifier.make()
        let experiment = Int64(experimentID) ?? 0
        let location = try db.query("SELECT artifact_location FROM experiments WHERE experiment_id = ?", [.integer(experiment)]).first?.first?.text ?? ""
        var allTags = tags + [("mlflow.runName", name), ("mlflow.user", ProcessEnvironment.value("USER") ?? "sweepkit"),
                              ("mlflow.source.type", "LOCAL")]
        if let parentRunID { allTags.append(("mlflow.parentRunId", parentRunID)) }
        try db.transaction { () throws(SweepKitError) in
            try db.query("""
                INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                                  end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
                VALUES (?, ?, 'LOCAL', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)
                """, [.text(runID), .text(name), .text(ProcessEnvironment.value("USER") ?? "sweepkit"),
                      .integer(Clock.epochMilliseconds()), .text("\(location)/\(runID)/artifacts"), .integer(experiment)])
            for (key, value) in allTags {
                try db.query("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", [.text(key), .text(value), .text(runID)])
            }
            for (key, value) in params {
                try db.query("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", [.text(key), .text(String(value.prefix(8000))), .text(runID)])
            }
        }
        return runID
    }

    public func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] {
        let rows = try db().query(
            "SELECT rowid, step, value, is_nan, timestamp FROM metrics WHERE run_uuid = ? AND key = ? AND rowid > ? ORDER BY rowid",
            [.text(runID), .text(key), .integer(Int64(cursor))])
        var points: [MetricPoint] = []
        for row in rows {
            cursor = Int(row[0].integer ?? Int64(cursor))
            let value = row[3].integer == 1 ? Double.nan : (row[2].real ?? .nan)
            points.append(MetricPoint(step: Int(row[1].integer ?? 0), value: value, timestamp: row[4].integer ?? 0))
        }
        return points
    }

    public func metricKeys(runID: String) throws(SweepKitError) -> [String] {
        try db().query("SELECT DISTINCT key FROM metrics WHERE run_uuid = ? ORDER BY key", [.text(runID)]).compactMap { $0.first?.text }
    }

    public func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {
        let db = try db()
        try db.transaction { () throws(SweepKitError) in
            try db.query("UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?",
                         [.text(status.rawValue), .integer(Clock.epochMilliseconds()), .text(runID)])
            try upsertTags(db, runID, tags)
        }
    }

    public func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError) {
        try upsertTags(try db(), runID, tags)
    }

    public func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String] {
        try db().query("""
            SELECT runs.run_uuid FROM runs JOIN tags ON tags.run_uuid = runs.run_uuid
            WHERE runs.experiment_id = ? AND runs.lifecycle_stage = 'active' AND tags.key = ? AND tags.value = ?
            ORDER BY runs.start_time, runs.run_uuid
            """, [.integer(Int64(experimentID) ?? 0), .text(key), .text(value)]).compactMap { $0.first?.text }
    }

    public func deleteRun(runID: String) throws(SweepKitError) {
        try db().query("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?",
                       [.integer(Clock.epochMilliseconds()), .text(runID)])
    }

    private func upsertTags(_ db: SQLiteDatabase, _ runID: String, _ tags: [(String, String)]) throws(SweepKitError) {
        for (key, value) in tags {
            try db.query("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT(key, run_uuid) DO UPDATE SET value = excluded.value",
                         [.text(key), .text(String(value.prefix(8000))), .text(runID)])
        }
    }
}

/// MLflow run ids: 32 lowercase hex digits (a random UUID without dashes).
enum RunIdentifier {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return hex(high) + hex(low)
    }
}
