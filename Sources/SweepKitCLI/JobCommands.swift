import ArgumentParser
import Foundation
import SweepKit
import SweepKitJobs
import SweepKitRunner
import SweepKitPlatform

/// `sweepkit job ...`: the Azure CLI's `az ml job` verbs for sweep jobs, on this machine.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Create, run, watch, cancel and resume sweep jobs.",
        subcommands: [JobCreate.self, JobList.self, JobShow.self, JobStream.self, JobCancel.self, JobResume.self, JobRun.self,
                      JobReportCommand.self, JobTrialsCommand.self])
}

struct WorkspaceOption: ParsableArguments {
    @Option(name: .long, help: "The workspace folder (default: $SWEEPKIT_WORKSPACE, else ./.sweepkit).")
    var workspace: String?

    var value: Workspace { Workspace(root: workspace) }
}

/// Exit codes a shell script can rely on.
enum JobExit {
    static let failedOrCanceled: Int32 = 1
    static let invalid: Int32 = 2
    static let notFound: Int32 = 3

    static func forStatus(_ status: JobStatus) -> ExitCode {
        status == .completed ? .success : ExitCode(failedOrCanceled)
    }
}

struct JobCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Submit a sweep YAML file; its engine runs in the background.")

    @Option(name: .shortAndLong, help: "The sweep YAML file (Azure CLI v2 schema, type: sweep).")
    var file: String
    @Option(name: .shortAndLong, help: "The job's name (default: generated, e.g. quiet_kite_7xq2b9mhdw).")
    var name: String?
    @Option(name: .customLong("set"), parsing: .upToNextOption,
            help: "Set a value of the file before it is read, as the Azure CLI does: key=value with a dotted key (repeatable).")
    var overrides: [String] = []
    @Flag(name: .shortAndLong, help: "Stream the sweep's progress until it ends; exit 0 only if it completed.")
    var stream = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let job = try SweepFile(path: file, name: name, overrides: overrides).job
            let spec = try workspace.value.submit(job)
            printAdvice(spec.sweep)
            try EngineProcess.startDetached(workspace: workspace.value, name: spec.name)
            if stream {
                let status = try JobStreamer(workspace: workspace.value, name: spec.name).follow()
                throw JobExit.forStatus(status)
            }
            let report = try EngineProcess.waitUntilPrepared(workspace: workspace.value, name: spec.name)
            print(report.json.jsonText)
            if report.status == .failed {
                FileHandle.standardError.write(Data("sweepkit: error: job \(spec.name) failed at once: \(report.reason ?? "")\n".utf8))
                throw ExitCode(JobExit.failedOrCanceled)
            }
        }
    }
}

struct JobRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run (or resume) a submitted job's engine in the foreground.")

    @Argument(help: "The job's name.") var name: String
    @Flag(help: "Mark trials that were running when the engine stopped as Failed instead of relaunching them.")
    var failInterrupted = false
    @Flag(name: .shortAndLong, help: "Print progress lines as they happen.") var stream = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            var options = SweepJobRunner.Options()
            options.relaunchInterrupted = !failInterrupted
            if let poll = ProcessEnvironment.value("SWEEPKIT_METRIC_POLL_SECONDS").flatMap(Double.init), poll > 0 {
                options.metricPollSeconds = poll
            }
            if stream { options.progress = { FileHandle.standardOutput.write(Data($0.utf8)) } }
            let report = try SweepJobRunner.run(workspace: workspace.value, name: name, options: options)
            throw JobExit.forStatus(report.status)
        }
    }
}

struct JobResume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Finish a job whose engine stopped (crash, kill -9, reboot); finished trials are kept.")

    @Argument(help: "The job's name.") var name: String
    @Flag(help: "Mark trials that were running when the engine stopped as Failed instead of relaunching them.")
    var failInterrupted = false
    @Flag(name: .shortAndLong, help: "Stream the sweep's progress until it ends.") var stream = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let report = try workspace.value.report(name)
            if report.isFinished {
                print("job \(name) already ended: \(report.status.rawValue)")
                throw JobExit.forStatus(report.status)
            }
            if report.status != .running {
                try EngineProcess.startDetached(workspace: workspace.value, name: name, failInterrupted: failInterrupted)
            }
            if stream {
                throw JobExit.forStatus(try JobStreamer(workspace: workspace.value, name: name).follow())
            }
            print(try workspace.value.report(name).json.jsonText)
        }
    }
}

struct JobList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List sweep jobs, or the trials of one.")

    @Option(name: .customLong("parent-job-name"), help: "List the trials of this sweep job.") var parent: String?
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let workspace = workspace.value
            if let parent {
                let trials = (try workspace.report(parent).json.object?["trials"]) ?? .array([])
                if json { print(trials.jsonText); return }
                for trial in trials.array ?? [] {
                    let object = trial.object ?? JSONObject()
                    print([object["name"]?.string ?? "", object["status"]?.string ?? "",
                           object["value"]?.number.map { String($0) } ?? "-", object["params"]?.jsonText ?? ""].joined(separator: "\t"))
                }
                return
            }
            let reports = try workspace.jobNames().map { name throws(SweepKitError) in try workspace.report(name) }
            if json { print(JSONValue.array(reports.map(\.json)).jsonText); return }
            for report in reports {
                let best = report.best.flatMap { $0.value }.map { String($0) } ?? "-"
                print([report.spec?.name ?? "", report.status.rawValue, report.spec?.experimentName ?? "", "\(report.trials.count) trials",
                       "best \(best)"].joined(separator: "\t"))
            }
        }
    }
}

struct JobShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a sweep job (JSON): status, best trial, trials.")

    @Argument(help: "The job's name.") var name: String
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors { print(try workspace.value.report(name).json.jsonText) }
    }
}

struct JobStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream", abstract: "Follow a sweep's progress until it ends; exit 0 only if it completed.")

    @Argument(help: "The job's name.") var name: String
    @Flag(help: "Plain lines only: no progress line redrawn in place (also when NO_COLOR is set or stdout is not a terminal).")
    var plain = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            throw JobExit.forStatus(try JobStreamer(workspace: workspace.value, name: name, plain: plain).follow())
        }
    }
}

struct JobCancel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a sweep job and all its running trials.")

    @Argument(help: "The job's name.") var name: String
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let workspace = workspace.value
            if try workspace.cancel(name).status == .notResponding {
                // Its engine died: a new one carries the request out (stops what still runs,
                // finishes the MLflow runs).
                try EngineProcess.startDetached(workspace: workspace, name: name)
            }
            // Wait for the engine to stop its trials (at most its grace period and a little).
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, try !workspace.report(name).isFinished { Thread.sleep(forTimeInterval: 0.1) }
            let report = try workspace.report(name)
            print("job \(name): \(report.status.rawValue)")
        }
    }
}
