#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
import SweepKit
import SweepKitFuzzing

/// Every input a fuzzer ever crashed on (`fuzz/regressions/<harness>/`, kept by `scripts/fuzz`)
/// and every seed of the corpora (`fuzz/corpus/<harness>/`) runs through its harness again, without
/// libFuzzer: a regression traps this test.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz").path

    static func inputs(_ kind: String, _ harness: FuzzHarness) -> [String] {
        let folder = "\(fuzzFolder)/\(kind)/\(harness.rawValue)"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    func replay(_ harness: FuzzHarness) throws {
        let regressions = Self.inputs("regressions", harness)
        let seeds = Self.inputs("corpus", harness)
        XCTAssertFalse(seeds.isEmpty, "fuzz/corpus/\(harness.rawValue) has no seeds")
        for path in regressions + seeds {
            let data = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
            harness.run([UInt8](data))
        }
    }

    func testJSONInputsReplay() throws { try replay(.json) }
    func testSpecInputsReplay() throws { try replay(.spec) }
    func testYAMLInputsReplay() throws { try replay(.yaml) }
    func testJournalInputsReplay() throws { try replay(.journal) }
    func testCAPIInputsReplay() throws { try replay(.capi) }
}
