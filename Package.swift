// swift-tools-version:6.0
import PackageDescription

// The Python extension and the CLI statically link the engine; the extension is one
// self-contained `_core.abi3.so` (built by python/setup.py with `-Xswiftc -static-stdlib`).
// Linux only for now: a Darwin port fills in SweepKitPlatform (see docs/architecture.md).
let package = Package(
    name: "SweepKit",
    products: [
        .library(name: "SweepKit", targets: ["SweepKit"]),
        .library(name: "SweepPluginKit", targets: ["SweepPluginKit"]),
        .library(name: "SweepKitPython", type: .dynamic, targets: ["SweepKitPython"]),
        // What the fuzzers (fuzz/, their own SwiftPM package) link: the readers and the C API.
        .library(name: "SweepKitFuzzing", targets: ["SweepKitFuzzing"]),
        .executable(name: "sweepkit", targets: ["SweepKitCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The MLflow REST store's HTTP stack (https, keep-alive, timeouts); the runner's alone, so
        // the Python extension does not carry it.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
    ],
    targets: [
        // JSON with ordered keys: shared by the engine and by plugins (which must not link the engine).
        .target(name: "SweepKitJSON"),
        // The engine: search spaces, samplers, policies, plugins, the in-process sweep.
        .target(name: "SweepKit", dependencies: ["SweepKitJSON", "CSweepKit"]),
        // Process groups, /proc, signals, file locks: the one layer a port to another OS fills in.
        .target(name: "SweepKitPlatform"),
        // What a sweep job is, and all the C API needs of one: spec, journal, report, workspace.
        .target(name: "SweepKitJobs", dependencies: ["SweepKit", "SweepKitPlatform"]),
        // What only the engine process needs: scheduling, trial launchers, MLflow stores.
        .target(name: "SweepKitRunner", dependencies: [
            "SweepKit", "SweepKitJobs", "SweepKitPlatform",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        .target(name: "CSweepKit"),
        // What plugin authors import: Swift protocols over the C plugin vtable of sweepkit.h.
        .target(name: "SweepPluginKit", dependencies: ["CSweepKit", "SweepKitJSON"]),
        .target(name: "SweepKitCAPI", dependencies: ["SweepKit", "SweepKitJobs", "CSweepKit"]),
        // Sweep YAML files (Yams' libyaml) read into the engine's JSON within InputLimits.
        .target(name: "SweepKitYAML", dependencies: ["SweepKit", .product(name: "Yams", package: "Yams")]),
        // One function per fuzzer (fuzz/ runs them under libFuzzer; the tests replay fuzz/regressions).
        .target(name: "SweepKitFuzzing", dependencies: ["SweepKit", "SweepKitJobs", "SweepKitYAML", "SweepKitCAPI", "CSweepKit"]),
        .systemLibrary(name: "CPython", path: "Sources/CPython"),
        // Calls only the C API (sweepkit.h); linking SweepKitCAPI provides the definitions.
        .target(name: "SweepKitPython", dependencies: ["CSweepKit", "SweepKitCAPI", "CPython"]),
        // The CLI prints a job's progress with the C API's Swift layer (JobProgress), as Python does.
        .executableTarget(
            name: "SweepKitCLI",
            dependencies: [
                "SweepKit", "SweepKitJobs", "SweepKitRunner", "SweepKitPlatform", "SweepKitCAPI", "SweepKitYAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "swift-quickstart", dependencies: ["SweepKit"], path: "examples/swift-quickstart"),
        .testTarget(name: "SweepKitTests", dependencies: ["SweepKit"]),
        .testTarget(name: "SweepKitJobsTests", dependencies: ["SweepKit", "SweepKitJobs", "SweepKitRunner", "SweepKitPlatform"]),
        // The MLflow stores' contracts (SQLite schemas of MLflow 2.9 to 3.x in Schemas/) and HTTP settings.
        .testTarget(
            name: "SweepKitTrackingTests",
            dependencies: ["SweepKit", "SweepKitRunner", "SweepKitPlatform",
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            exclude: ["Schemas"]),
        .testTarget(name: "SweepKitCAPITests", dependencies: ["CSweepKit", "SweepKitCAPI"]),
        // The YAML reader, the limits end to end, and the replay of every input the fuzzers kept.
        .testTarget(
            name: "SweepKitInputTests",
            dependencies: ["SweepKit", "SweepKitYAML", "SweepKitFuzzing", .product(name: "Yams", package: "Yams")]),
    ]
)
