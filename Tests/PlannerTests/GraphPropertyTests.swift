import Foundation
import SwarmSupport
import XCTest
@testable import Planner

/// Property tests on seeded random DAGs: every seed is fixed, so a failure reproduces.
final class GraphPropertyTests: XCTestCase {
    /// A random DAG of `count` noop tasks listed in shuffled order; each task depends on up to
    /// `maxParents` tasks that come earlier in a hidden order, so the graph is acyclic.
    func randomFeature(count: Int, maxParents: Int, seed: UInt64) -> Feature {
        var random = SplitMix64(seed: seed)
        var hidden = Array(0..<count)
        hidden.shuffle(using: &random)  // hidden[k] = id number of the k-th task in topological order
        var tasks: [TaskSpec] = []
        for position in 0..<count {
            var dependencies: [String] = []
            if position > 0 {
                for _ in 0..<Int(random.next() % UInt64(maxParents + 1)) {
                    let parent = hidden[Int(random.next() % UInt64(position))]
                    if !dependencies.contains("n\(parent)") { dependencies.append("n\(parent)") }
                }
            }
            tasks.append(TaskSpec(id: "n\(hidden[position])", feature: "f", type: "noop", executor: .noop,
                                  dependsOn: dependencies))
        }
        tasks.shuffle(using: &random)  // file order unrelated to dependency order
        return Feature(id: "f", budget: 0, tasks: tasks)
    }

    let seeds: [(count: Int, parents: Int, seed: UInt64)] = [
        (1, 0, 1), (2, 1, 2), (10, 3, 3), (100, 2, 4), (500, 5, 5), (2_000, 3, 6), (10_000, 2, 7), (10_000, 6, 8),
    ]

    func testTopologicalOrderRespectsEveryEdge() throws {
        for (count, parents, seed) in seeds {
            let feature = randomFeature(count: count, maxParents: parents, seed: seed)
            let plan = try PlanLoader().validate(feature)
            XCTAssertEqual(plan.analysis.order.count, count)
            var position: [String: Int] = [:]
            for (index, id) in plan.analysis.order.enumerated() { position[id] = index }
            XCTAssertEqual(position.count, count, "order lists every task once (seed \(seed))")
            for task in feature.tasks {
                for dependency in task.dependsOn {
                    XCTAssertLessThan(position[dependency]!, position[task.id]!, "\(dependency) before \(task.id) (seed \(seed))")
                }
            }
        }
    }

    func testLayersAreMinimal() throws {
        for (count, parents, seed) in seeds {
            let feature = randomFeature(count: count, maxParents: parents, seed: seed)
            let plan = try PlanLoader().validate(feature)
            var layer: [String: Int] = [:]
            for (index, ids) in plan.analysis.layers.enumerated() {
                XCTAssertFalse(ids.isEmpty, "no empty layer (seed \(seed))")
                for id in ids { layer[id] = index }
            }
            XCTAssertEqual(layer.count, count)
            for task in feature.tasks {
                // Minimal: a root is in layer 0, any other task exactly one past its latest dependency.
                let expected = task.dependsOn.map { layer[$0]! + 1 }.max() ?? 0
                XCTAssertEqual(layer[task.id], expected, "\(task.id) (seed \(seed))")
            }
            XCTAssertEqual(plan.analysis.maxWidth, plan.analysis.layers.map(\.count).max())
        }
    }

    func testInjectedCycleIsFoundAndPrintedAsARealCycle() throws {
        for (count, parents, seed) in seeds where count >= 2 {
            var feature = randomFeature(count: count, maxParents: max(parents, 1), seed: seed)
            var random = SplitMix64(seed: seed &* 31)
            let index = Dictionary(uniqueKeysWithValues: feature.tasks.enumerated().map { ($1.id, $0) })
            // Walk up from a task with dependencies to a random ancestor, then make the ancestor
            // depend on the start: a cycle through the walked path.
            let candidates = feature.tasks.indices.filter { !feature.tasks[$0].dependsOn.isEmpty }
            guard !candidates.isEmpty else { continue }
            let start = candidates[Int(random.next() % UInt64(candidates.count))]
            var current = start
            for _ in 0..<(1 + Int(random.next() % 5)) {
                let dependencies = feature.tasks[current].dependsOn
                guard !dependencies.isEmpty else { break }
                current = index[dependencies[Int(random.next() % UInt64(dependencies.count))]]!
            }
            feature.tasks[current].dependsOn.append(feature.tasks[start].id)

            XCTAssertThrowsError(try PlanLoader().validate(feature), "seed \(seed)") { error in
                guard let error = error as? PlanError else { return XCTFail("\(error)") }
                let cycles = error.problems.filter { $0.message.hasPrefix("dependency cycle ") }
                XCTAssertFalse(cycles.isEmpty, "seed \(seed): \(error)")
                for problem in cycles {
                    let text = problem.message.dropFirst("dependency cycle ".count).prefix { $0 != ";" }
                    let ids = text.components(separatedBy: " -> ")
                    XCTAssertGreaterThanOrEqual(ids.count, 2)
                    XCTAssertEqual(ids.first, ids.last, "closed path (seed \(seed))")
                    XCTAssertEqual(Set(ids.dropLast()).count, ids.count - 1, "simple cycle (seed \(seed))")
                    for step in 0..<(ids.count - 1) {
                        let task = ids[step], dependency = ids[step + 1]
                        XCTAssertTrue(feature.tasks[index[task]!].dependsOn.contains(dependency),
                                      "\(task) depends on \(dependency) in \(ids) (seed \(seed))")
                    }
                }
            }
        }
    }

