// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Swarm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "orchestrator", targets: ["orchestrator"]),
        .executable(name: "swarm-bench", targets: ["swarm-bench"]),
        .library(name: "SwarmSupport", targets: ["SwarmSupport"]),
        .library(name: "RedisKit", targets: ["RedisKit"]),
        .library(name: "Planner", targets: ["Planner"]),
        .library(name: "Scheduler", targets: ["Scheduler"]),
        .library(name: "WorkerAgent", targets: ["WorkerAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // fork + prctl + exec: parent-death signals and subreapers, which posix_spawn cannot set.
        .target(name: "CProcessControl"),
        // The bottom of the graph: clocks, backoff, the seeded generator, the one way to spawn.
        .target(name: "SwarmSupport", dependencies: ["CProcessControl"]),
        .target(name: "RedisKit", dependencies: [
            "SwarmSupport", "CHiredis",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Planner", dependencies: [
            "SwarmSupport",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Scheduler", dependencies: [
            "SwarmSupport", "RedisKit", "Planner", "CSQLite",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "WorkerAgent", dependencies: [
            "SwarmSupport", "Scheduler", "RedisKit", "Planner",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "orchestrator", dependencies: [
            "SwarmSupport", "WorkerAgent", "Scheduler", "Planner", "RedisKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "swarm-bench", dependencies: [
            "SwarmSupport", "WorkerAgent", "Scheduler", "Planner", "RedisKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "benchmarks/Sources/swarm-bench"),
        .target(name: "SwarmTestSupport", dependencies: ["SwarmSupport", "RedisKit", "Planner"], path: "Tests/SwarmTestSupport"),
        .testTarget(name: "SwarmSupportTests", dependencies: ["SwarmSupport"]),
        .testTarget(name: "RedisKitTests", dependencies: ["SwarmSupport", "RedisKit", "SwarmTestSupport"]),
        .testTarget(name: "PlannerTests", dependencies: ["SwarmSupport", "Planner"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SchedulerTests", dependencies: ["SwarmSupport", "Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
        .testTarget(name: "WorkerAgentTests", dependencies: ["SwarmSupport", "WorkerAgent", "Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
        .testTarget(name: "OrchestratorTests", dependencies: ["SwarmSupport", "WorkerAgent", "Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
