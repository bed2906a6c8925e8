// swift-tools-version:6.0
import Foundation
import PackageDescription

// The libFuzzer harnesses, one executable each. A package of their own, like the plugins, so the
// main build never needs -sanitize=fuzzer: build and run them with scripts/fuzz. Each links the
// repository's SweepKitFuzzing library (the harness bodies, which the tests also replay).
let sweepKit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("..").standardizedFileURL
let harnesses = ["json", "spec", "yaml", "journal", "capi"]

let package = Package(
    name: "sweepkit-fuzz",
    dependencies: [.package(path: sweepKit.path)],
    targets: harnesses.map { harness in
        .executableTarget(
            name: "fuzz-\(harness)",
            dependencies: [.product(name: "SweepKitFuzzing", package: sweepKit.lastPathComponent.lowercased())],
            path: "Sources/fuzz-\(harness)")
    }
)
