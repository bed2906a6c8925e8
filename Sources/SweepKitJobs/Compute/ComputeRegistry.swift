#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SweepKit

/// The compute targets registered in a workspace: one canonical JSON file each, in
/// `<workspace>/computes/<name>.json` (the folder is private to its owner: a Ray token may be in it).
extension Workspace {
    public var computesDirectory: String { "\(root)/computes" }

    private func computePath(_ name: String) -> String { "\(computesDirectory)/\(name).json" }

    /// Checks a compute definition and stores it, replacing one of the same name (Azure's
    /// `begin_create_or_update`). A Slurm compute's shared folder must exist here.
    @discardableResult
    public func createOrUpdateCompute(_ json: JSONValue) throws(SweepKitError) -> ComputeTarget {
        let compute = try ComputeTarget(json: json)
        if let shared = compute.sharedDirectory, !FileSystem.isDirectory(shared) {
            throw .validation(field: "shared_dir", message: "no such folder: \(shared) (it must be mounted here and on every node)")
        }
        try FileSystem.createDirectory(computesDirectory)
        chmod(computesDirectory, 0o700)
        try FileSystem.writeAtomically(computePath(compute.name), compute.json().jsonText + "\n")
        return compute
    }

    /// The compute registered as `name`, or nil.
    public func registeredCompute(named name: String) throws(SweepKitError) -> ComputeTarget? {
        guard (try? SweepJobSpec.validateName(name, field: "name")) != nil, FileSystem.exists(computePath(name)) else { return nil }
        let text = try FileSystem.read(computePath(name))
        do { return try ComputeTarget(json: JSONValue(parsing: text)) } catch {
            throw .internalFailure("the registered compute \(computePath(name)) is damaged (\(error)); create it again")
        }
    }

    /// The compute registered as `name`; an error naming it when there is none.
    public func compute(named name: String) throws(SweepKitError) -> ComputeTarget {
        guard let compute = try registeredCompute(named: name) else {
            throw .validation(field: "name", message: "no compute named '\(name)' in \(root)")
        }
        return compute
    }

    /// Every registered compute, by name.
    public func computes() throws(SweepKitError) -> [ComputeTarget] {
        var found: [ComputeTarget] = []
        for file in FileSystem.entries(of: computesDirectory).sorted() where file.hasSuffix(".json") {
            if let compute = try registeredCompute(named: String(file.dropLast(5))) { found.append(compute) }
        }
        return found
    }

    public func deleteCompute(named name: String) throws(SweepKitError) {
        _ = try compute(named: name)
        guard unlink(computePath(name)) == 0 else { throw FileSystem.failure("cannot delete", computePath(name)) }
    }

    /// Where a job's trials run: the compute its `compute` names, when that is registered here;
    /// nil for `local`, no compute, or a name that is not registered (local processes).
    public func computeTarget(of spec: SweepJobSpec) throws(SweepKitError) -> ComputeTarget? {
        guard let name = spec.compute, !name.isEmpty else { return nil }
        return try registeredCompute(named: name)
    }
}
