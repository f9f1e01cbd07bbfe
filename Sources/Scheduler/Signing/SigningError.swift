/// Why a signing or trusted key could not be read, written or used.
public enum SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key file could not be read.
    case unreadableKeyFile(path: String, reason: String)
    /// The text is not a base64 Ed25519 key of the right length.
    case malformedKey(source: String, reason: String)
    /// A private key file is readable by other users.
    case keyFileNotPrivate(path: String, mode: Int)
    /// The key pair could not be written.
    case cannotWriteKey(path: String, reason: String)
    /// Signing failed inside the crypto library.
    case signingFailed(reason: String)
    /// Signatures are required but no key is trusted: the worker would refuse every task.
    case noTrustedKeys(stateDirectory: String)

    /// A message saying what to do next.
    public var description: String {
        switch self {
        case let .unreadableKeyFile(path, reason):
            return "cannot read the key file \(path) (\(reason)); check the path in security.signing_key_file, "
                + "security.trusted_keys or SWARM_SIGNING_KEY_FILE"
        case let .malformedKey(source, reason):
            return "\(source) is not an Ed25519 key (\(reason)); a key is the base64 text of its 32 raw bytes, "
                + "as written by `orchestrator up` into state_dir/signing.key and signing.pub"
        case let .keyFileNotPrivate(path, mode):
            return "the signing key \(path) is readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`"
        case let .cannotWriteKey(path, reason):
            return "cannot write the signing key \(path) (\(reason)); check that state_dir is writable"
        case let .signingFailed(reason):
            return "could not sign the task spec: \(reason)"
        case let .noTrustedKeys(stateDirectory):
            return "no trusted signing keys: security.trusted_keys is empty and \(stateDirectory) holds no signing.pub. "
                + "List the public keys of those who may submit tasks in security.trusted_keys, or start `orchestrator up` "
                + "or `orchestrator worker` once to create this host's key pair (set security.require_signatures: false "
                + "only if everyone who can write to Redis may run any command on this worker)"
        }
    }
}
