import SweepKit

/// What the SQLite store depends on in MLflow's schema, checked when it is opened: the tables and
/// columns the engine reads and writes (PRAGMA table_info), no column the engine's inserts would
/// leave empty that MLflow requires, and every statement compiling. MLflow's migration revision
/// changes almost every release and says nothing about this, so it is not what is checked; it is
/// compared only with the revision the trials' own MLflow expects, because that MLflow refuses
/// any other (`checkRevision`).
enum MLflowSQLiteContract {
    /// Tables and the columns the engine uses, in every MLflow from 2.9 to 3.x.
    static let columns: [(table: String, columns: [String])] = [
        ("experiments", ["experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time"]),
        ("experiment_tags", ["key", "value", "experiment_id"]),
        ("runs", ["run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status", "start_time",
                  "end_time", "source_version", "lifecycle_stage", "artifact_uri", "experiment_id", "deleted_time"]),
        ("tags", ["key", "value", "run_uuid"]),
        ("params", ["key", "value", "run_uuid"]),
        ("metrics", ["key", "value", "timestamp", "run_uuid", "step", "is_nan"]),
        ("latest_metrics", ["key", "value", "timestamp", "step", "is_nan", "run_uuid"]),
    ]
    /// Filled when present: MLflow 3's workspaces.
    static let optionalColumns: [String: [String]] = ["experiments": ["workspace"]]

    /// Throws, saying what is missing and what to do, unless the store has everything the engine
    /// uses. Returns whether experiments have MLflow 3's `workspace` column.
    static func check(_ db: SQLiteDatabase, uri: String, python: String) throws(SweepKitError) -> Bool {
        var problems: [String] = []
        var hasWorkspace = false
        for (table, needed) in columns {
            // cid, name, type, notnull, dflt_value, pk
            let rows = try db.query("PRAGMA table_info(\(table))")
            guard !rows.isEmpty else {
                problems.append("no table \(table)")
                continue
            }
            let present = Set(rows.compactMap { $0.count > 1 ? $0[1].text : nil })
            let missing = needed.filter { !present.contains($0) }
            if !missing.isEmpty { problems.append("table \(table) has no column \(missing.joined(separator: ", "))") }
            let filled = Set(needed + (optionalColumns[table] ?? []))
            if table == "experiments" { hasWorkspace = present.contains("workspace") }
            // A column MLflow requires (NOT NULL, no default) that the engine's inserts leave out.
            let required = rows.filter { row in
                row.count > 5 && row[3].integer == 1 && row[4] == .null && !filled.contains(row[1].text ?? "")
                    && !(row[5].integer == 1 && row[2].text?.uppercased() == "INTEGER")  // rowid alias: filled by SQLite
            }.compactMap { $0[1].text }
            if !required.isEmpty { problems.append("table \(table) requires column \(required.joined(separator: ", ")), which SweepKit does not fill") }
        }
        if problems.isEmpty {
            for sql in MLflowSQLiteStore.SQL.always + (hasWorkspace ? MLflowSQLiteStore.SQL.withWorkspace : []) {
                if let error = db.compileError(sql) { problems.append("'\(sql.prefix(50))...' does not compile: \(error)") }
            }
        }
        guard problems.isEmpty else {
            let revision = (try? db.query("SELECT version_num FROM alembic_version").first?.first?.text) ?? nil
            throw .validation(
                field: "tracking_uri",
                message: "the MLflow store \(uri) (schema revision \(revision ?? "unknown")) does not have what SweepKit reads and writes: "
                    + problems.joined(separator: "; ")
                    + ". Bring it to the schema of the trials' MLflow (back it up, then `\(python) -m mlflow db upgrade \(uri)`), or use a new store file, or a tracking server (MLFLOW_TRACKING_URI=http://host:port)")
        }
        return hasWorkspace
    }

    /// The trials' MLflow refuses a store whose schema revision is not its newest: say so before
    /// the sweep starts instead of failing every trial.
    static func checkRevision(_ db: SQLiteDatabase, uri: String, python: String, mlflow: TrialMLflow) throws(SweepKitError) {
        guard let head = mlflow.schemaHead,
              let revision = (try? db.query("SELECT version_num FROM alembic_version").first?.first?.text) ?? nil,
              revision != head else { return }
        if mlflow.schemaRevisions.contains(revision) {
            throw .validation(
                field: "tracking_uri",
                message: "the MLflow store \(uri) has an older schema (revision \(revision)) than the trials' \(mlflow.distribution) \(mlflow.version) uses (\(head)), and MLflow refuses it: back the file up, then upgrade it with `\(python) -m mlflow db upgrade \(uri)`")
        }
        throw .validation(
            field: "tracking_uri",
            message: "the MLflow store \(uri) was made by a newer MLflow (schema revision \(revision)) than the trials' \(mlflow.distribution) \(mlflow.version), which refuses it: upgrade MLflow in the trials' interpreter (`\(python) -m pip install -U mlflow`), or use another store file")
    }
}
