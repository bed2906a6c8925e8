import SweepKit
import SweepKitJobs
import XCTest

/// The report's engine side: parameter importance, how parameters are shown, the trial table,
/// the progress line and the HTML page (its browser rendering is tested in python/tests/test_report_browser.py).
final class ReportTests: XCTestCase {
    // MARK: importance

    /// Fewer trees than the report's 64: debug builds are slow, and 16 trees already rank well.
    private var options: ParameterImportance.Options {
        var options = ParameterImportance.Options()
        options.trees = 16
        return options
    }

    private func randomFeatures(_ n: Int, _ d: Int, seed: UInt64) -> [[Double]] {
        var generator = SplitMix64(seed: seed)
        return (0..<d).map { _ in (0..<n).map { _ in SplitMix64.unitDouble(generator.next()) } }
    }

    func testImportanceRanksParametersByTheVarianceTheyExplain() throws {
        let x = randomFeatures(300, 3, seed: 1)
        let y = (0..<300).map { 10 * x[0][$0] + 2 * x[1][$0] }  // additive; x2 plays no part
        let importance = try XCTUnwrap(ParameterImportance.compute(names: ["a", "b", "c"], features: x, targets: y, options: options))
        XCTAssertEqual(importance.entries.map(\.name), ["a", "b", "c"])
        let byName = Dictionary(uniqueKeysWithValues: importance.entries.map { ($0.name, $0.importance) })
        // Variances of 10·U and 2·U are in the ratio 100 : 4, so a explains ~96% and b ~4%.
        XCTAssertEqual(byName["a"]!, 0.96, accuracy: 0.06)
        XCTAssertEqual(byName["b"]!, 0.04, accuracy: 0.03)
        XCTAssertLessThan(byName["c"]!, 0.02)
        XCTAssertEqual(importance.trees, 16)
    }

    func testAPureInteractionHasSmallMainEffects() throws {
        let x = randomFeatures(400, 2, seed: 2)
        let y = (0..<400).map { (x[0][$0] - 0.5) * (x[1][$0] - 0.5) }
        let importance = try XCTUnwrap(ParameterImportance.compute(names: ["a", "b"], features: x, targets: y, options: options))
        XCTAssertLessThan(importance.entries.reduce(0) { $0 + $1.importance }, 0.3)
    }

    func testNoImportanceWithoutVariation() {
        XCTAssertNil(ParameterImportance.compute(names: ["a"], features: [[0.1, 0.5, 0.9]], targets: [1, 1, 1]))
        XCTAssertNil(ParameterImportance.compute(names: ["a"], features: [[0.1]], targets: [1]))
    }

    // MARK: a job with every kind of trial

