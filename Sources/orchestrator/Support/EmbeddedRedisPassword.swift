import Foundation

/// The `requirepass` of the embedded redis-server: 32 random bytes as hex, in
/// `state_dir/redis.pass` (0600), created by the first `up` and reused by every later one. Every
/// command that talks to the embedded Redis reads it from there; workers get it through their
/// environment (never their command line).
enum EmbeddedRedisPassword {
    /// Where it is kept.
    static func path(stateDir: String) -> String { stateDir + "/redis.pass" }

    /// The stored password, or nil when there is none yet (no `up` has run here) or it cannot be read.
    static func read(stateDir: String) -> String? {
        let path = path(stateDir: stateDir)
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = Glibc.read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The stored password, created first when missing. The state directory must exist.
    static func readOrCreate(stateDir: String) throws(StateDirectoryError) -> String {
        let path = path(stateDir: stateDir)
        StateDirectory.makePrivate(path)
        if let existing = read(stateDir: stateDir) {
            var st = stat()
            if lstat(path, &st) == 0, st.st_uid != geteuid() { throw .notOwned(path: path, owner: st.st_uid) }
            return existing
        }
        let password = generate()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // Another `up` may have just created it: use theirs.
            if errno == EEXIST, let theirs = read(stateDir: stateDir) { return theirs }
            throw .fileError(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let bytes = Array((password + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw .fileError(path: path, reason: String(cString: strerror(errno)))
        }
        return password
    }

    /// 32 bytes from the system's secure generator (getrandom), as 64 hex digits.
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(rng.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
