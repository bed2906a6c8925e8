// swift-tools-version:6.0
import Foundation
import PackageDescription

// A fast loop for work on the Bayesian sampler: the synthetic problems of the quality protocol
// (benchmarks/quality.py) run natively, without Python. Depends on the SweepKit checkout two folders up.
let sweepKit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

let package = Package(
    name: "bayesian-lab",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: sweepKit.path)],
    targets: [
        .executableTarget(name: "bayesian-lab", dependencies: [.product(name: "SweepKit", package: sweepKit.lastPathComponent.lowercased())]),
    ],
    swiftLanguageModes: [.v5]  // a script-like main.swift with global settings
)
