import SweepKit
import SweepKitPlatform
/// The embedded default: an MLflow SQLite database, read and written with SQL on MLflow's core
/// tables (`experiments`, `experiment_tags`, `runs`, `tags`, `params`, `metrics`, `latest_metrics`).
///
/// The schema is never created here: `prepare` has the trials' own interpreter initialise the
/// database with MLflow (once, under a lock, before any trial starts; concurrent first use races
/// MLflow's migrations), so the schema always matches the MLflow that trials and `mlflow ui` run.
/// What the engine depends on is checked when the store is opened (`MLflowSQLiteContract`): the
/// columns it reads and writes, whatever MLflow's migration revision.
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

    deinit {
        TrackingStats.write(store: "sqlite", requests: database?.statements ?? 0)
    }

    private func db() throws(SweepKitError) -> SQLiteDatabase {
        if let database { return database }
        let opened = try SQLiteDatabase(path: path)
        database = opened
        return opened
    }

    public func prepare() throws(SweepKitError) {
        let mlflow = try TrialMLflow.inspect(python: python)
        guard mlflow.canOpenSQLite else {
            throw .validation(
                field: "python",
                message: "the trials' interpreter \(python) has \(mlflow.distribution) \(mlflow.version), which cannot open the SQLite store \(uri) (it has no SQLAlchemy). Either install the full package there (`\(python) -m pip install mlflow`), or serve the store with a tracking server (`mlflow server --backend-store-uri \(uri)`, from a full MLflow) and set MLFLOW_TRACKING_URI=http://host:port for the sweep")
        }
        try FileSystem.createDirectory(FileSystem.directoryName(path))
        // One engine initialises a fresh store; the others wait and then find it initialised
        // (MLflow's migrations must never run twice at once on one file).
        let lock: FileLock
        do { lock = try FileLock.acquireWaiting("\(path).sweepkit-init.lock") } catch {
            throw .internalFailure("cannot lock the MLflow store \(path) for its initialisation: \(error)")
        }
        try withExtendedLifetime(lock) { () throws(SweepKitError) in try initialiseIfNeeded() }
        try MLflowSQLiteContract.checkRevision(try db(), uri: uri, python: python, mlflow: mlflow)
        try adoptCheckedSchema()
    }

    /// Checks that the store has what the engine uses (`prepare`'s last step).
    func adoptCheckedSchema() throws(SweepKitError) {
        hasWorkspaceColumn = try MLflowSQLiteContract.check(try db(), uri: uri, python: python)
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

    /// Every statement the engine runs: the contract check compiles each against the store.
    enum SQL {
        static let findExperiment = "SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = ?"
        static let findExperimentInWorkspace = findExperiment + " AND workspace = 'default'"
        static let insertExperiment = "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, '', 'active', ?, ?)"
        static let insertExperimentInWorkspace = "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time, workspace) VALUES (?, '', 'active', ?, ?, 'default')"
        static let lastID = "SELECT last_insert_rowid()"
        static let setArtifactLocation = "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?"
        static let tagExperimentIfUntagged = "INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?) ON CONFLICT(key, experiment_id) DO NOTHING"
        static let artifactLocation = "SELECT artifact_location FROM experiments WHERE experiment_id = ?"
        static let insertRun = """
            INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,
                              end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
            VALUES (?, ?, 'LOCAL', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)
            """
        static let insertTag = "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)"
        static let upsertTag = "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT(key, run_uuid) DO UPDATE SET value = excluded.value"
        static let insertParam = "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)"
        static let insertParamIfAbsent = "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT(key, run_uuid) DO NOTHING"
        static let newPoints = "SELECT rowid, step, value, is_nan, timestamp FROM metrics WHERE run_uuid = ? AND key = ? AND rowid > ? ORDER BY rowid"
        static let metricKeys = "SELECT DISTINCT key FROM metrics WHERE run_uuid = ? ORDER BY key"
        static let insertMetric = "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING"
        /// MLflow's latest value: the greatest step, then the latest timestamp.
        static let upsertLatestMetric = """
            INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)
            ON CONFLICT(key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp,
                step = excluded.step, is_nan = excluded.is_nan
            WHERE excluded.step > latest_metrics.step
               OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)
            """
        static let finishRun = "UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?"
        static let taggedRuns = """
            SELECT runs.run_uuid FROM runs JOIN tags ON tags.run_uuid = runs.run_uuid
            WHERE runs.experiment_id = ? AND runs.lifecycle_stage = 'active' AND tags.key = ? AND tags.value = ?
            ORDER BY runs.start_time, runs.run_uuid
            """
        static let deleteRun = "UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?"

        static let always = [findExperiment, insertExperiment, lastID, setArtifactLocation, tagExperimentIfUntagged, artifactLocation,
                             insertRun, insertTag, upsertTag, insertParam, insertParamIfAbsent, newPoints, metricKeys, insertMetric,
                             upsertLatestMetric, finishRun, taggedRuns, deleteRun]
        static let withWorkspace = [findExperimentInWorkspace, insertExperimentInWorkspace]
    }

    public func experimentID(named name: String) throws(SweepKitError) -> String {
        let db = try db()
        func existing() throws(SweepKitError) -> String? {
            guard let row = try db.query(hasWorkspaceColumn ? SQL.findExperimentInWorkspace : SQL.findExperiment, [.text(name)]).first else {
                return nil
            }
            guard row[1].text == "active" else {
                throw .validation(field: "experiment_name", message: "the MLflow experiment '\(name)' was deleted; restore it (mlflow experiments restore) or choose another name")
            }
            let id = row[0].integer ?? 0
            try db.query(SQL.tagExperimentIfUntagged, [.text(ExperimentKind.tag), .text(ExperimentKind.modelTraining), .integer(id)])
            return String(id)
        }
        if let id = try existing() { return id }
        let now = Clock.epochMilliseconds()
        return try db.transaction { () throws(SweepKitError) -> String in
            // Another engine may have created it meanwhile: look again under the write lock.
            if let id = try existing() { return id }
            try db.query(hasWorkspaceColumn ? SQL.insertExperimentInWorkspace : SQL.insertExperiment, [.text(name), .integer(now), .integer(now)])
            let id = try db.query(SQL.lastID).first?.first?.integer ?? 0
            // An absolute artifact location, so artifacts never depend on a trial's working directory.
            let artifacts = "\(FileSystem.directoryName(path))/mlartifacts/\(id)"
            try db.query(SQL.setArtifactLocation, [.text(artifacts), .integer(id)])
            try db.query(SQL.tagExperimentIfUntagged, [.text(ExperimentKind.tag), .text(ExperimentKind.modelTraining), .integer(id)])
            return String(id)
        }
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [(String, String)],
                          params: [(String, String)]) throws(SweepKitError) -> String {
        let db = try db()
        let runID = RunIdentifier.make()
        let experiment = Int64(experimentID) ?? 0
        let location = try db.query(SQL.artifactLocation, [.integer(experiment)]).first?.first?.text ?? ""
        var allTags = tags + [("mlflow.runName", name), ("mlflow.user", ProcessEnvironment.value("USER") ?? "sweepkit"),
                              ("mlflow.source.type", "LOCAL")]
        if let parentRunID { allTags.append(("mlflow.parentRunId", parentRunID)) }
        try db.transaction { () throws(SweepKitError) in
            try db.query(SQL.insertRun, [.text(runID), .text(name), .text(ProcessEnvironment.value("USER") ?? "sweepkit"),
                                         .integer(Clock.epochMilliseconds()), .text("\(location)/\(runID)/artifacts"), .integer(experiment)])
            for (key, value) in allTags {
                try db.query(SQL.insertTag, [.text(key), .text(value), .text(runID)])
            }
            for (key, value) in params {
                try db.query(SQL.insertParam, [.text(key), .text(String(value.prefix(MLflowLimits.paramValue))), .text(runID)])
            }
        }
        return runID
    }

    public func newMetricPoints(runID: String, key: String, cursor: inout Int) throws(SweepKitError) -> [MetricPoint] {
        let rows = try db().query(SQL.newPoints, [.text(runID), .text(key), .integer(Int64(cursor))])
        var points: [MetricPoint] = []
        for row in rows {
            cursor = Int(row[0].integer ?? Int64(cursor))
            let value = row[3].integer == 1 ? Double.nan : (row[2].real ?? .nan)
            points.append(MetricPoint(step: Int(row[1].integer ?? 0), value: value, timestamp: row[4].integer ?? 0))
        }
        return points
    }

    public func metricKeys(runID: String) throws(SweepKitError) -> [String] {
        try db().query(SQL.metricKeys, [.text(runID)]).compactMap { $0.first?.text }
    }

    public func finishRun(runID: String, status: RunStatus, tags: [(String, String)]) throws(SweepKitError) {
        let db = try db()
        try db.transaction { () throws(SweepKitError) in
            try db.query(SQL.finishRun, [.text(status.rawValue), .integer(Clock.epochMilliseconds()), .text(runID)])
            try upsertTags(db, runID, tags)
        }
    }

    public func setTags(runID: String, tags: [(String, String)]) throws(SweepKitError) {
        try upsertTags(try db(), runID, tags)
    }

    public func logMetric(runID: String, key: String, value: Double, step: Int) throws(SweepKitError) {
        let db = try db()
        let now = Clock.epochMilliseconds()
        try db.transaction { () throws(SweepKitError) in
            try db.query(SQL.insertMetric, [.text(key), .real(value), .integer(now), .text(runID), .integer(Int64(step))])
            try db.query(SQL.upsertLatestMetric, [.text(key), .real(value), .integer(now), .integer(Int64(step)), .text(runID)])
        }
    }

    public func logParams(runID: String, params: [(String, String)]) throws(SweepKitError) {
        let db = try db()
        try db.transaction { () throws(SweepKitError) in
            for (key, value) in params {
                try db.query(SQL.insertParamIfAbsent, [.text(key), .text(String(value.prefix(MLflowLimits.paramValue))), .text(runID)])
            }
        }
    }

    public func runs(experimentID: String, taggedWith key: String, value: String) throws(SweepKitError) -> [String] {
        try db().query(SQL.taggedRuns, [.integer(Int64(experimentID) ?? 0), .text(key), .text(value)]).compactMap { $0.first?.text }
    }

    public func deleteRun(runID: String) throws(SweepKitError) {
        try db().query(SQL.deleteRun, [.integer(Clock.epochMilliseconds()), .text(runID)])
    }

    private func upsertTags(_ db: SQLiteDatabase, _ runID: String, _ tags: [(String, String)]) throws(SweepKitError) {
        for (key, value) in tags {
            try db.query(SQL.upsertTag, [.text(key), .text(String(value.prefix(MLflowLimits.tagValue))), .text(runID)])
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
