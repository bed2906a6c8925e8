import XCTest
@testable import TPE
import SweepPluginKit

final class TPETests: XCTestCase {
    func sampler(seed: UInt64 = 1, dimension: Int = 2) throws -> TPESampler {
        try TPESampler(configuration: SamplerConfiguration(seed: seed, dimension: dimension, options: ["n_startup_trials": 5]))
    }

    /// On a bowl with its minimum at (0.2, 0.8), model-based proposals concentrate near it.
    func testProposalsMoveTowardTheOptimum() throws {
        let tpe = try sampler()
        func f(_ x: [Double]) -> Double { (x[0] - 0.2) * (x[0] - 0.2) + (x[1] - 0.8) * (x[1] - 0.8) }
        var late: [Double] = []
        for n in 0..<60 {
            let x = try XCTUnwrap(try tpe.suggest(trialNumber: n))
            XCTAssertTrue(x.allSatisfy { $0 >= 0 && $0 <= 1 })
            tpe.observe(ObservedTrial(number: n, point: x, state: .completed, value: f(x), goal: .minimize))
            if n >= 40 { late.append(f(x)) }
        }
        let lateMedian = late.sorted()[late.count / 2]
        XCTAssertLessThan(lateMedian, 0.02, "random points would have a median of about 0.2")
    }

    func testTheSameSeedGivesTheSameProposals() throws {
        let a = try sampler(seed: 9), b = try sampler(seed: 9)
        for n in 0..<15 {
            let x = try a.suggest(trialNumber: n)!, y = try b.suggest(trialNumber: n)!
            XCTAssertEqual(x, y)
            a.observe(ObservedTrial(number: n, point: x, state: .completed, value: x[0], goal: .maximize))
            b.observe(ObservedTrial(number: n, point: y, state: .completed, value: y[0], goal: .maximize))
        }
    }

    func testUnknownOptionsAreErrors() {
        XCTAssertThrowsError(try TPESampler(configuration: SamplerConfiguration(seed: 1, dimension: 1, options: ["gamma": 0.2])))
    }
}
