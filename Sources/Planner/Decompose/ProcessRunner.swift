import Foundation

/// Runs a program directly (never through a shell) with a time limit, capturing its output.
struct ProcessRunner {
    /// What a run produced.
    struct Outcome {
        var stdout: String
        var stderr: String
        /// Exit status; `nil` when the process was killed.
        var status: Int32?
        var timedOut: Bool
    }

    /// Why a program could not be started.
    struct LaunchFailure: Error {
        let message: String
    }

    /// Runs `arguments[0]` (looked up on `PATH` unless it contains `/`) with the rest as its
    /// arguments. After `timeout` seconds it is sent SIGTERM, then SIGKILL a second later.
    static func run(_ arguments: [String], environment: [String: String], timeout: Double) throws(LaunchFailure) -> Outcome {
        guard let program = arguments.first, let executable = locate(program, environment: environment) else {
            throw LaunchFailure(message: "'\(arguments.first ?? "")' was not found on PATH; install it or set the agent's command to its full path")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let stdout = PipeCollector(stdoutPipe.fileHandleForReading)
        let stderr = PipeCollector(stderrPipe.fileHandleForReading)
        do {
            try process.run()
        } catch {
            throw LaunchFailure(message: "cannot start \(executable.path): \(error.localizedDescription)")
        }
        stdout.start()
        stderr.start()

        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            signal(process, SIGTERM)
            if exited.wait(timeout: .now() + 1) == .timedOut {
                signal(process, SIGKILL)
                exited.wait()
            }
        }
        // A grandchild may still hold the pipes open; do not wait for it for long.
        let stdoutText = stdout.finish(waiting: timedOut ? 0.2 : 5)
        let stderrText = stderr.finish(waiting: timedOut ? 0.2 : 5)
        return Outcome(stdout: stdoutText, stderr: stderrText,
                       status: process.terminationReason == .exit ? process.terminationStatus : nil, timedOut: timedOut)
    }

    private static func signal(_ process: Process, _ signal: Int32) {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        kill(-pid, signal)  // its process group, if it leads one
        kill(pid, signal)
    }

    /// The executable for `program`: itself if it contains `/`, else the first match on `PATH`.
    static func locate(_ program: String, environment: [String: String]) -> URL? {
        let fileManager = FileManager.default
        if program.contains("/") {
            return fileManager.isExecutableFile(atPath: program) ? URL(fileURLWithPath: program) : nil
        }
        let path = environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if fileManager.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }
}

/// Reads a pipe to its end on a background thread.
private final class PipeCollector: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func start() {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            done.signal()
        }
    }

    /// What was read, after waiting up to `seconds` for the end of the stream.
    func finish(waiting seconds: Double) -> String {
        _ = done.wait(timeout: .now() + seconds)
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
