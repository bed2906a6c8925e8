import ArgumentParser
import Foundation
import SweepKit
import SweepKitJobs

/// `sweepkit job report NAME [--output report.html] [--open]`: the sweep as one self-contained
/// HTML page (charts, importance, learning curves, the trial table, the spec).
struct JobReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a sweep's report: one self-contained HTML file with its charts, importance and trials.")

    @Argument(help: "The job's name.") var name: String
    @Option(name: .shortAndLong, help: "Where to write it (default: report.html in the job's folder).") var output: String?
    @Flag(help: "Open it in the default browser afterwards (xdg-open, or $BROWSER).") var open = false
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let workspace = workspace.value
            let report = try workspace.report(name)
            let path = FileSystem.absolute(output ?? SweepReportPage.defaultPath(workspace.paths(name)))
            let bytes = try SweepReportPage.write(report, to: path)
            print("\(path) (\(report.trials.count) trials, \(bytes / 1024) KiB)")
            if open { Self.openInBrowser(path) }
        }
    }

    static func openInBrowser(_ path: String) {
        let browser = ProcessInfo.processInfo.environment["BROWSER"].flatMap { $0.isEmpty ? nil : $0 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [browser ?? "xdg-open", path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("sweepkit: could not open a browser (\(error)); open \(path) yourself\n".utf8))
        }
    }
}

/// `sweepkit job trials NAME --format csv|json|table`: the trials as one table (Optuna's
/// `trials_dataframe` columns), the same table `MLClient().jobs.trials_dataframe` returns.
struct JobTrialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trials",
        abstract: "Print a sweep's trials as a table: flat parameters, value, status, durations, metrics.")

    @Argument(help: "The job's name.") var name: String
    @Option(name: .shortAndLong, help: "csv, json or table (aligned columns for a terminal).")
    var format: TrialTable.Format = .table
    @OptionGroup var workspace: WorkspaceOption

    func run() throws {
        try runReportingErrors {
            let table = TrialTable(report: try workspace.value.report(name))
            FileHandle.standardOutput.write(Data(table.render(format).utf8))
        }
    }
}

extension TrialTable.Format: ExpressibleByArgument {}
