// swift-tools-version:6.0
import Foundation
import PackageDescription

// Depends on the SweepKit checkout two folders up; a path dependency's identity is its folder name.
let sweepKit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

let package = Package(
    name: "tpe",
    products: [.library(name: "SweepKitTPE", type: .dynamic, targets: ["TPE"])],
    dependencies: [.package(path: sweepKit.path)],
    targets: [
        .target(name: "TPE", dependencies: [.product(name: "SweepPluginKit", package: sweepKit.lastPathComponent.lowercased())]),
        .testTarget(name: "TPETests", dependencies: ["TPE"]),
    ]
)
