import SweepKit
import SweepKitPlatform

/// What a job's `code` folder gives each trial: a copy, like Azure ML's snapshot, checked at
/// submission. The workspace (which may sit inside `code: .`) and a SQLite MLflow store are never
/// copied; the size is capped as Azure caps snapshots (300 MB, 2000 files), and both limits can be
/// raised with `SWEEPKIT_CODE_MAX_MB` and `SWEEPKIT_CODE_MAX_FILES`.
public enum CodeSnapshot {
    /// Paths left out of every copy of `spec`'s code.
    public static func exclusions(_ spec: SweepJobSpec, workspaceRoot: String) -> Set<String> {
        var excluded: Set<String> = [workspaceRoot]
        if spec.trackingURI.hasPrefix("sqlite:///") {
            let database = String(spec.trackingURI.dropFirst("sqlite://".count))
            excluded.formUnion([database, "\(database)-journal", "\(database)-wal", "\(database)-shm", "\(database).sweepkit-init.lock"])
        }
        return excluded
    }

    /// Gives a trial folder its copy of the code: a folder's contents, or a single file.
    public static func copy(_ code: String, into directory: String, excluding: Set<String>) throws(SweepKitError) {
        if FileSystem.isDirectory(code) {
            try FileSystem.copyTree(from: code, to: directory, excluding: excluding)
        } else {
            try FileSystem.createDirectory(directory)
            let name = code.split(separator: "/").last.map(String.init) ?? code
            try FileSystem.copyTree(from: code, to: "\(directory)/\(name)", excluding: excluding)
        }
    }

    /// Refuses a code folder that is missing or too large, naming `trial.code`.
    public static func validate(_ spec: SweepJobSpec, workspaceRoot: String) throws(SweepKitError) {
        guard let code = spec.trial.code else { return }
        guard FileSystem.isDirectory(code) || FileSystem.exists(code) else {
            throw .validation(field: "trial.code", message: "no such folder or file: \(code)")
        }
        let maxBytes = try InputLimits.codeMegabytes.value() * 1_048_576
        let maxFiles = try InputLimits.codeFiles.value()
        let size = FileSystem.treeSize(code, excluding: exclusions(spec, workspaceRoot: workspaceRoot), maxBytes: maxBytes, maxFiles: maxFiles)
        if size.bytes > maxBytes || size.files > maxFiles {
            throw .validation(
                field: "trial.code",
                message: "\(code) holds more than \(maxBytes / 1_048_576) MB or \(maxFiles) files (every trial gets a copy): point code at the folder with the training scripts and read data through inputs, or raise SWEEPKIT_CODE_MAX_MB / SWEEPKIT_CODE_MAX_FILES")
        }
    }
}
