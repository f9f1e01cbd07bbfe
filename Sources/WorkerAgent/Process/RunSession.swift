#if canImport(Glibc)
import Glibc
#endif

/// The poll loop of one run.
struct RunSession {
    let child: SpawnedProcess
    let request: ProcessRequest
    let drainTimeout: Double
    let cancellation: CancellationToken?
    let onOutput: (([UInt8]) -> Void)?
    let clock: ContinuousClock
    let start: ContinuousClock.Instant

    var stdoutStream: RedactionStream
    var stderrStream: RedactionStream
    var combined: OutputBuffer
    var stdoutOnly: OutputBuffer
    var stdoutOpen = true
    var stderrOpen = true
    var pidFD: Int32 = -1
    var status: Int32 = 0
    var exited = false
    var statusLost = false
    var timedOut = false
    var cancelled = false
    var termDeadline: Double?
    var killDeadline: Double?
    var killSent = false
    var drainDeadline: Double?

    init(
        child: SpawnedProcess, request: ProcessRequest, redactor: Redactor, drainTimeout: Double,
        cancellation: CancellationToken?, onOutput: (([UInt8]) -> Void)?,
        clock: ContinuousClock, start: ContinuousClock.Instant
    ) {
        self.child = child
        self.request = request
        self.drainTimeout = drainTimeout
        self.cancellation = cancellation
        self.onOutput = onOutput
        self.clock = clock
        self.start = start
        stdoutStream = redactor.makeStream()
        stderrStream = redactor.makeStream()
        combined = OutputBuffer(limit: request.maxOutputBytes)
        stdoutOnly = OutputBuffer(limit: request.maxOutputBytes)
        termDeadline = request.timeout
        if let open = LinuxCalls.pidfdOpen { pidFD = open(child.pid, 0) }
    }

    /// Seconds since spawn.
    func elapsed() -> Double {
        let d = clock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    mutating func wait() -> ProcessResult {
        defer {
            if pidFD >= 0 { close(pidFD) }
            if stdoutOpen { close(child.stdoutFD) }
            if stderrOpen { close(child.stderrFD) }
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            if exited && !stdoutOpen && !stderrOpen { break }
            let now = elapsed()
            if let drain = drainDeadline, now >= drain { break }
            checkDeadlines(now: now)

            var fds: [pollfd] = []
            if stdoutOpen { fds.append(pollfd(fd: child.stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { fds.append(pollfd(fd: child.stderrFD, events: Int16(POLLIN), revents: 0)) }
            if !exited, pidFD >= 0 { fds.append(pollfd(fd: pidFD, events: Int16(POLLIN), revents: 0)) }
            if !exited, !cancelled, let token = cancellation {
                fds.append(pollfd(fd: token.pollDescriptor, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), pollTimeoutMilliseconds(now: now))
            if ready < 0 && errno != EINTR { break }

            for entry in fds where entry.revents != 0 {
                switch entry.fd {
                case child.stdoutFD: readChunk(from: entry.fd, isStdout: true, buffer: &buffer)
                case child.stderrFD: readChunk(from: entry.fd, isStdout: false, buffer: &buffer)
                case cancellation?.pollDescriptor:
                    if !cancelled && !exited {
                        cancelled = true
                        terminateGroup()
                        checkDeadlines(now: elapsed())
                    }
                default: break  // pidfd: handled by reapIfExited below
                }
            }
            reapIfExited()
        }
        if !exited {
            // The drain deadline can only pass after exit; this is a safety net.
            kill(-child.pid, SIGKILL)
            waitpid(child.pid, &status, 0)
        }
        flushStreams()
        return ProcessResult(
            termination: statusLost ? .exited(code: -1) : Self.termination(status), timedOut: timedOut, cancelled: cancelled,
            duration: elapsed(), output: combined.text(), standardOutput: stdoutOnly.text(),
            truncated: combined.truncated || stdoutOnly.truncated)
    }

    private mutating func checkDeadlines(now: Double) {
        guard !exited else { return }
        if cancelled, !killSent, cancellation?.isHard == true { killDeadline = now }
        if let deadline = termDeadline, now >= deadline, !timedOut, !cancelled {
            timedOut = true
            terminateGroup()
        }
        if let deadline = killDeadline, now >= deadline, !killSent {
            kill(-child.pid, SIGKILL)
            killSent = true
        }
    }

    private mutating func terminateGroup() {
        kill(-child.pid, SIGTERM)
        termDeadline = nil
        killDeadline = elapsed() + max(request.killGracePeriod, 0)
    }

    private func pollTimeoutMilliseconds(now: Double) -> Int32 {
        var next: Double? = nil
        for candidate in [exited ? nil : termDeadline, exited || killSent ? nil : killDeadline, drainDeadline] {
            if let c = candidate { next = min(next ?? c, c) }
        }
        // Without a pidfd, exit is noticed by polling waitid every 10 ms.
        if !exited && pidFD < 0 { next = min(next ?? now + 0.01, now + 0.01) }
        // A cancellation may still turn into a kill at once (cancelNow) during the grace period.
        if !exited && cancelled && !killSent { next = min(next ?? now + 0.05, now + 0.05) }
        guard let wake = next else { return -1 }
        return Int32(clamping: Int64(((wake - now) * 1000).rounded(.up)).clamped(0, 60_000))
    }

    private mutating func readChunk(from fd: Int32, isStdout: Bool, buffer: inout [UInt8]) {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if count <= 0 {
            close(fd)
            if isStdout {
                stdoutOpen = false
                deliver(stdoutStream.finish(), isStdout: true)
            } else {
                stderrOpen = false
                deliver(stderrStream.finish(), isStdout: false)
            }
            return
        }
        let chunk = Array(buffer[0..<count])
        if isStdout {
            deliver(stdoutStream.feed(chunk), isStdout: true)
        } else {
            deliver(stderrStream.feed(chunk), isStdout: false)
        }
    }

    private mutating func deliver(_ redacted: [UInt8], isStdout: Bool) {
        guard !redacted.isEmpty else { return }
        combined.append(redacted)
        if isStdout { stdoutOnly.append(redacted) }
        onOutput?(redacted)
    }

    /// Once the leader has exited (still a zombie, so its pid and group id cannot be
    /// reused), kill what is left of its group, then reap it.
    private mutating func reapIfExited() {
        guard !exited else { return }
        var info = siginfo_t()
        // With WNOHANG and nothing to report, waitid leaves si_pid at 0.
        if waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 {
            if errno == ECHILD {
                // Someone else in this process reaped our child (a waitpid(-1) elsewhere):
                // the status is lost, but the run is over.
                statusLost = true
                exited = true
                drainDeadline = elapsed() + drainTimeout
            }
            return
        }
        guard Self.siginfoPID(info) == child.pid else { return }
        kill(-child.pid, SIGKILL)
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        exited = true
        drainDeadline = elapsed() + drainTimeout
    }

    private mutating func flushStreams() {
        if stdoutOpen { deliver(stdoutStream.finish(), isStdout: true) }
        if stderrOpen { deliver(stderrStream.finish(), isStdout: false) }
    }

    private static func siginfoPID(_ info: siginfo_t) -> pid_t {
        info._sifields._sigchld.si_pid
    }

    private static func termination(_ status: Int32) -> ProcessResult.Termination {
        let signal = status & 0x7f
        if signal == 0 { return .exited(code: (status >> 8) & 0xff) }
        return .signaled(signal: signal)
    }
}

extension Comparable {
    fileprivate func clamped(_ low: Self, _ high: Self) -> Self { min(max(self, low), high) }
}
