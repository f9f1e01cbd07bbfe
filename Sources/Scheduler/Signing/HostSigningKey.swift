import Foundation

/// The key pair `orchestrator up`, `submit` and `worker` share through `state_dir`:
/// `signing.key` (private, mode 0600) and `signing.pub`. It makes the single-host default signed
/// without any setup: submits from this host are signed with it, and workers using this
/// `state_dir` trust it.
public enum HostSigningKey {
    /// The private key file in `stateDirectory`.
    public static func privateKeyPath(stateDirectory: String) -> String { stateDirectory + "/signing.key" }
    /// The public key file in `stateDirectory`.
    public static func publicKeyPath(stateDirectory: String) -> String { stateDirectory + "/signing.pub" }

    /// Creates the key pair in `stateDirectory` unless it exists; returns true when it created
    /// it. Safe when several processes race: the first complete key file wins.
    @discardableResult
    public static func ensure(stateDirectory: String) throws(SigningError) -> Bool {
        let keyPath = privateKeyPath(stateDirectory: stateDirectory)
        let pubPath = publicKeyPath(stateDirectory: stateDirectory)
        var created = false
        if !FileManager.default.fileExists(atPath: keyPath) {
            do {
                try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotWriteKey(path: stateDirectory, reason: error.localizedDescription)
            }
            let signer = SpecSigner()
            // Written to a private temporary file, then linked into place: no reader ever sees
            // a partial key, and link() refuses to replace a key another process made first.
            let temporary = keyPath + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try writePrivate(signer.privateKeyBase64 + "\n", to: temporary)
            defer { unlink(temporary) }
            if link(temporary, keyPath) == 0 {
                created = true
            } else if errno != EEXIST {
                throw .cannotWriteKey(path: keyPath, reason: String(cString: strerror(errno)))
            }
        }
        if created || !FileManager.default.fileExists(atPath: pubPath) {
            let signer = try SpecSigner(contentsOf: keyPath)
            let temporary = pubPath + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try writePrivate(signer.publicKeyBase64 + "\n", to: temporary)
            guard rename(temporary, pubPath) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw .cannotWriteKey(path: pubPath, reason: reason)
            }
        }
        return created
    }

    /// The host's signing key, or nil when `stateDirectory` has none.
    public static func signer(stateDirectory: String) throws(SigningError) -> SpecSigner? {
        let path = privateKeyPath(stateDirectory: stateDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try SpecSigner(contentsOf: path)
    }

    /// The host's public key file, when it exists.
    public static func existingPublicKey(stateDirectory: String) -> String? {
        let path = publicKeyPath(stateDirectory: stateDirectory)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Creates `path` with mode 0600 (whatever the umask) and writes `text`.
    static func writePrivate(_ text: String, to path: String) throws(SigningError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWriteKey(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw .cannotWriteKey(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
