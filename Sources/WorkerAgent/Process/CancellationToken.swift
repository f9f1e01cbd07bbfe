#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Cancels runs from another thread, for instance when the worker drains or loses its lease.
///
/// Cancellation is sticky: once ``cancel()`` is called, every run given this token (now or
/// later) kills its process group. It is a self-pipe, so a blocked ``ProcessRunner`` wakes
/// at once; its one flag is atomic, hence plain `Sendable`.
public final class CancellationToken: Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private let hard = Atomic<Bool>(false)

    /// Creates a token.
    /// - Throws: ``ProcessRunnerError/pipeFailed(errno:)`` when the process is out of descriptors.
    public init() throws(ProcessRunnerError) {
        let fds = try LinuxCalls.makePipe(flags: O_CLOEXEC | O_NONBLOCK)
        readFD = fds.read
        writeFD = fds.write
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Requests cancellation. Safe from any thread, any number of times.
    public func cancel() {
        var byte: UInt8 = 1
        // A full pipe (EAGAIN) means it is already cancelled.
        _ = write(writeFD, &byte, 1)
    }

    /// Requests cancellation without grace: the process group gets SIGKILL at once (a worker
    /// that lost its lease must have its task dead before the lease can expire).
    public func cancelNow() {
        hard.store(true, ordering: .sequentiallyConsistent)
        cancel()
    }

    /// Whether ``cancelNow()`` has been called.
    public var isHard: Bool { hard.load(ordering: .sequentiallyConsistent) }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool { wait(timeout: 0) }

    /// Blocks up to `timeout` seconds for cancellation; returns whether it was cancelled.
    public func wait(timeout: Double) -> Bool {
        var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        let ms = Int32(clamping: Int64((max(timeout, 0) * 1000).rounded(.up)))
        while true {
            let n = poll(&pfd, 1, ms)
            if n >= 0 { return n > 0 }
            if errno != EINTR { return false }
        }
    }

    /// The descriptor a poll loop watches: readable once cancelled.
    var pollDescriptor: Int32 { readFD }
}