    func testCriticalPathIsAChainWithTheLongestDuration() throws {
        var config = SwarmConfig()
        config.taskTypes["noop"]?.estimatedSeconds = 1
        let feature = randomFeature(count: 2_000, maxParents: 3, seed: 11)
        let plan = try PlanLoader(config: config).validate(feature)
        let byID = Dictionary(uniqueKeysWithValues: feature.tasks.map { ($0.id, $0) })
        let path = plan.analysis.criticalPath
        for (earlier, later) in zip(path, path.dropFirst()) {
            XCTAssertTrue(byID[later]!.dependsOn.contains(earlier), "\(later) depends on \(earlier)")
        }
        // With unit durations the longest chain has one task per layer.
        XCTAssertEqual(path.count, plan.analysis.layers.count)
        XCTAssertEqual(plan.analysis.criticalPathSeconds, Double(plan.analysis.layers.count))
    }

    func testSyntheticPlanLoadsInBothFormats() throws {
        for format in PlanFileFormat.allCases {
            let text = SyntheticPlan.layered(layers: 20, width: 500, parents: 2, seed: 42, format: format)
            XCTAssertEqual(text, SyntheticPlan.layered(layers: 20, width: 500, parents: 2, seed: 42, format: format))
            let plan = try PlanLoader().load(text: text, format: format)
            XCTAssertEqual(plan.feature.tasks.count, 10_000)
            XCTAssertEqual(plan.analysis.layers.count, 20)
            XCTAssertEqual(plan.analysis.maxWidth, 500)
            XCTAssertEqual(plan.warnings, [])
            XCTAssertEqual(plan.feature.tasks[600].dependsOn.count, 2)
        }
    }

    func testOverlapWarningsMatchBruteForce() throws {
        let universe = ["a/", "a/b", "a/b/c.swift", "ab", "a/bc", "b/x", "b/", "c", "a"]
        for seed: UInt64 in 1...20 {
            var feature = randomFeature(count: 150, maxParents: 2, seed: seed)
            var random = SplitMix64(seed: seed &+ 1000)
            for index in feature.tasks.indices where random.next() % 3 == 0 {
                feature.tasks[index].artifacts = [universe[Int(random.next() % UInt64(universe.count))]]
            }
            let plan = try PlanLoader().validate(feature)
            // Brute force: every pair with overlapping artifacts and no path between them.
            let byID = Dictionary(uniqueKeysWithValues: feature.tasks.map { ($0.id, $0) })
            func ancestors(_ id: String) -> Set<String> {
                var seen = Set<String>(), stack = [id]
                while let next = stack.popLast() {
                    for dependency in byID[next]!.dependsOn where seen.insert(dependency).inserted { stack.append(dependency) }
                }
                return seen
            }
            let ancestorSets = Dictionary(uniqueKeysWithValues: feature.tasks.map { ($0.id, ancestors($0.id)) })
            var expected = Set<String>()
            for (i, a) in feature.tasks.enumerated() {
                for b in feature.tasks[(i + 1)...] {
                    let overlap = a.artifacts.contains { x in b.artifacts.contains { y in artifactsOverlap(x, y) } }
                    let ordered = ancestorSets[a.id]!.contains(b.id) || ancestorSets[b.id]!.contains(a.id)
                    if overlap && !ordered { expected.insert("'\(a.id)' and '\(b.id)'") }
                }
            }
            let reported = Set(plan.warnings.compactMap { warning -> String? in
                guard let start = warning.message.range(of: "tasks "), let end = warning.message.range(of: " may run") else { return nil }
                return String(warning.message[start.upperBound..<end.lowerBound])
            })
            XCTAssertEqual(reported, expected, "seed \(seed)")
            XCTAssertEqual(plan.warnings.count, expected.count, "one warning per pair (seed \(seed))")
        }
    }
}
