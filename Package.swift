// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Swarm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "orchestrator", targets: ["orchestrator"]),
        .executable(name: "swarm-bench", targets: ["swarm-bench"]),
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
        .target(name: "RedisKit", dependencies: [
            "CHiredis",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Planner", dependencies: [
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Scheduler", dependencies: [
            "RedisKit", "Planner", "CSQLite",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "WorkerAgent", dependencies: [
            "Scheduler", "RedisKit", "Planner",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "orchestrator", dependencies: [
            "WorkerAgent", "Scheduler", "Planner", "RedisKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "swarm-bench", dependencies: [
            "WorkerAgent", "Scheduler", "Planner", "RedisKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], path: "benchmarks/Sources/swarm-bench"),
        .target(name: "SwarmTestSupport", dependencies: ["RedisKit", "Planner"], path: "Tests/SwarmTestSupport"),
        .testTarget(name: "RedisKitTests", dependencies: ["RedisKit", "SwarmTestSupport"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
        .testTarget(name: "WorkerAgentTests", dependencies: ["WorkerAgent", "Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
        .testTarget(name: "OrchestratorTests", dependencies: ["WorkerAgent", "Scheduler", "RedisKit", "Planner", "SwarmTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
