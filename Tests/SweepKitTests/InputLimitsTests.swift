#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import SweepKit

/// Issue 11: limits on input (items 4 and "limits users can see and change") and the smaller
/// items of item 10 that the engine itself decides.
final class InputLimitsTests: XCTestCase {
    func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func withEnvironment<T>(_ variables: [String: String], _ body: () -> T) -> T {
        let saved = variables.keys.map { ($0, getenv($0).map { String(cString: $0) }) }
        for (key, value) in variables { setenv(key, value, 1) }
        defer { for (key, value) in saved { if let value { setenv(key, value, 1) } else { unsetenv(key) } } }
        return body()
    }

    func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    func testEveryLimitHasADefaultAVariableAndAValueInForce() throws {
        let json = try InputLimits.json()
        XCTAssertEqual(json.object?.keys.map { $0 }, ["max_input_bytes", "max_input_depth", "max_input_values", "max_choice_values", "max_message_bytes",
                                                      "max_code_megabytes", "max_code_files", "max_trial_output_megabytes"])
        XCTAssertEqual(json.object?["max_input_depth"]?.jsonText,
                       #"{"value":64,"default":64,"environment_variable":"SWEEPKIT_MAX_INPUT_DEPTH","unit":"levels","summary":"nesting depth of mappings and lists in one document"}"#)
        withEnvironment(["SWEEPKIT_MAX_CHOICE_VALUES": " 12 "]) {
            XCTAssertEqual((try? InputLimits.json())?.object?["max_choice_values"]?.object?["value"], .int(12))
        }
        for bad in ["0", "-3", "ten", "1e3", "513"] {
            withEnvironment(["SWEEPKIT_MAX_INPUT_DEPTH": bad]) {
                XCTAssertEqual(message { try InputLimits.inputDepth.value() },
                               "SWEEPKIT_MAX_INPUT_DEPTH: expected a whole number from 1 to 512, got '\(bad)'")
            }
        }
    }

    /// The JSON parser's recursion is bounded whatever the input (it crosses the C ABI): 100,000
    /// levels are an error, not a stack overflow, with the structural bound and with the limits.
    func testJSONNestingIsBounded() {
        let deep = nested(100_000)
        XCTAssertEqual(message { try JSONValue(parsing: deep) }, "invalid JSON: nesting deeper than 512 levels at byte 512")
        XCTAssertEqual(message { try JSONValue(parsingInput: deep, field: "spec_json") },
                       "spec_json: nesting at byte 64, over the limit of 64 levels (SWEEPKIT_MAX_INPUT_DEPTH)")
        XCTAssertEqual(message { try JSONValue(parsingInput: nested(64), field: "spec_json") }, "no error")
        withEnvironment(["SWEEPKIT_MAX_INPUT_DEPTH": "3"]) {
            XCTAssertEqual(message { try JSONValue(parsingInput: #"{"a": [[1]], "b": [[[2]]]}"#, field: "doc") },
                           "doc: nesting at byte 20, over the limit of 3 levels (SWEEPKIT_MAX_INPUT_DEPTH)")
        }
        // A spec as the C API and Python give it names the limit the same way.
        XCTAssertTrue(message { try SweepSpec(jsonText: #"{"search_space": "# + deep + "}") }
            .hasPrefix("spec: nesting at byte 80, over the limit of 64 levels"))
    }

    func testJSONSizeAndValuesAreBounded() {
        withEnvironment(["SWEEPKIT_MAX_INPUT_BYTES": "20"]) {
            XCTAssertEqual(message { try JSONValue(parsingInput: #"{"a": "0123456789abcdef"}"#, field: "doc") },
                           "doc: 25 bytes, over the limit of 20 bytes (SWEEPKIT_MAX_INPUT_BYTES)")
        }
        withEnvironment(["SWEEPKIT_MAX_INPUT_VALUES": "4"]) {
            XCTAssertEqual(message { try JSONValue(parsingInput: "[1, 2, 3]", field: "doc") }, "no error")
            XCTAssertEqual(message { try JSONValue(parsingInput: "[1, 2, 3, 4]", field: "doc") },
                           "doc: more than 4 values (at byte 10), over the limit of 4 values (SWEEPKIT_MAX_INPUT_VALUES)")
        }
        // Files the engine wrote itself are read with the structural bound only.
        withEnvironment(["SWEEPKIT_MAX_INPUT_VALUES": "4", "SWEEPKIT_MAX_INPUT_DEPTH": "1"]) {
            XCTAssertEqual(message { try JSONValue(parsing: "[1, 2, [3, [4, 5]]]") }, "no error")
        }
    }

    /// Item 10: a choice of 10⁶ values made each Bayesian `ask` take seconds. The number of values
    /// is limited (100,000 by default)...
    func testChoiceValuesAreLimited() throws {
        let values = (0..<100_001).map { JSONValue.int($0) }
        let space: JSONValue = ["x": ["choice", .array([.array(values)])]]
        XCTAssertEqual(message { try SearchSpace(json: space) },
                       "search_space.x.values: 100001 values, over the limit of 100000 values (SWEEPKIT_MAX_CHOICE_VALUES)")
        XCTAssertEqual(message { try SearchSpace(json: ["x": ["choice", .array([.array(Array(values.prefix(100_000)))])]]) }, "no error")
        withEnvironment(["SWEEPKIT_MAX_CHOICE_VALUES": "3"]) {
            XCTAssertEqual(message { try SearchSpace(["x": .choice((0..<4).map { .literal(.int($0)) })]) },
                           "search_space.x.values: 4 values, over the limit of 3 values (SWEEPKIT_MAX_CHOICE_VALUES)")
            // Nested choices too, with their path.
            let nested = ParameterExpression.choice([.nested([.init(key: "k", content: .expression(.choice((0..<5).map { .literal(.int($0)) })))])])
            XCTAssertEqual(message { try SearchSpace(["m": nested]) },
                           "search_space.m.values[0].k.values: 5 values, over the limit of 3 values (SWEEPKIT_MAX_CHOICE_VALUES)")
        }
    }

    /// ...and the acquisition no longer tries every option of a large choice: options no
    /// observed point has all predict alike, so it tries those the points have plus one other.
    func testBayesianSearchOfALargeChoiceIsBoundedByTheObservations() throws {
        let space = try SearchSpace(["x": .choice((0..<100_000).map { .literal(.int($0)) }), "y": .uniform(min: 0, max: 1)])
        let sweep = try Sweep(space: space, sampler: .bayesian, goal: .minimize, limits: SweepLimits(maxTotalTrials: 14))
        while let trial = try sweep.ask() {
            let x = trial.params["x"]?.number ?? 0, y = trial.params["y"]?.number ?? 0
            try sweep.tell(trial.number, value: abs(x - 500) / 1000 + y)
        }
        XCTAssertEqual(sweep.trials.count, 14)
        // The option lists themselves: all options of a small choice, seen ones + 1 of a large one.
        let points = (0..<12).map { [ParameterExpression.cellCentre($0 * 7, count: 100_000), 0.5] }
        let model = try XCTUnwrap(GaussianProcess(points: points, targets: points.map { $0[1] }, hyperparameters: .initial(dimension: 2),
                                                  categories: [100_000, nil]))
        var random = SplitMix64(seed: 1)
        let options = AcquisitionOptimizer(model: model, best: 0, grid: CoordinateGrid(space: space)).choiceOptions(random: &random)
        XCTAssertNil(options[1])
        XCTAssertEqual(options[0]?.count, 13)
        XCTAssertEqual(Array(options[0]!.prefix(12)), (0..<12).map { $0 * 7 })
        XCTAssertFalse(Set(options[0]!.prefix(12)).contains(options[0]![12]))
        let small = try SearchSpace(["x": .choice((0..<5).map { .literal(.int($0)) })])
        let smallModel = try XCTUnwrap(GaussianProcess(points: [[0.1], [0.5]], targets: [0, 1], hyperparameters: .initial(dimension: 1), categories: [5]))
        XCTAssertEqual(AcquisitionOptimizer(model: smallModel, best: 0, grid: CoordinateGrid(space: small)).choiceOptions(random: &random)[0], [0, 1, 2, 3, 4])
    }

    /// Item 10: conditional choices 300 deep. Nesting is bounded by the depth limit, also for a
    /// space built in Swift (so no recursion over a space can run out of stack).
    func testConditionalChoicesNestAtMostTheDepthLimit() {
        var expression = ParameterExpression.uniform(min: 0, max: 1)
        for _ in 0..<300 { expression = .choice([.nested([.init(key: "a", content: .expression(expression))])]) }
        let error = message { try SearchSpace(["x": expression]) }
        XCTAssertTrue(error.hasSuffix("choices nested 65 levels deep, over the limit of 64 levels (SWEEPKIT_MAX_INPUT_DEPTH)"), error)
        XCTAssertTrue(error.hasPrefix("search_space.x.values[0].a.values[0].a"), error)
    }

    /// Item 10: control characters in `primary_metric` were accepted.
    func testPrimaryMetricRefusesControlCharacters() {
        func spec(_ metric: String) -> JSONValue {
            ["search_space": ["x": ["uniform", [0, 1]]], "objective": ["goal": "minimize", "primary_metric": .string(metric)]]
        }
        XCTAssertEqual(message { try SweepSpec(json: spec("lo\u{1}ss\n")) },
                       #"objective.primary_metric: must not contain control characters, got "lo\u0001ss\n""#)
        for bad in ["a\u{0}b", "\u{1B}[31mred", "tab\there", "del\u{7F}", "c1\u{85}"] {
            XCTAssertTrue(message { try SweepSpec(json: spec(bad)) }.hasPrefix("objective.primary_metric: must not contain control characters"), bad)
        }
        for good in ["loss", "val/accuracy", "F1 score", "précision", "损失"] {
            XCTAssertEqual(message { try SweepSpec(json: spec(good)) }, "no error", good)
        }
    }

    /// Item 10: unknown sampler names passed `sk_spec_normalize`. Parsing stays free of side
    /// effects; resolving the names (after loading the environment's plugins) is EngineAssembly's.
    func testSamplerAndPolicyNamesResolveAgainstTheRegistries() throws {
        func spec(_ algorithm: JSONValue, policy: JSONValue? = nil) throws -> SweepSpec {
            var object: JSONObject = ["search_space": ["x": ["uniform", [0, 1]]], "sampling_algorithm": algorithm,
                                      "objective": ["goal": "minimize", "primary_metric": "m"]]
            if let policy { object["early_termination"] = policy }
            return try SweepSpec(json: .object(object))
        }
        let unknown = try spec("nosuch")  // parsing alone accepts any name
        XCTAssertEqual(message { try EngineAssembly.resolveNames(unknown) },
                       "sampling_algorithm: unsupported sampling algorithm: nosuch (registered: \(SamplerRegistry.shared.names.joined(separator: ", ")))")
        for name in ["random", "Grid", "bayesian", "sobol"] {
            XCTAssertEqual(message { try EngineAssembly.resolveNames(try spec(.string(name))) }, "no error", name)
        }
        XCTAssertEqual(message { try EngineAssembly.resolveNames(try spec(["type": "random", "rule": "sobol"])) }, "no error")
        XCTAssertTrue(message { try EngineAssembly.resolveNames(try spec("random", policy: ["type": "nopolicy"])) }
            .hasPrefix("early_termination.type: Received unsupported value nopolicy as the early termination policy"))
        XCTAssertEqual(message { try EngineAssembly.resolveNames(try spec("random", policy: ["type": "bandit", "slack_factor": 0.1])) }, "no error")
    }
}

final class HostileGridTests: XCTestCase {
    /// Nested choices multiply: two nested choices per level of a choice of two values give
    /// 2^(2^k) combinations, which wrapped around to 0 at k = 6 (a grid "exhausted" at once).
    func testAGridTooLargeToCountIsAnError() throws {
        func doubling(_ levels: Int) -> ParameterExpression {
            var expression = ParameterExpression.choice([.literal(1), .literal(2)])
            for _ in 0..<levels {
                expression = .choice([.nested([.init(key: "a", content: .expression(expression)), .init(key: "b", content: .expression(expression))])])
            }
            return expression
        }
        XCTAssertEqual(try GridSampler(space: SearchSpace(["x": doubling(5)])).combinationCount, 1 << 32)
        for levels in [6, 7] {
            XCTAssertThrowsError(try GridSampler(space: SearchSpace(["x": doubling(levels)]))) { error in
                XCTAssertEqual("\(error)", "search_space: grid sampling: the grid has more than \(Int.max) combinations")
            }
        }
    }
}
