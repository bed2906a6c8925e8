import XCTest
@testable import ASHA
import SweepPluginKit

final class ASHATests: XCTestCase {
    func policy(_ options: JSONObject = [:]) throws -> ASHAPolicy { try ASHAPolicy(configuration: PolicyConfiguration(options: options)) }

    func testRungsAreGeometric() throws {
        let asha = try policy(["min_resource": 2, "reduction_factor": 3])
        XCTAssertEqual((1...60).filter { asha.rung($0) != nil }, [2, 6, 18, 54])
    }

    func testOnlyTheTopThirdContinuesAtARung() throws {
        let asha = try policy()
        let curves = (0..<6).map { Curve(number: $0, state: .running, values: [Double($0)]) }
        let stopped = try (0..<6).filter { try asha.evaluate(trial: $0, interval: 1, curves: curves, goal: .maximize) != nil }
        XCTAssertEqual(stopped, [0, 1, 2, 3], "values 4 and 5 are the top third of 0...5")
        let minimize = try (0..<6).filter { try asha.evaluate(trial: $0, interval: 1, curves: curves, goal: .minimize) != nil }
        XCTAssertEqual(minimize, [2, 3, 4, 5])
    }

    func testALoneTrialAndOffRungIntervalsContinue() throws {
        let asha = try policy()
        XCTAssertNil(try asha.evaluate(trial: 0, interval: 1, curves: [Curve(number: 0, state: .running, values: [0.1])], goal: .maximize))
        let curves = [Curve(number: 0, state: .running, values: [1, 1]), Curve(number: 1, state: .running, values: [0, 0])]
        XCTAssertNil(try asha.evaluate(trial: 1, interval: 2, curves: curves, goal: .maximize), "2 is not a rung for r=1, eta=3")
    }

    func testBadOptionsAreErrorsNamingTheOption() {
        XCTAssertThrowsError(try policy(["reduction_factor": 1])) { XCTAssertTrue("\($0)".contains("reduction_factor must be at least 2")) }
        XCTAssertThrowsError(try policy(["eta": 3])) { XCTAssertTrue("\($0)".contains("unknown option 'eta'")) }
    }
}
