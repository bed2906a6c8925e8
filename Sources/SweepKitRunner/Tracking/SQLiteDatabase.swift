import SweepKit
import SweepKitPlatform
#if canImport(Glibc)
import Glibc
#endif

/// A SQLite connection through the system's libsqlite3, loaded at run time (the one CPython's
/// sqlite3 module uses), so building SweepKit needs no SQLite headers and the Python extension
/// stays one self-contained file.
final class SQLiteDatabase {
    enum Value: Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)

        var integer: Int64? { if case .integer(let i) = self { return i }; return nil }
        var real: Double? {
            switch self {
            case .real(let d): return d
            case .integer(let i): return Double(i)
            default: return nil
            }
        }
        var text: String? { if case .text(let s) = self { return s }; return nil }
    }

    private let library: SQLiteLibrary
    private var handle: OpaquePointer?
    let path: String
    /// Statements run so far (for the metric-load benchmark).
    private(set) var statements = 0

    /// How long a transaction's BEGIN and COMMIT keep trying once the busy timeout has passed. A
    /// trial's MLflow that holds its lock past the busy timeout (a starved process on a loaded
    /// machine) must not fail the sweep.
    private let commitWaitSeconds: Double

    init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 20_000,
         commitWaitSeconds: Double = 300) throws(SweepKitError) {
        self.commitWaitSeconds = commitWaitSeconds
        library = try SQLiteLibrary.shared()
        self.path = path
        let flags: Int32 = readOnly ? 0x1 : 0x2  // SQLITE_OPEN_READONLY / SQLITE_OPEN_READWRITE (no CREATE: MLflow makes the file)
        let status = library.open(path, &handle, flags | 0x0001_0000, nil)  // | SQLITE_OPEN_NOMUTEX
        guard status == 0, handle != nil else {
            let message = handle.map { String(cString: library.errmsg($0)) } ?? "code \(status)"
            _ = library.close(handle)  // a failed open still allocates a handle to release
            throw .internalFailure("cannot open the MLflow database \(path): \(message)")
        }
        _ = library.busyTimeout(handle, busyTimeoutMilliseconds)  // MLflow's own 20 s: writers wait for each other
    }

    deinit { _ = library.close(handle) }

    /// Runs `sql` with `bindings` and returns every row.
    @discardableResult
    func query(_ sql: String, _ bindings: [Value] = []) throws(SweepKitError) -> [[Value]] {
        statements += 1
        var statement: OpaquePointer?
        guard library.prepare(handle, sql, -1, &statement, nil) == 0, let statement else {
            throw failure("prepare", sql)
        }
        defer { _ = library.finalize(statement) }
        for (index, value) in bindings.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .null: _ = library.bindNull(statement, position)
            case .integer(let i): _ = library.bindInt64(statement, position, i)
            case .real(let d): _ = library.bindDouble(statement, position, d)
            case .text(let s): _ = library.bindText(statement, position, s, -1, -1)  // -1: SQLITE_TRANSIENT
            }
        }
        var rows: [[Value]] = []
        while true {
            let status = library.step(statement)
            if status == 101 { break }  // SQLITE_DONE
            guard status == 100 else { throw failure("run", sql) }  // SQLITE_ROW
            let columns = library.columnCount(statement)
            rows.append((0..<columns).map { column in
                switch library.columnType(statement, column) {
                case 1: return .integer(library.columnInt64(statement, column))
                case 2: return .real(library.columnDouble(statement, column))
                case 5: return .null
                default: return .text(library.columnText(statement, column).map { String(cString: $0) } ?? "")
                }
            })
        }
        return rows
    }

    /// Why `sql` does not compile against this database's schema (a missing table or column, an
    /// ON CONFLICT target that is no unique key), or nil when it does. Nothing is run.
    func compileError(_ sql: String) -> String? {
        var statement: OpaquePointer?
        let status = library.prepare(handle, sql, -1, &statement, nil)
        defer { if let statement { _ = library.finalize(statement) } }
        return status == 0 && statement != nil ? nil : String(cString: library.errmsg(handle))
    }

    func transaction<T>(_ body: () throws(SweepKitError) -> T) throws(SweepKitError) -> T {
        try runWaitingWhileBusy("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try runWaitingWhileBusy("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// `sql` (BEGIN IMMEDIATE or COMMIT), tried again while SQLite says the database is busy after
    /// the busy timeout (another connection still holds its lock), for up to `commitWaitSeconds`.
    /// Both are safe to repeat: a failed BEGIN started nothing, a busy COMMIT leaves the
    /// transaction open.
    private func runWaitingWhileBusy(_ sql: String) throws(SweepKitError) {
        let deadline = Clock.monotonicSeconds() + commitWaitSeconds
        while true {
            statements += 1
            var statement: OpaquePointer?
            guard library.prepare(handle, sql, -1, &statement, nil) == 0, let statement else { throw failure("prepare", sql) }
            let status = library.step(statement)
            _ = library.finalize(statement)
            if status == 101 { return }  // SQLITE_DONE
            guard status & 0xff == 5, Clock.monotonicSeconds() < deadline else { throw failure("run", sql) }  // SQLITE_BUSY
            Clock.sleep(seconds: 0.2)
        }
    }

    private func failure(_ what: String, _ sql: String) -> SweepKitError {
        .internalFailure("MLflow database \(path): cannot \(what) '\(sql.prefix(60))': \(String(cString: library.errmsg(handle)))")
    }
}

/// The libsqlite3 functions SweepKit uses, resolved with dlopen/dlsym.
final class SQLiteLibrary: @unchecked Sendable {
    typealias Open = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?, Int32, UnsafePointer<CChar>?) -> Int32
    typealias Close = @convention(c) (OpaquePointer?) -> Int32
    typealias ErrMsg = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>
    typealias BusyTimeout = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias Prepare = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32
    typealias Step = @convention(c) (OpaquePointer?) -> Int32
    typealias BindNull = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias BindInt64 = @convention(c) (OpaquePointer?, Int32, Int64) -> Int32
    typealias BindDouble = @convention(c) (OpaquePointer?, Int32, Double) -> Int32
    typealias BindText = @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, Int32, Int) -> Int32
    typealias ColumnCount = @convention(c) (OpaquePointer?) -> Int32
    typealias ColumnInt64 = @convention(c) (OpaquePointer?, Int32) -> Int64
    typealias ColumnDouble = @convention(c) (OpaquePointer?, Int32) -> Double
    typealias ColumnText = @convention(c) (OpaquePointer?, Int32) -> UnsafePointer<CChar>?

    let open: Open, close: Close, errmsg: ErrMsg, busyTimeout: BusyTimeout, prepare: Prepare, step: Step
    let finalize: Close, bindNull: BindNull, bindInt64: BindInt64, bindDouble: BindDouble, bindText: BindText
    let columnCount: ColumnCount, columnType: ColumnCount2, columnInt64: ColumnInt64, columnDouble: ColumnDouble, columnText: ColumnText
    typealias ColumnCount2 = @convention(c) (OpaquePointer?, Int32) -> Int32

    /// Loaded once per process (Swift runs a global's initialiser exactly once, thread-safely).
    private static let loaded = Result<SQLiteLibrary, SweepKitError> { () throws(SweepKitError) in try SQLiteLibrary() }

    static func shared() throws(SweepKitError) -> SQLiteLibrary {
        try loaded.get()
    }

    private init() throws(SweepKitError) {
        guard let handle = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL) ?? dlopen("libsqlite3.so", RTLD_NOW | RTLD_LOCAL) else {
            throw .unavailable("the MLflow SQLite store needs libsqlite3.so.0 (Debian: apt-get install libsqlite3-0)")
        }
        func symbol<T>(_ name: String, _ type: T.Type) throws(SweepKitError) -> T {
            guard let pointer = dlsym(handle, name) else { throw .unavailable("libsqlite3 has no \(name)") }
            return unsafeBitCast(pointer, to: type)
        }
        open = try symbol("sqlite3_open_v2", Open.self)
        close = try symbol("sqlite3_close_v2", Close.self)
        errmsg = try symbol("sqlite3_errmsg", ErrMsg.self)
        busyTimeout = try symbol("sqlite3_busy_timeout", BusyTimeout.self)
        prepare = try symbol("sqlite3_prepare_v2", Prepare.self)
        step = try symbol("sqlite3_step", Step.self)
        finalize = try symbol("sqlite3_finalize", Close.self)
        bindNull = try symbol("sqlite3_bind_null", BindNull.self)
        bindInt64 = try symbol("sqlite3_bind_int64", BindInt64.self)
        bindDouble = try symbol("sqlite3_bind_double", BindDouble.self)
        bindText = try symbol("sqlite3_bind_text", BindText.self)
        columnCount = try symbol("sqlite3_column_count", ColumnCount.self)
        columnType = try symbol("sqlite3_column_type", ColumnCount2.self)
        columnInt64 = try symbol("sqlite3_column_int64", ColumnInt64.self)
        columnDouble = try symbol("sqlite3_column_double", ColumnDouble.self)
        columnText = try symbol("sqlite3_column_text", ColumnText.self)
    }
}
