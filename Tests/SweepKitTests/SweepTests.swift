import XCTest
@testable import SweepKit

final class SweepTests: XCTestCase {
    let space = try! SearchSpace(["x": .uniform(min: -5, max: 5), "c": .choice([.literal("a"), .literal("b")])])

    func testRunFindsTheBestTrialAndStopsAtMaxTotalTrials() throws {
        let sweep = try Sweep(space: space, sampler: .random(seed: 1), goal: .minimize, limits: SweepLimits(maxTotalTrials: 40))
        try sweep.run { trial in pow(trial.params["x"]!.number! - 2, 2) }
        let trials = sweep.trials
        XCTAssertEqual(trials.count, 40)
        XCTAssertTrue(trials.allSatisfy { $0.state == .completed })
        let best = try XCTUnwrap(sweep.best)
        XCTAssertEqual(best.value, trials.compactMap(\.value).min())
        XCTAssertEqual(sweep.finishReason, "max_total_trials (40) reached")
        XCTAssertNil(try sweep.ask())
    }

    func testMaximizeKeepsTheEarliestOfEqualBests() throws {
        let sweep = try Sweep(space: space, sampler: .random(seed: 2), goal: .maximize)
        for value in [1.0, 3.0, 3.0, 2.0] {
            let trial = try XCTUnwrap(try sweep.ask())
            try sweep.tell(trial.number, value: value)
        }
        XCTAssertEqual(sweep.best?.number, 1)
    }

