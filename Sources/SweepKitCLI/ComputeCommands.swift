import ArgumentParser
import Foundation
import SweepKit
import SweepKitJobs
import SweepKitYAML

/// `sweepkit compute ...`: the Azure CLI's `az ml compute` verbs for the compute targets a
/// workspace's jobs run their trials on (`local`, `ray`, `slurm`).
struct ComputeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute", abstract: "Register, list, show and delete compute targets (local, ray, slurm).",
        subcommands: [ComputeCreate.self, ComputeList.self, ComputeShow.self, ComputeDelete.self])
}

struct ComputeCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Register a compute target from a YAML file and/or flags (flags win); replaces one of the same name.",
        discussion: """
            sweepkit compute create --name aml-cluster --type slurm --shared-dir /shared/sweeps --partition gpu
            sweepkit compute create --name aml-cluster --type ray --address http://127.0.0.1:8265
            sweepkit compute create --name local --type local --gpus 0,1,2,3
            sweepkit compute create --file compute.yml
            """)

    @Option(name: .shortAndLong, help: "A compute YAML file (name, type, and the settings of its type).") var file: String?
    @Option(name: .shortAndLong, help: "The compute's name (what a job's compute names).") var name: String?
    @Option(name: .shortAndLong, help: "local, ray or slurm.") var type: String?
    @Option(help: "A description.") var description: String?
    @Option(name: .customLong("max-instances"), help: "At most this many trials on the compute at once.") var maxInstances: Int?
    @Option(help: "local: GPU ids trials get slices of (0,1,2,3), or a count.") var gpus: String?
    @Option(help: "local: CPUs the trials share (default: this machine's).") var cpus: Int?
    @Option(help: "local: memory the trials share, e.g. 64G (default: this machine's).") var memory: String?
    @Option(help: "ray: the dashboard's address, e.g. http://127.0.0.1:8265.") var address: String?
    @Option(help: "ray: the cluster's authentication token.") var token: String?
    @Option(name: .customLong("shared-dir"), help: "slurm: a folder this machine and every node see.") var sharedDir: String?
    @Option(help: "slurm: the partition trials run in.") var partition: String?
    @Option(help: "slurm: the account trials are charged to.") var account: String?
    @Option(name: .customLong("sbatch-options"), help: "slurm: more sbatch options, space-separated (--qos=normal --constraint=a100).")
    var sbatchOptions: String?
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            var object = JSONObject()
            if let file {
                guard let document = try YAMLDocument.read(path: file).object else {
                    throw SweepKitError.validation(field: "--file", message: "\(file) must hold a mapping (name, type, ...)")
                }
                object = document
                // A relative shared_dir is relative to the file, as paths in Azure's files are.
                if let shared = object["shared_dir"]?.string, !shared.hasPrefix("/") {
                    let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
                    object["shared_dir"] = .string(URL(fileURLWithPath: shared, relativeTo: URL(fileURLWithPath: folder + "/")).standardizedFileURL.path)
                }
            }
            let flags: [(String, JSONValue?)] = [
                ("name", name.map(JSONValue.string)), ("type", type.map(JSONValue.string)),
                ("description", description.map(JSONValue.string)), ("max_instances", maxInstances.map(JSONValue.int)),
                ("gpus", gpus.map { Int($0).map(JSONValue.int) ?? .string($0) }), ("cpus", cpus.map(JSONValue.int)),
                ("memory", memory.map(JSONValue.string)), ("address", address.map(JSONValue.string)),
                ("token", token.map(JSONValue.string)), ("shared_dir", sharedDir.map(JSONValue.string)),
                ("partition", partition.map(JSONValue.string)), ("account", account.map(JSONValue.string)),
                ("sbatch_options", sbatchOptions.map(JSONValue.string)),
            ]
            for case let (key, value?) in flags { object[key] = value }
            let compute = try workspace.value.createOrUpdateCompute(.object(object))
            print(compute.json(redacted: true).jsonText)
        }
    }
}

struct ComputeList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registered compute targets.")

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let computes = try workspace.value.computes()
            if json { print(JSONValue.array(computes.map { $0.json(redacted: true) }).jsonText); return }
            for compute in computes {
                let detail: String
                switch compute.kind {
                case .local: detail = compute.gpus.isEmpty ? "this machine" : "GPUs \(compute.gpus.joined(separator: ","))"
                case .ray: detail = compute.address ?? ""
                case .slurm: detail = (compute.partition.map { "partition \($0), " } ?? "") + "shared \(compute.sharedDirectory ?? "")"
                }
                print([compute.name, compute.kind.rawValue, detail].joined(separator: "\t"))
            }
        }
    }
}

struct ComputeShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a registered compute target (JSON).")

    @Option(name: .shortAndLong, help: "The compute's name.") var name: String
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors { print(try workspace.value.compute(named: name).json(redacted: true).jsonText) }
    }
}

struct ComputeDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a registered compute target (jobs that name it then run locally).")

    @Option(name: .shortAndLong, help: "The compute's name.") var name: String
    @Flag(name: .shortAndLong, help: "Accepted for the Azure CLI's sake: nothing is asked.") var yes = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors { try workspace.value.deleteCompute(named: name) }
    }
}
