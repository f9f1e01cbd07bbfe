import Foundation
import SwarmSupport

/// Cuts an unfinished transaction off the end of a server's append-only file before it starts.
///
/// Why: a redis-server killed while writing a function call's effects (one `MULTI` … `EXEC`
/// block) can leave the block cut short. Redis 7.0 then truncates the file after the last whole
/// command *inside* the block, not before its `MULTI`, and appends its next writes behind it. The
/// next restart reads that dangling `MULTI` as the start of the following transaction and applies
/// the lost call's writes together with it: a call whose caller never got a reply (and therefore
/// retried it) lands twice, e.g. a task that succeeds twice and counters off by one.
/// `redis-check-aof --fix` truncates before the `MULTI` instead, so the lost call stays lost and
/// only its retry counts.
extension RedisServerProcess {
    /// The manifest of the multi-part append-only file (Redis 7 defaults: `appendonlydir`,
    /// `appendonly.aof`).
    var appendOnlyManifest: String { configuration.directory + "/appendonlydir/appendonly.aof.manifest" }

    /// Where `redis-check-aof` writes what it found and did.
    public var repairLogPath: String { configuration.directory + "/redis-check-aof.log" }

    /// Runs `redis-check-aof --fix` on the append-only file when there is one. Does nothing when
    /// the tool is not installed (the server then loads the file as Redis 7.0 would).
    func repairAppendOnlyTail(timeout: Double = 120) throws(RedisServerError) {
        guard configuration.appendOnly, FileManager.default.fileExists(atPath: appendOnlyManifest) else { return }
        let environment = ChildProcess.currentEnvironment()
        let searchPath = environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
        // Beside the configured redis-server first: the two come from the same build.
        var program: String?
        if configuration.executable.contains("/") {
            let sibling = (configuration.executable as NSString).deletingLastPathComponent + "/redis-check-aof"
            if FileManager.default.isExecutableFile(atPath: sibling) { program = sibling }
        }
        guard let program = program ?? ExecutableLookup.resolve("redis-check-aof", path: searchPath) else { return }

        // It asks before truncating: answer on its stdin.
        let input: (read: Int32, write: Int32)
        do { input = try makePipe(flags: O_CLOEXEC) } catch {
            throw .failedToStart(reason: "cannot repair the append-only file: \(error)", log: "")
        }
        let answer = Array("y\n".utf8)
        _ = write(input.write, answer, answer.count)
        close(input.write)
        let logFD = open(repairLogPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if logFD >= 0 { close(logFD) } }
        var options = ForkExec.Options(path: program, argv: ["redis-check-aof", "--fix", appendOnlyManifest], environment: environment)
        options.stdio = (input.read, logFD, logFD)
        let pid: pid_t
        do { pid = try ForkExec.spawn(options) } catch {
            close(input.read)
            throw .failedToStart(reason: "cannot run \(program): \(error)", log: "")
        }
        close(input.read)
        let deadline = Monotonic.now() + timeout
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) != pid {
            if Monotonic.now() > deadline {
                Glibc.kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw .failedToStart(reason: "redis-check-aof did not finish within \(Int(timeout)) s", log: repairLogTail())
            }
            sleepSeconds(0.01)
        }
        guard status == 0 else {
            throw .failedToStart(reason: "redis-check-aof could not repair \(appendOnlyManifest) (wait status \(status)); "
                                 + "see \(repairLogPath), or move the file aside to start empty", log: repairLogTail())
        }
    }

    private func repairLogTail() -> String {
        guard let text = try? String(contentsOfFile: repairLogPath, encoding: .utf8) else { return "" }
        return text.split(separator: "\n").suffix(10).joined(separator: "\n")
    }
}