    func testTheSwiftAPIAndTheJSONSpecGiveTheSameTrialsForTheSameSeed() throws {
        let native = try Sweep(space: space, sampler: .sobol(seed: 9), goal: .minimize)
        let fromJSON = try Sweep(jsonText: #"""
            {"search_space": {"x": {"type": "uniform", "min_value": -5, "max_value": 5}, "c": ["choice", [["a", "b"]]]},
             "sampling_algorithm": {"type": "random", "rule": "sobol", "seed": 9}, "objective": {"goal": "minimize"}}
            """#)
        for _ in 0..<20 {
            XCTAssertEqual(try native.ask()?.params, try fromJSON.ask()?.params)
        }
    }

    func testRandomSamplingWithoutASeedRecordsTheSeedItDrew() throws {
        let sweep = try Sweep(space: space, goal: .minimize)
        let seed = try XCTUnwrap(sweep.spec.samplingAlgorithm.seed)
        let replay = try Sweep(space: space, sampler: .random(seed: seed), goal: .minimize)
        XCTAssertEqual(try sweep.ask()?.params, try replay.ask()?.params)
    }

    func testConcurrencyLimitAndMisuseAreErrors() throws {
        let sweep = try Sweep(space: space, goal: .minimize, limits: SweepLimits(maxConcurrentTrials: 2))
        let first = try XCTUnwrap(try sweep.ask())
        _ = try sweep.ask()
        XCTAssertThrowsError(try sweep.ask()) { XCTAssertTrue("\($0)".contains("max_concurrent_trials (2)"), "\($0)") }
        try sweep.tell(first.number, value: 1)
        XCTAssertNotNil(try sweep.ask())
        XCTAssertThrowsError(try sweep.tell(first.number, value: 2)) { XCTAssertTrue("\($0)".contains("already finished"), "\($0)") }
        XCTAssertThrowsError(try sweep.tell(99, value: 2)) { XCTAssertTrue("\($0)".contains("no trial 99"), "\($0)") }
        XCTAssertThrowsError(try sweep.tell(1, value: .nan)) { XCTAssertTrue("\($0)".contains("finite value"), "\($0)") }
        XCTAssertNoThrow(try sweep.tell(1, value: nil, state: .failed, message: "diverged"))
        XCTAssertEqual(sweep.trial(1)?.state, .failed)
        XCTAssertEqual(sweep.trial(1)?.message, "diverged")
    }

    func testGridSweepEndsWhenExhausted() throws {
        let grid = try SearchSpace(["a": .choice([.literal(1), .literal(2)]), "b": .choice([.literal(true), .literal(false)])])
        let sweep = try Sweep(space: grid, sampler: .grid, goal: .maximize, limits: SweepLimits(maxTotalTrials: 100))
        try sweep.run { Double($0.number) }
        XCTAssertEqual(sweep.trials.count, 4)
        XCTAssertEqual(sweep.finishReason, "the sampler is exhausted: it has no more trials to propose (grid: every combination was tried)")
    }

    func testTimeoutEndsTheSweep() throws {
        let sweep = try Sweep(space: space, goal: .minimize, limits: SweepLimits(timeout: 0.05))
        try sweep.run { _ in usleep(20_000); return 1 }
        XCTAssertEqual(sweep.finishReason, "timeout reached")
        XCTAssertLessThan(sweep.trials.count, 10)
    }

    func testAnObjectiveThatThrowsFailsItsTrialAndPropagates() throws {
        struct Boom: Error {}
        let sweep = try Sweep(space: space, goal: .minimize)
        XCTAssertThrowsError(try sweep.run { _ in throw Boom() })
        XCTAssertEqual(sweep.trials.map(\.state), [.failed])
    }

    func testSpecCatalogueNamesTheField() {
        let base = #""search_space": {"x": ["uniform", [0, 1]]}"#
        let catalogue: [(String, String)] = [
            ("{\(base)}", "objective: Missing data for required field"),
            (#"{"objective": {"goal": "max"}}"#, "search_space: Missing data for required field."),
            ("{\(base), \"objective\": {\"goal\": \"max\"}}", "objective.goal: Value \"max\" passed is not in set ['minimize', 'maximize']"),
            ("{\(base), \"objective\": {\"goal\": \"min\", \"primary_metric\": 3}}", "objective.goal"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"limits\": {\"max_total_trials\": 0}}", "limits.max_total_trials: must be an integer of at least 1"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"limits\": {\"timeout\": -5}}", "limits.timeout: must be a positive number of seconds"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"limits\": {\"max_trials\": 5}}", "limits.max_trials: Unknown field."),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"bandit\"}}", "Bandit termination policy expects exactly one of slack factor or slack amount to be set."),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"bandit\", \"slack_factor\": 0.1, \"slack_amount\": 0.2}}", "exactly one of slack factor or slack amount"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"truncation_selection\", \"truncation_percentage\": 100}}", "early_termination.truncation_percentage: truncation_percentage expects value to be between 1 and 99"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"truncation_selection\"}}", "early_termination.truncation_percentage: Missing data for required field."),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"median_stopping\", \"delay_evaluation\": -1}}", "early_termination.delay_evaluation: must be a non-negative integer"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": {\"type\": \"median_stopping\", \"evaluation_interval\": -2}}", "early_termination.evaluation_interval"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": \"asha\"}", "Received unsupported value asha as the early termination policy"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"early_termination\": 5}", "Received unsupported value of type an integer"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"sampling_algorithm\": \"grid\"}", "search_space.x: grid sampling supports only choice"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"sampling_algorithm\": \"halton\"}", "sampling_algorithm: unsupported sampling algorithm: halton"),
            ("{\(base), \"objective\": {\"goal\": \"minimize\"}, \"extra\": 1}", "extra: Unknown field."),
        ]
        for (json, expected) in catalogue {
            XCTAssertThrowsError(try Sweep(jsonText: json), json) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(json): got '\(error)', expected '\(expected)'")
            }
        }
    }

    func testEveryAzurePolicySpellingIsAccepted() throws {
        for name in ["bandit", "median_stopping", "MedianStopping", "truncation_selection", "TruncationSelection"] {
            let json: JSONValue = name.lowercased().hasPrefix("bandit") ? ["type": .string(name), "slack_factor": 0.1]
                : name.lowercased().hasPrefix("trunc") ? ["type": .string(name), "truncation_percentage": 10] : .string(name)
            XCTAssertNotNil(try TerminationPolicySpec.parse(json), name)
        }
    }
}