    /// maximize `acc` over lr (log-scale), batch (choice) and a conditional `model`; trial 0 the
    /// best, 1 stopped early by bandit at interval 2, 2 failed, 3 completed, 4 running.
    private func report(ended: Bool = true, trials count: Int = 5) throws -> JobReport {
        let spec = try SweepJobSpec(jsonText: #"""
            {"name": "rep", "trial": {"command": "python t.py", "code": "/tmp"}, "tracking_uri": "none",
             "search_space": {"lr": ["loguniform", [-9.2, -2.3]], "batch": ["choice", [[16, 32, 64]]],
                              "model": ["choice", [[{"kind": "linear", "l2": ["uniform", [0, 1]]}, {"kind": "tree", "depth": ["randint", [8]]}]]]},
             "objective": {"goal": "maximize", "primary_metric": "acc"}, "limits": {"max_total_trials": 10, "max_concurrent_trials": 2},
             "early_termination": {"type": "bandit", "slack_factor": 0.1}}
            """#)
        var events: [JournalEntry] = [JournalEntry(time: 0, event: .created(spec: spec)),
                                      JournalEntry(time: 1000, event: .engineStarted(pid: 1, resumed: false))]
        let lrs = [0.001, 0.0001, 0.01, 0.003, 0.0005]
        for n in 0..<count {
            let model: JSONObject = n % 2 == 0 ? ["kind": "linear", "l2": .double(0.1 * Double(n))] : ["kind": "tree", "depth": .int(n)]
            let params: JSONObject = ["lr": .double(lrs[n % 5]), "batch": .int([16, 32, 64][n % 3]), "model": .object(model)]
            events.append(JournalEntry(time: 1000 + 10_000 * Int64(n), event: .trialStarted(TrialStart(
                number: n, name: "rep_\(n)", attempt: 1, params: params, flatParams: Trial.flatten(params), runID: "",
                directory: "/w/jobs/rep/trials/rep_\(n)", logDirectory: "/w/jobs/rep/logs/rep_\(n)"))))
        }
        let end: (Int, TrialState, Double?, [Double], String?) -> JournalEntry = { n, state, value, history, message in
            JournalEntry(time: 1000 + 10_000 * Int64(n) + 8000, event: .trialEnded(TrialEnd(
                number: n, state: state, value: value, message: message, exit: state == .failed ? "exited with code 1" : "exited with code 0",
                metrics: ["acc": history.last.map(JSONValue.double) ?? .null], history: history)))
        }
        if count > 0 { events.append(end(0, .completed, 0.9, [0.5, 0.8, 0.9], nil)) }
        if count > 1 {
            let decision = TerminationDecision(trial: 1, interval: 2, policy: "bandit", value: 0.4, threshold: 0.727,
                                               reason: "bandit at interval 2: best so far 0.4 < 0.727")
            events.append(JournalEntry(time: 19_000, event: .trialStopping(number: 1, decision: decision)))
            events.append(end(1, .canceled, 0.4, [0.3, 0.4], decision.reason))
        }
        if count > 2 { events.append(end(2, .failed, nil, [], "exited with code 1: ValueError, \"bad\"\n</script><script>alert(1)</script>\u{2028}")) }
        if count > 3 { events.append(end(3, .completed, 0.7, [0.6, 0.7, 0.7], nil)) }
        if ended, count > 4 { events.append(end(4, .canceled, nil, [], "canceled by the user")) }
        if ended { events.append(JournalEntry(time: 60_000, event: .sweepEnded(status: .completed, reason: "max_total_trials reached", engineCPUSeconds: 0.1))) }
        return JobReport(state: JobState(replaying: events), engineRunning: !ended, directory: "/w/jobs/rep")
    }

    func testParametersKeepTheirScalesCategoriesAndConditionalNames() throws {
        let report = try report()
        let parameters = ReportParameters.describe(space: report.spec?.sweep.searchSpace, logBase: nil, trials: report.trials)
        XCTAssertEqual(parameters.map(\.name), ["lr", "batch", "model.kind", "model.l2", "model.depth"])
        XCTAssertEqual(parameters.map(\.scale), [.log, .category, .category, .linear, .integer])
        XCTAssertEqual(parameters[1].categories, ["16", "32", "64"])
        XCTAssertEqual(parameters[2].categories, ["linear", "tree"])
        XCTAssertEqual(try XCTUnwrap(parameters[0].lower), exp(-9.2), accuracy: 1e-15)
        XCTAssertEqual(parameters[0].expression, "loguniform(-9.2, -2.3)")
    }

    func testTheTrialTableHasOptunasColumnsAndQuotesCSV() throws {
        let table = TrialTable(report: try report())
        XCTAssertEqual(Array(table.columns.prefix(7)), ["number", "name", "status", "value", "datetime_start", "datetime_complete", "duration"])
        XCTAssertTrue(table.columns.contains("params_model.depth") && table.columns.contains("metrics_acc"))
        XCTAssertEqual(table.rows.count, 5)
        let row1 = Dictionary(uniqueKeysWithValues: zip(table.columns, table.rows[1]))
        XCTAssertEqual(row1["status"], .string("Canceled"))
        XCTAssertEqual(row1["stop_interval"], .int(2))
        XCTAssertEqual(row1["duration"], .double(8))
        XCTAssertEqual(row1["datetime_start"], .string("1970-01-01T00:00:11.000Z"))
        XCTAssertEqual(row1["params_model.l2"], .null, "trial 1 took the tree option")
        let csv = table.csv
        XCTAssertTrue(csv.hasPrefix("number,name,status,value,"))
        XCTAssertTrue(csv.contains("\"exited with code 1: ValueError, \"\"bad\"\"\n</script>"), "quoted, quotes doubled")
        let lines = table.text().split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        XCTAssertTrue(lines[0].hasPrefix("number  status") && lines[0].contains("lr"))
        XCTAssertEqual(table.json.array?.first?.object?.keys, table.columns)
    }

    // MARK: progress line

    func testTheProgressLineEstimatesTheTimeLeftFromThePaceSoFar() throws {
        let running = try report(ended: false)
        // Started at 1 s; at 41 s, 4 of 10 trials ended (1 running): 10 s a trial, 60 s for the 6 left.
        let line = ProgressLine(report: running, now: 41_000)
        XCTAssertEqual(line.done, 4)
        XCTAssertEqual(line.total, 10)
        XCTAssertEqual(line.running, 1)
        XCTAssertEqual(line.failed, 1)
        XCTAssertEqual(line.best, 0.9)
        XCTAssertEqual(line.elapsed, 40)
        XCTAssertEqual(try XCTUnwrap(line.remaining), 60, accuracy: 1e-9)
        XCTAssertEqual(line.line, "[========>           ] 4/10 trials, 1 running, 1 failed, best 0.9 (rep_0), 40s elapsed, ~1m00s left")
        XCTAssertEqual(line.compact, "4/10, 1 running, best 0.9, 40s, ~1m00s left")
        XCTAssertEqual(line.fitting(width: 200), line.line)
        XCTAssertEqual(line.fitting(width: 60), line.compact)
        XCTAssertEqual(line.fitting(width: 20).count, 19)
        let done = ProgressLine(report: try report(), now: 99_000)
        XCTAssertNil(done.remaining)
        XCTAssertEqual(done.total, 5, "a finished sweep's total is what it ran")
        XCTAssertTrue(done.compact.hasSuffix("59s, done"), done.compact)
    }

    func testNoEstimateBeforeATrialEnds() throws {
        let line = ProgressLine(report: try report(ended: false, trials: 0), now: 5000)
        XCTAssertNil(line.remaining)
        XCTAssertTrue(line.line.hasSuffix("time left unknown"), line.line)
    }

    // MARK: page

    func testThePageIsSelfContainedAndItsDataCannotCloseTheScript() throws {
        let page = SweepReportPage.html(try report(), now: 61_000)
        for section in ["summary", "history", "parallel", "importance", "slices", "curves", "trials", "spec"] {
            XCTAssertTrue(page.contains("<section id=\"\(section)\">"), section)
        }
        XCTAssertFalse(page.contains("src=\"http") || page.contains("href=\"http") || page.contains("@import"),
                       "nothing fetched when viewed")
        let dataStart = try XCTUnwrap(page.range(of: "<script type=\"application/json\" id=\"sweep-data\">"))
        let dataEnd = try XCTUnwrap(page.range(of: "</script>", range: dataStart.upperBound..<page.endIndex))
        let text = String(page[dataStart.upperBound..<dataEnd.lowerBound])
        XCTAssertFalse(text.contains("<") || text.contains("\u{2028}"), "the failed trial's '</script>' is escaped")
        let data = try JSONValue(parsing: text.replacingOccurrences(of: "\\u003c", with: "<")).object ?? [:]
        XCTAssertEqual(data["best"], .int(0))
        XCTAssertEqual(data["trials"]?.object?["stop"]?.object?["1"]?.array?.first, .int(2))
        XCTAssertEqual(data["counts"]?.object?["Stopped"], .int(1))
        XCTAssertEqual(data["importance"]?.object?["parameters"], nil, "3 completed trials are too few")
        XCTAssertEqual(data["params"]?.array?.count, 5)
        XCTAssertTrue(data["trials"]?.object?["msg"]?.object?["2"]?.string?.hasSuffix("</script>\u{2028}") ?? false)
    }

    func testAJobWithoutTrialsStillHasAPage() throws {
        let page = SweepReportPage.html(try report(ended: false, trials: 0))
        XCTAssertTrue(page.contains("\"n\":[]"))
    }
}
