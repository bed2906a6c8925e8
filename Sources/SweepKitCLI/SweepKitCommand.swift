import ArgumentParser
import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform

/// `sweepkit`: run and inspect sweeps from the shell.
///
/// Exit codes: 0 success; 2 the file or its spec is invalid (the message names the field);
/// 1 anything else went wrong.
@main
struct SweepKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweepkit",
        abstract: "Hyperparameter sweeps in the Azure ML sweep-job format, run on this machine.",
        version: SweepKitVersion.string,
        subcommands: [JobCommand.self, ComputeCommand.self, PluginsCommand.self, ValidateCommand.self, SampleCommand.self,
                      SamplersCommand.self])
}

/// Runs a command body and maps engine errors to a message on stderr and an exit code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as SweepKitError {
        FileHandle.standardError.write(Data("sweepkit: error: \(error)\n".utf8))
        if case .validation(let field, let message) = error, field == "name",
            message.hasPrefix("no job named") || message.hasPrefix("no compute named") {
            throw ExitCode(JobExit.notFound)
        }
        if case .validation = error { throw ExitCode(JobExit.invalid) }
        if case .invalidJSON = error { throw ExitCode(JobExit.invalid) }
        throw ExitCode(1)
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a sweep YAML file and print the engine's canonical spec (JSON).")

    @Option(name: .shortAndLong, help: "The sweep YAML file.")
    var file: String
    @Option(name: .customLong("set"), parsing: .upToNextOption,
            help: "Set a value of the file before it is read, as the Azure CLI does: key=value with a dotted key (repeatable).")
    var overrides: [String] = []

    func run() throws {
        try runReportingErrors {
            let job = try SweepJobSpec(json: SweepFile(path: file, overrides: overrides).job)
            _ = try Sweep(spec: job.sweep)  // also creates the sampler: grid/space mismatches surface here
            printAdvice(job.sweep)
            print(job.json.jsonText)
        }
    }
}

/// The engine's advice about a valid sweep (log-scale bounds that look like values, Azure's
/// Bayesian recommendations), as warnings on stderr.
func printAdvice(_ spec: SweepSpec) {
    for note in spec.advice { FileHandle.standardError.write(Data("sweepkit: warning: \(note)\n".utf8)) }
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Print the parameters the sweep's sampler proposes, one JSON object per line, without running trials.")

    @Option(name: .shortAndLong, help: "The sweep YAML file.")
    var file: String

    @Option(name: .shortAndLong, help: "How many trials to propose (default: limits.max_total_trials, else 10).")
    var count: Int?

    func run() throws {
        try runReportingErrors {
            var spec = try SweepFile(path: file).sweepSpec
            let count = count ?? spec.limits.maxTotalTrials ?? 10
            spec.limits = SweepLimits(maxTotalTrials: count)
            let sweep = try Sweep(spec: spec)
            while let trial = try sweep.ask() {
                print(JSONValue.object(trial.params).jsonText)
                try sweep.tell(trial.number, value: nil, state: .canceled, message: "sampled only")
            }
        }
    }
}

struct SamplersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "samplers", abstract: "List the registered samplers.")

    func run() throws {
        try EngineAssembly.loadPlugins([])
        for entry in SamplerRegistry.shared.all { print("\(entry.name)\t\(entry.origin)") }
    }
}

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "Samplers and policies: built-in and plugins.", subcommands: [PluginsList.self])
}

struct PluginsList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List built-in and loaded plugins (SWEEPKIT_PLUGIN_PATH, --load) with their ABI versions.")

    @Option(name: .customLong("load"), help: "Load this plugin library first (repeatable).") var libraries: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try runReportingErrors {
            for library in libraries { try PluginLoader.load(path: library) }
            let catalog = PluginCatalog.json
            if json { print(catalog.jsonText); return }
            for item in catalog.object?["plugins"]?.array ?? [] {
                let o = item.object ?? JSONObject()
                print([o["kind"]?.string ?? "", o["name"]?.string ?? "", "abi \(o["abi_version"]?.jsonText ?? "")", o["origin"]?.string ?? ""].joined(separator: "\t"))
            }
            for problem in catalog.object?["problems"]?.array ?? [] {
                FileHandle.standardError.write(Data("sweepkit: plugin refused: \(problem.string ?? "")\n".utf8))
            }
        }
    }
}
