import XCTest
@testable import SweepKit

final class SamplerTests: XCTestCase {
    /// `scipy.stats.qmc.Sobol(3, scramble=False).random(8)`, as 32-bit integers
    /// (scipy.stats.qmc.Sobol, scramble=False); the Python tests compare 1024 points in d = 1...10.
    func testSobolMatchesScipysFirstPointsInGrayCodeOrder() throws {
        let sequence = try SobolSequence(dimension: 3)
        let expected: [[Double]] = [
            [0, 0, 0], [0.5, 0.5, 0.5], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625], [0.875, 0.875, 0.125], [0.625, 0.125, 0.875], [0.125, 0.625, 0.375],
        ]
        for (i, point) in expected.enumerated() {
            XCTAssertEqual(sequence.point(index: UInt32(i)), point, "point \(i)")
        }
        XCTAssertEqual((0..<8).map { sequence.integerPoint(index: UInt32($0))[0] },
                       [0, 2147483648, 3221225472, 1073741824, 1610612736, 3758096384, 2684354560, 536870912])
    }

    /// Every direction number of every supported dimension (1...1024, k = 1...32) against
    /// scipy.stats.qmc.Sobol(1024, scramble=False, bits=32) (scipy 1.17): point 2^k − 1 of the
    /// Gray-code sequence is direction number k itself. Pinned as FNV-1a-64 digests of the
    /// direction numbers (UInt32, little-endian, dimension-major) per block of 128 dimensions,
    /// computed from scipy with:
    ///
    ///     sv = qmc.Sobol(1024, scramble=False, bits=32)._sv            # (1024, 32) uint32
    ///     [fnv1a64(sv[d:d + 128].reshape(-1)) for d in range(0, 1024, 128)]
    ///
    /// (python/tests/test_sobol.py compares points with scipy's public API in every dimension.)
    func testSobolDirectionNumbersOfEveryDimensionMatchScipy() throws {
        let expected: [UInt64] = [
            0x31eb_5ff8_868c_61f7, 0xd39b_e401_78c9_c04e, 0x1a9c_89da_9daa_aa3d, 0xcc27_c7ac_3b06_776d,
            0x9498_4251_9ebb_9e96, 0x001c_843c_dffb_655d, 0xe49e_f326_518d_e910, 0x99ff_770c_6b06_9307,
        ]
        let sequence = try SobolSequence(dimension: SobolSequence.maximumDimension)
        XCTAssertEqual(SobolSequence.maximumDimension, 1024)
        let directions = (1...32).map { k in sequence.integerPoint(index: UInt32(truncatingIfNeeded: (UInt64(1) << k) - 1)) }
        for block in 0..<8 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for d in (block * 128)..<((block + 1) * 128) {
                for k in 0..<32 {
                    var v = directions[k][d]
                    for _ in 0..<4 {
                        hash = (hash ^ UInt64(v & 0xFF)) &* 0x0000_0100_0000_01B3
                        v >>= 8
                    }
                }
            }
            XCTAssertEqual(hash, expected[block], "dimensions \(block * 128 + 1)-\((block + 1) * 128)")
        }
        // The first dimension's are the powers of two; any dimension's first is one half.
        XCTAssertEqual(directions.map { $0[0] }, (0..<32).map { UInt32(1) << (31 - $0) })
        XCTAssertTrue(directions[0].allSatisfy { $0 == 1 << 31 })
    }

    /// SplitMix64 as published (Steele, Lea & Flood; Vigna's splitmix64.c): seeded with 0, its first
    /// outputs are 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4. The random rule's layout (README):
    /// coordinate j of trial n is output n·d + j of the stream, mapped to the centre of one of 2^53 cells.
    func testRandomSamplingIsTheDocumentedSplitMix64Layout() throws {
        var generator = SplitMix64(seed: 0)
        XCTAssertEqual(generator.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(generator.next(), 0x6e78_9e6a_a1b9_65f4)
        XCTAssertEqual(SplitMix64.output(seed: 0, index: 1), 0x6e78_9e6a_a1b9_65f4)
        XCTAssertEqual(SplitMix64.unitDouble(0), 0x1p-54)
        XCTAssertEqual(SplitMix64.unitDouble(.max), 1 - 0x1p-54)
        let sampler = RandomSampler(dimension: 3, seed: 42)
        let point = try XCTUnwrap(try sampler.suggest(trialNumber: 5))
        XCTAssertEqual(point, (0..<3).map { SplitMix64.unitDouble(SplitMix64.output(seed: 42, index: UInt64(5 * 3 + $0))) })
    }

    /// A scrambled Sobol sequence keeps the net property: the first 2^m points put exactly one
    /// point in each of the 2^m equal cells of every coordinate.
    func testScrambledSobolKeepsOnePointPerCellAndDependsOnTheSeed() throws {
        let a = try SobolSequence(dimension: 5, scrambleSeed: 7)
        let b = try SobolSequence(dimension: 5, scrambleSeed: 8)
        let m = 8
        for d in 0..<5 {
            let cells = Set((0..<UInt32(1 << m)).map { a.integerPoint(index: $0)[d] >> UInt32(32 - m) })
            XCTAssertEqual(cells.count, 1 << m, "dimension \(d)")
        }
        XCTAssertEqual(a.point(index: 5), try SobolSequence(dimension: 5, scrambleSeed: 7).point(index: 5))
        XCTAssertNotEqual(a.point(index: 5), b.point(index: 5))
        XCTAssertNotEqual(a.point(index: 0), [0, 0, 0, 0, 0])
    }

    func testSobolRejectsSpacesBeyondItsTable() {
        XCTAssertThrowsError(try SobolSequence(dimension: SobolSequence.maximumDimension + 1))
        XCTAssertNoThrow(try SobolSequence(dimension: SobolSequence.maximumDimension))
    }

    func testRandomSamplerIsAFunctionOfSeedAndTrialNumber() throws {
        let a = RandomSampler(dimension: 4, seed: 42)
        let b = RandomSampler(dimension: 4, seed: 42)
        let later = try (0..<10).map { try b.suggest(trialNumber: 9 - $0)! }.reversed()
        XCTAssertEqual(try (0..<10).map { try a.suggest(trialNumber: $0)! }, Array(later))
        XCTAssertNotEqual(try a.suggest(trialNumber: 0), try RandomSampler(dimension: 4, seed: 43).suggest(trialNumber: 0))
        let point = try a.suggest(trialNumber: 3)!
        XCTAssertTrue(point.allSatisfy { $0 > 0 && $0 < 1 })
    }

    func testGridEnumeratesEveryCombinationLastKeyFastestThenIsExhausted() throws {
        let space = try SearchSpace(jsonText: #"{"a": ["choice", [[1, 2]]], "b": ["choice", [["x", "y", "z"]]]}"#)
        let grid = try GridSampler(space: space)
        var seen: [JSONValue] = []
        var n = 0
        while let point = try grid.suggest(trialNumber: n) {
            let values = space.values(at: point)
            seen.append(.array([values["a"]!, values["b"]!]))
            n += 1
        }
        XCTAssertEqual(seen, [[1, "x"], [1, "y"], [1, "z"], [2, "x"], [2, "y"], [2, "z"]])
    }

    func testGridExpandsNestedChoicesInPlace() throws {
        let space = try SearchSpace(jsonText: #"""
            {"m": ["choice", [[{"kernel": "linear"}, {"kernel": "rbf", "gamma": ["choice", [[0.1, 1]]]}]]], "c": ["choice", [[1, 2]]]}
            """#)
        let grid = try GridSampler(space: space)
        XCTAssertEqual(grid.combinationCount, 6)
        let values = try (0..<6).map { space.values(at: try grid.suggest(trialNumber: $0)!) }
        XCTAssertEqual(values.map { $0["m"]! }, [
            ["kernel": "linear"], ["kernel": "linear"],
            ["kernel": "rbf", "gamma": 0.1], ["kernel": "rbf", "gamma": 0.1],
            ["kernel": "rbf", "gamma": 1], ["kernel": "rbf", "gamma": 1],
        ])
        XCTAssertEqual(values.map { $0["c"]! }, [1, 2, 1, 2, 1, 2])
    }

    func testGridRejectsNonChoiceExpressionsWithAzuresMessage() throws {
        let space = try SearchSpace(jsonText: #"{"a": ["choice", [[1, 2]]], "lr": ["uniform", [0, 1]]}"#)
        XCTAssertThrowsError(try GridSampler(space: space)) { error in
            XCTAssertTrue("\(error)".hasPrefix("search_space.lr: grid sampling supports only choice"), "\(error)")
            XCTAssertTrue("\(error)".contains("This sampling method expects only the following distributions: [choice]"))
        }
    }

    func testSamplingAlgorithmFormsAndErrors() throws {
        XCTAssertEqual(try SamplingAlgorithm(json: "GRID"), .grid)
        XCTAssertEqual(try SamplingAlgorithm(json: "Random"), .random())
        XCTAssertEqual(try SamplingAlgorithm(json: nil), .random())
        XCTAssertEqual(try SamplingAlgorithm(json: ["type": "random", "rule": "sobol", "seed": 3]), .sobol(seed: 3))
        XCTAssertThrowsError(try SamplingAlgorithm(json: ["type": "random", "rule": "halton"])) {
            XCTAssertTrue("\($0)".contains("sampling_algorithm.rule: Value \"halton\" passed is not in set ['random', 'sobol']"), "\($0)")
        }
        XCTAssertThrowsError(try SamplingAlgorithm(json: ["type": "random", "seed": 1.5])) {
            XCTAssertTrue("\($0)".contains("sampling_algorithm.seed"), "\($0)")
        }
        XCTAssertThrowsError(try SamplingAlgorithm(json: ["type": "random", "logbase": 1])) {
            XCTAssertTrue("\($0)".contains("sampling_algorithm.logbase"), "\($0)")
        }
        let space = try SearchSpace(["x": .uniform(min: 0, max: 1)])
        XCTAssertThrowsError(try SamplerRegistry.shared.makeSampler(for: SamplingAlgorithm(type: "sobolx"), space: space)) {
            XCTAssertTrue("\($0)".contains("unsupported sampling algorithm: sobolx"), "\($0)")
        }
        XCTAssertTrue(try SamplerRegistry.shared.makeSampler(for: .bayesian, space: space) is BayesianSampler)
    }

    func testRegistryRefusesNameClashes() {
        XCTAssertThrowsError(try SamplerRegistry.shared.register(name: "grid", origin: "test") { space, _ throws(SweepKitError) in
            RandomSampler(dimension: space.dimension, seed: 1)
        }) { XCTAssertTrue("\($0)".contains("already registered (builtin)"), "\($0)") }
    }
}
