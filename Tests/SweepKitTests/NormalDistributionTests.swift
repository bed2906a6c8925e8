import XCTest
@testable import SweepKit

final class NormalDistributionTests: XCTestCase {
    /// Reference quantiles of the standard normal distribution (published tables).
    func testQuantileMatchesTabulatedValues() {
        let table: [(Double, Double)] = [
            (0.5, 0), (0.975, 1.959963984540054), (0.025, -1.959963984540054),
            (0.999, 3.090232306167813), (0.8413447460685429, 1.0), (1e-10, -6.361340902404056),
        ]
        for (p, z) in table {
            XCTAssertEqual(NormalDistribution.quantile(p), z, accuracy: 1e-12 * max(1, abs(z)), "p = \(p)")
        }
    }

    /// In the lower tail p = Φ(x) keeps full relative precision, so inversion must be exact
    /// there; the upper tail is the mirror image (near 1, p itself cannot resolve x).
    func testQuantileInvertsTheCDFInTheLowerTailAndIsSymmetric() {
        for x in stride(from: -37.0, through: 0, by: 0.25) {
            XCTAssertEqual(NormalDistribution.quantile(NormalDistribution.cdf(x)), x, accuracy: 1e-12 * max(1, abs(x)), "x = \(x)")
        }
        for p in [0x1p-40, 0x1p-10, 0.125, 0.4375] {
            XCTAssertEqual(NormalDistribution.quantile(1 - p), -NormalDistribution.quantile(p), accuracy: 1e-9 * max(1, abs(NormalDistribution.quantile(p))))
        }
    }

    func testQuantileAtTheEndsIsInfiniteAndOutsideIsNaN() {
        XCTAssertEqual(NormalDistribution.quantile(0), -.infinity)
        XCTAssertEqual(NormalDistribution.quantile(1), .infinity)
        XCTAssertTrue(NormalDistribution.quantile(-0.1).isNaN)
        XCTAssertTrue(NormalDistribution.quantile(.nan).isNaN)
    }
}
