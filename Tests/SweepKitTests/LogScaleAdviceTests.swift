import SweepKit
import XCTest

/// Azure ML's log-scale bounds are exponents; SweepKit keeps that meaning and warns when they
/// look like values, showing the range they really give and the `math.log` form.
final class LogScaleAdviceTests: XCTestCase {
    func advice(_ space: JSONValue, algorithm: JSONValue = "random") throws -> [String] {
        try SweepSpec(json: ["search_space": space, "sampling_algorithm": algorithm, "objective": ["goal": "maximize"]]).advice
    }

    func testBoundsThatLookLikeValuesAreExplained() throws {
        let notes = try advice(["lr": ["type": "loguniform", "min_value": 1e-5, "max_value": 0.1]])
        XCTAssertEqual(notes, [
            "search_space.lr: LogUniform(1e-05, 0.1) samples exp(1e-05)..exp(0.1) = 1.00001..1.10517: its bounds are exponents "
                + "(Azure ML's meaning, kept by SweepKit). For values from 1e-05 to 0.1 write LogUniform(math.log(1e-05), math.log(0.1)), "
                + "i.e. LogUniform(-11.5129, -2.30259); in YAML {type: loguniform, min_value: -11.5129, max_value: -2.30259}.",
        ])
    }

    func testEveryLogExpressionNestedOrNotAndTheLogBase() throws {
        let space: JSONValue = [
            "q": ["type": "qloguniform", "min_value": 1, "max_value": 100, "q": 1],
            "m": ["type": "choice", "values": [["kind": "a", "w": ["type": "lognormal", "mu": 0.01, "sigma": 0.5]]]],
            "n": ["type": "qlognormal", "mu": 25, "sigma": 0.1, "q": 1],
        ]
        let notes = try advice(space)
        XCTAssertEqual(notes.count, 3, "\(notes)")
        XCTAssertTrue(notes[0].hasPrefix("search_space.q: QLogUniform(1, 100, 1) samples exp(1)..exp(100) = 2.71828..2.68812e+43 (then rounded"), notes[0])
        XCTAssertTrue(notes[0].contains("QLogUniform(math.log(1), math.log(100), 1), i.e. QLogUniform(0, 4.60517, 1)"), notes[0])
        XCTAssertTrue(notes[1].hasPrefix("search_space.m.w: LogNormal(0.01, 0.5) samples exp(Normal(0.01, 0.5)), whose median is exp(0.01) = 1.01005"), notes[1])
        XCTAssertTrue(notes[1].contains("LogNormal(math.log(0.01), 0.5), i.e. LogNormal(-4.60517, 0.5)"), notes[1])
        XCTAssertTrue(notes[2].hasPrefix("search_space.n: QLogNormal(25, 0.1, 1) samples exp(Normal(25, 0.1)), whose median is exp(25) = 7.20049e+10"), notes[2])
        let base10 = try advice(["lr": ["type": "loguniform", "min_value": 0.001, "max_value": 0.1]],
                                algorithm: ["type": "random", "logbase": 10])
        XCTAssertTrue(base10[0].contains("samples 10^0.001..10^0.1 = 1.00231..1.25893"), base10[0])
        XCTAssertTrue(base10[0].contains("LogUniform(math.log(0.001, 10), math.log(0.1, 10)), i.e. LogUniform(-3, -1)"), base10[0])
    }

    func testExponentsAreLeftAlone() throws {
        let space: JSONValue = [
            "a": ["type": "loguniform", "min_value": -11.5, "max_value": -2.3],
            "b": ["type": "loguniform", "min_value": 0, "max_value": 5],
            "c": ["type": "qloguniform", "min_value": 2, "max_value": 6, "q": 1],
            "d": ["type": "lognormal", "mu": 0, "sigma": 1],
            "e": ["type": "lognormal", "mu": 3, "sigma": 0.5],
            "g": ["type": "qlognormal", "mu": 0.5, "sigma": 0.25, "q": 1],
            "f": ["type": "uniform", "min_value": 1e-5, "max_value": 0.1],
        ]
        XCTAssertEqual(try advice(space), [])
    }
}
