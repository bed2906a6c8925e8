// swift-tools-version:6.0
import Foundation
import PackageDescription

// Depends on the SweepKit checkout two folders up; a path dependency's identity is its folder name.
let sweepKit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

let package = Package(
    name: "asha",
    products: [.library(name: "SweepKitASHA", type: .dynamic, targets: ["ASHA"])],
    dependencies: [.package(path: sweepKit.path)],
    targets: [
        .target(name: "ASHA", dependencies: [.product(name: "SweepPluginKit", package: sweepKit.lastPathComponent.lowercased())]),
        .testTarget(name: "ASHATests", dependencies: ["ASHA"]),
    ]
)
