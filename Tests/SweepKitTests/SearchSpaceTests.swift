import XCTest
@testable import SweepKit

final class SearchSpaceTests: XCTestCase {
    func testWireAndYAMLFormsParseToTheSameSpaceAndRoundTrip() throws {
        let wire = try SearchSpace(jsonText: #"""
            {"lr": ["loguniform", [-6, -1]], "b": ["choice", [["gbdt", "dart"]]], "n": ["randint", [10]],
             "q": ["quniform", [1, 10, 2]], "ln": ["lognormal", [0, 1]],
             "cond": ["choice", [[{"kernel": "linear"}, {"kernel": "rbf", "gamma": ["uniform", [0.1, 1.0]]}]]]}
            """#)
        let yaml = try SearchSpace(jsonText: #"""
            {"lr": {"type": "loguniform", "min_value": -6, "max_value": -1},
             "b": {"type": "choice", "values": ["gbdt", "dart"]}, "n": {"type": "randint", "upper": 10},
             "q": {"type": "quniform", "min_value": 1, "max_value": 10, "q": 2}, "ln": {"type": "lognormal", "mu": 0, "sigma": 1},
             "cond": {"type": "choice", "values": [{"kernel": "linear"},
                      {"kernel": "rbf", "gamma": {"type": "uniform", "min_value": 0.1, "max_value": 1.0}}]}}
            """#)
        XCTAssertEqual(wire, yaml)
        XCTAssertEqual(try SearchSpace(json: wire.json(form: .yaml)), wire)
        XCTAssertEqual(try SearchSpace(json: yaml.json(form: .wire)), wire)
        XCTAssertEqual(wire.parameters.map(\.name), ["lr", "b", "n", "q", "ln", "cond"])
        // 5 plain parameters, plus the conditional choice's own coordinate and gamma's.
        XCTAssertEqual(wire.dimension, 7)
    }

    func testValuesFollowTheDocumentedFormulas() throws {
        let space = try SearchSpace([
            "u": .uniform(min: 2, max: 4), "lu": .logUniform(min: 0, max: 2), "qu": .qUniform(min: 0, max: 10, q: 3),
            "n": .normal(mu: 1, sigma: 2), "r": .randint(upper: 4), "c": .choice([.literal("a"), .literal("b")]),
            "qn": .qNormal(mu: 0, sigma: 1, q: 0.5),
        ])
        let values = space.values(at: [0.25, 0.5, 0.55, 0.975, 0.99, 0.49, 0.975])
        XCTAssertEqual(values["u"], .double(2.5))
        XCTAssertEqual(values["lu"]?.number ?? 0, M_E, accuracy: 1e-15)
        XCTAssertEqual(values["qu"], .int(6))  // round(5.5 / 3) * 3, an integer because q is
        XCTAssertEqual(values["n"]?.number ?? 0, 1 + 2 * 1.959963984540054, accuracy: 1e-12)
        XCTAssertEqual(values["r"], .int(3))
        XCTAssertEqual(values["c"], .string("a"))
        XCTAssertEqual(values["qn"], .double(2.0))  // round(1.96 / 0.5) * 0.5
    }

    /// The README's formulas for the expressions the test above leaves out, at known coordinates:
    /// LogNormal exp(μ + σΦ⁻¹(u)), QLogUniform round(exp(Uniform) / q) · q, QLogNormal
    /// round(exp(Normal) / q) · q, and `logbase=b` (b^Uniform instead of e^Uniform).
    func testTheOtherExpressionsFollowTheirFormulas() throws {
        let space = try SearchSpace([
            "ln": .logNormal(mu: 0.5, sigma: 2), "qlu": .qLogUniform(min: 0, max: 3, q: 0.5),
            "qln": .qLogNormal(mu: 1, sigma: 0.5, q: 2), "lu": .logUniform(min: -3, max: 1), "qlu10": .qLogUniform(min: 0, max: 2, q: 5),
        ])
        let z975 = 1.959963984540054  // Φ⁻¹(0.975)
        let natural = space.values(at: [0.975, 0.5, 0.975, 0.25, 0.75])
        XCTAssertEqual(natural["ln"]?.number ?? 0, exp(0.5 + 2 * z975), accuracy: 1e-12 * exp(0.5 + 2 * z975))
        XCTAssertEqual(natural["qlu"], .double(4.5), "round(e^1.5 / 0.5) * 0.5 = round(8.96) * 0.5")
        XCTAssertEqual(natural["qln"], .int(8), "round(e^(1 + 0.5 * 1.96) / 2) * 2 = round(3.62) * 2")
        XCTAssertEqual(natural["lu"]?.number ?? 0, exp(-2), accuracy: 1e-15)
        XCTAssertEqual(natural["qlu10"], .int(5), "round(e^1.5 / 5) * 5")
        let base10 = space.values(at: [0.975, 0.5, 0.975, 0.25, 0.75], logBase: 10)
        XCTAssertEqual(base10["lu"]?.number ?? 0, 0.01, accuracy: 1e-15, "10^(-3 + 0.25 * 4)")
        XCTAssertEqual(base10["qlu10"], .int(30), "round(10^1.5 / 5) * 5 = round(6.32) * 5")
        XCTAssertEqual(base10["ln"], natural["ln"], "logbase applies to the log-uniform expressions only")
    }

    /// "Φ⁻¹ needs u in (0, 1), so u is clamped to [2⁻³³, 1 − 2⁻³³]": the unscrambled Sobol point 0
    /// gives μ + σΦ⁻¹(2⁻³³) (Python: statistics.NormalDist().inv_cdf(2 ** -33)), and only it moves.
    func testTheNormalQuantileIsClampedAtTwoToTheMinus33() throws {
        let space = try SearchSpace(["n": .normal(mu: 1, sigma: 2)])
        let clamped = 1 + 2 * -6.337957754553789
        XCTAssertEqual(space.values(at: [0])["n"]?.number ?? 0, clamped, accuracy: 1e-12)
        XCTAssertEqual(space.values(at: [0x1p-33])["n"]?.number ?? 0, clamped, accuracy: 1e-12)
        XCTAssertEqual(space.values(at: [1])["n"]?.number ?? 0, 1 - 2 * -6.337957754553789, accuracy: 1e-12)
        let next = 1 + 2 * NormalDistribution.quantile(0x1p-32)  // the next 32-bit Sobol coordinate is left alone
        XCTAssertEqual(space.values(at: [0x1p-32])["n"]?.number, next)
        XCTAssertNotEqual(next, clamped)
    }

    func testQuantisationRoundsHalfToEven() {
        XCTAssertEqual(ParameterExpression.quantize(2.5, 1), .int(2))
        XCTAssertEqual(ParameterExpression.quantize(3.5, 1), .int(4))
        XCTAssertEqual(ParameterExpression.quantize(-2.5, 1), .int(-2))
        XCTAssertEqual(ParameterExpression.quantize(0.75, 0.5), .double(1.0))
    }

    func testConditionalChoiceGivesANestedMappingAndFlatNames() throws {
        let space = try SearchSpace(jsonText: #"{"cond": ["choice", [[{"kernel": "linear"}, {"kernel": "rbf", "gamma": ["uniform", [0, 1]]}]]]}"#)
        let linear = space.values(at: [0.2, 0.3])
        XCTAssertEqual(linear["cond"], ["kernel": "linear"])
        let rbf = space.values(at: [0.7, 0.25])
        XCTAssertEqual(rbf["cond"], ["kernel": "rbf", "gamma": 0.25])
        let trial = Trial(number: 0, params: rbf, point: [0.7, 0.25], state: .running)
        XCTAssertEqual(trial.flatParams, ["cond.kernel": "rbf", "cond.gamma": 0.25])
    }

    /// The catalogue of invalid spaces: each names the parameter and the rule.
    func testInvalidSpacesAreRejectedWithTheFieldAndTheRule() {
        let catalogue: [(String, String)] = [
            (#"{"x": ["uniform", [1, 0.1]]}"#, "search_space.x: uniform expects min_value < max_value"),
            (#"{"x": ["uniform", [1, 1]]}"#, "search_space.x: uniform expects min_value < max_value"),
            (#"{"x": ["quniform", [0, 1, 0]]}"#, "search_space.x: quniform expects q to be positive"),
            (#"{"x": ["loguniform", [2, 1]]}"#, "search_space.x: loguniform expects min_value <= max_value"),
            (#"{"x": ["loguniform", [0, 1000]]}"#, "overflows"),
            (#"{"x": ["normal", [0, -1]]}"#, "search_space.x: normal expects sigma to be non negative"),
            (#"{"x": ["qlognormal", [0, 1, -2]]}"#, "search_space.x: qlognormal expects q to be positive"),
            (#"{"x": ["randint", [0]]}"#, "search_space.x: randint expects a positive number as input"),
            (#"{"x": ["randint", [2.5]]}"#, "search_space.x.upper: randint expects upper to be an integer"),
            (#"{"x": ["choice", [[]]]}"#, "search_space.x.values: choice expects non-empty single list"),
            (#"{"x": ["choice", [[1, null]]]}"#, "search_space.x.values[1]"),
            (#"{"bad-key": ["uniform", [0, 1]]}"#, "search_space.bad-key: key name 'bad-key'"),
            (#"{"1x": ["uniform", [0, 1]]}"#, "key name '1x'"),
            (#"{"x": ["gaussian", [0, 1]]}"#, "unknown search space type 'gaussian'"),
            (#"{"x": {"type": "uniform", "min_value": 0}}"#, "search_space.x.max_value: missing"),
            (#"{"x": {"type": "uniform", "min_value": 0, "max_value": 1, "step": 2}}"#, "search_space.x.step: unknown field"),
            (#"{"x": ["uniform", [0, "1"]]}"#, "search_space.x.max_value: uniform expects max_value to be a number"),
            (#"{"x": ["uniform", [0]]}"#, "uniform expects 2 argument(s)"),
            (#"{"x": 0.5}"#, "search_space.x: expected a parameter expression"),
            (#"{}"#, "search_space: the search space is empty"),
            (#"[1]"#, "search_space: expected a mapping"),
            (#"{"c": ["choice", [[{"g": ["uniform", [3, 1]]}]]]}"#, "search_space.c.values[0].g: uniform expects min_value < max_value"),
            (#"{"c": ["choice", [[{"bad key": 1}]]]}"#, "search_space.c.values[0].bad key"),
        ]
        for (json, expected) in catalogue {
            XCTAssertThrowsError(try SearchSpace(jsonText: json), json) { error in
                guard case SweepKitError.validation = error else { return XCTFail("\(json): \(error)") }
                XCTAssertTrue("\(error)".contains(expected), "\(json): got '\(error)', expected '\(expected)'")
            }
        }
    }
}
