import Foundation
import XCTest
@testable import WorkerAgent

final class HostLoadTests: XCTestCase {
    let stat1 = """
        cpu  100 0 100 700 100 0 0 0 0 0
        cpu0 50 0 50 350 50 0 0 0 0 0
        cpu1 50 0 50 350 50 0 0 0 0 0
        intr 12345
        """
    // +300 busy, +100 idle, +0 iowait: 75 % busy.
    let stat2 = """
        cpu  250 0 250 800 100 0 0 0 0 0
        cpu0 125 0 125 400 50 0 0 0 0 0
        cpu1 125 0 125 400 50 0 0 0 0 0
        """
    let meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n"
    let loadavg = "3.00 2.50 2.00 3/512 12345\n"

    func testParsers() throws {
        let (times, cores) = try ProcFiles.parseStat(stat1)
        XCTAssertEqual(times, ProcFiles.CPUTimes(busy: 200, total: 1000))
        XCTAssertEqual(cores, 2)
        let (later, _) = try ProcFiles.parseStat(stat2)
        XCTAssertEqual(ProcFiles.cpuPercent(from: times, to: later), 75, accuracy: 1e-9)
        XCTAssertEqual(try ProcFiles.parseMemoryPercent(meminfo), 75, accuracy: 1e-9)
        XCTAssertEqual(try ProcFiles.parseMemoryPercent("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 50 kB\n"), 80, accuracy: 1e-9)
        XCTAssertEqual(try ProcFiles.parseLoadAverage(loadavg), 3.0)
        XCTAssertThrowsError(try ProcFiles.parseStat("intr 1\n"))
        XCTAssertThrowsError(try ProcFiles.parseMemoryPercent("nothing\n"))
        XCTAssertThrowsError(try ProcFiles.parseLoadAverage("garbage"))
    }

    func testSamplerOnAFakeProcMeasuresBetweenSamples() throws {
        let root = try makeTemporaryDirectory(self)
        try stat1.write(toFile: root + "/stat", atomically: true, encoding: .utf8)
        try meminfo.write(toFile: root + "/meminfo", atomically: true, encoding: .utf8)
        try loadavg.write(toFile: root + "/loadavg", atomically: true, encoding: .utf8)
        var sampler = HostLoadSampler(procRoot: root, initialWindow: 0)
        XCTAssertEqual(try sampler.sample().cpuPercent, 0)  // nothing changed within the window
        try stat2.write(toFile: root + "/stat", atomically: true, encoding: .utf8)
        let load = try sampler.sample()
        XCTAssertEqual(load, HostLoad(cpuPercent: 75, memoryPercent: 75, loadAverage: 3, cores: 2))
        XCTAssertEqual(load.loadPerCore, 1.5)
        // 0.4 * 0.75 + 0.3 * 0.75 + 0.3 * min(1.5, 1) = 0.825
        XCTAssertEqual(load.score(), 0.825, accuracy: 1e-9)
        XCTAssertEqual(load.score(weights: HostLoadWeights(cpu: 1, memory: 0, load: 0)), 0.75, accuracy: 1e-9)
        XCTAssertTrue(load.isOverloaded(maxCPUPercent: 70, maxMemoryPercent: 90))
        XCTAssertTrue(load.isOverloaded(maxCPUPercent: 90, maxMemoryPercent: 70))
        XCTAssertFalse(load.isOverloaded(maxCPUPercent: 80, maxMemoryPercent: 80))
        XCTAssertTrue(load.isOverloaded(maxCPUPercent: 80, maxMemoryPercent: 80, maxLoadPerCore: 1.2))
    }

    func testMissingProcIsATypedError() {
        var sampler = HostLoadSampler(procRoot: "/nonexistent-proc")
        XCTAssertThrowsError(try sampler.sample()) {
            XCTAssertEqual($0 as? HostLoadError, .unreadable(path: "/nonexistent-proc/stat", errno: ENOENT))
        }
    }

    func testRealProcSeesABusyProcess() throws {
        var sampler = HostLoadSampler()
        let idle = try sampler.sample()
        XCTAssertEqual(idle.cores, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        XCTAssertGreaterThan(idle.memoryPercent, 0)
        XCTAssertLessThan(idle.memoryPercent, 100)
        XCTAssertGreaterThanOrEqual(idle.loadAverage, 0)
        XCTAssert((0...100).contains(idle.cpuPercent))

        // One core spinning shows up as CPU use in the next sample.
        let token = try CancellationToken()
        let runner = ProcessRunner(redactor: Redactor.defaults())
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? runner.run(ProcessRequest(argv: ["/bin/sh", "-c", "while :; do :; done"], killGracePeriod: 0), cancellation: token)
            done.signal()
        }
        _ = try sampler.sample()  // restart the window now that the loop runs
        Thread.sleep(forTimeInterval: 0.5)
        let busy = try sampler.sample()
        token.cancel()
        done.wait()
        XCTAssertGreaterThan(busy.cpuPercent, 100.0 / Double(busy.cores) / 4, "a spinning core should be visible")
    }
}

final class CapabilitiesTests: XCTestCase {
    func testDetectsToolsOnPathAndMergesConfigured() throws {
        let bin = try makeTemporaryDirectory(self)
        _ = try writeScript(bin, "docker", "#!/bin/sh\n")
        _ = try writeScript(bin, "nvidia-smi", "#!/bin/sh\n")
        let detected = Capabilities.detect(configured: ["arm64-cross", " ", "docker"], path: bin)
        XCTAssertEqual(detected.capabilities, ["arm64-cross", "docker", "gpu", "linux"])
        XCTAssertTrue(detected.satisfies(["gpu", "linux"]))
        XCTAssertFalse(detected.satisfies(["macos"]))
    }

    func testNothingDetectedOnAnEmptyPathAndNonExecutablesDoNotCount() throws {
        let bin = try makeTemporaryDirectory(self)
        try "".write(toFile: bin + "/docker", atomically: true, encoding: .utf8)  // not executable
        XCTAssertEqual(Capabilities.detect(path: bin).capabilities, ["linux"])
    }

    func testHostName() throws {
        let expected = try String(contentsOfFile: "/proc/sys/kernel/hostname", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(Capabilities.detect().hostName, expected)
    }
}
