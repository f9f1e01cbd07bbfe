import Crypto
import Foundation

/// Why a worker refuses to run a task spec.
public enum SpecRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The task has no signature, but this worker requires one.
    case unsigned
    /// The signature field is not `ed25519:<key>:<signature>`.
    case malformedSignature
    /// Signed by a key this worker does not trust.
    case untrustedSigner(publicKey: String)
    /// Signed by a trusted key, but the spec, gid or feature changed after signing.
    case badSignature(publicKey: String)
    /// The spec names another task than the one it is stored under.
    case mismatchedSpec(detail: String)

    /// A message for the task's `reason`: what happened and what to do next.
    public var description: String {
        switch self {
        case .unsigned:
            return "spec rejected: the task is not signed and this worker only runs signed specs; submit it with a "
                + "signing key (security.signing_key_file or SWARM_SIGNING_KEY_FILE) whose public key is in the "
                + "worker's security.trusted_keys"
        case .malformedSignature:
            return "spec rejected: the task's signature is malformed (it was altered in Redis); resubmit the plan"
        case let .untrustedSigner(key):
            return "spec rejected: signed by key \(key), which this worker does not trust; add that public key to "
                + "security.trusted_keys on the worker if its holder may run code here"
        case let .badSignature(key):
            return "spec rejected: the signature by key \(key) does not match the stored spec (the spec, task id or "
                + "feature was changed after it was signed); resubmit the plan from a trusted source"
        case let .mismatchedSpec(detail):
            return "spec rejected: \(detail); resubmit the plan"
        }
    }
}

/// The public keys whose signatures a worker accepts.
public struct TrustedKeys: Sendable {
    /// Trusted keys' raw bytes by their base64 text (raw bytes: the Crypto type is not
    /// Sendable in swift-crypto 3).
    let keys: [String: Data]

    /// No keys at all.
    public var isEmpty: Bool { keys.isEmpty }
    /// How many keys are trusted.
    public var count: Int { keys.count }
    /// The trusted keys as base64, sorted.
    public var base64Keys: [String] { keys.keys.sorted() }

    /// Keys from `entries`: each one is the base64 text of a public key, or the path of a file
    /// holding one (relative paths against `baseDirectory`).
    public init(entries: [String], baseDirectory: String = FileManager.default.currentDirectoryPath) throws(SigningError) {
        var found: [String: Data] = [:]
        for entry in entries {
            let text: String
            let source: String
            let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
            if Self.looksLikePath(trimmed) {
                let path = trimmed.hasPrefix("/") ? trimmed : baseDirectory + "/" + trimmed
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    throw .unreadableKeyFile(path: path, reason: error.localizedDescription)
                }
                source = "trusted key file \(path)"
            } else {
                text = trimmed
                source = "trusted key '\(trimmed)'"
            }
            let compact = text.filter { !$0.isWhitespace }
            guard let raw = Data(base64Encoded: compact) else { throw .malformedKey(source: source, reason: "not base64") }
            do { found[compact] = try Curve25519.Signing.PublicKey(rawRepresentation: raw).rawRepresentation } catch {
                throw .malformedKey(source: source, reason: "\(raw.count) bytes, expected 32")
            }
        }
        keys = found
    }

    /// A base64 Ed25519 public key is 44 characters ending in `=`; anything with a `/` that is
    /// not such a key, or that exists as a file, is a path.
    static func looksLikePath(_ entry: String) -> Bool {
        if entry.count == 44, entry.hasSuffix("="), Data(base64Encoded: entry)?.count == 32,
           !FileManager.default.fileExists(atPath: entry) {
            return false
        }
        return entry.contains("/") || entry.hasPrefix("~") || entry.hasSuffix(".pub") || FileManager.default.fileExists(atPath: entry)
    }

    /// Checks the stored signature `signature` of task `gid` of `feature` over `specJSON`.
    public func verify(signature: String, gid: String, feature: String, specJSON: String) throws(SpecRejection) {
        guard !signature.isEmpty else { throw .unsigned }
        guard let (signer, bytes) = SpecSignature.decode(signature) else { throw .malformedSignature }
        guard let raw = keys[signer], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw .untrustedSigner(publicKey: signer)
        }
        let message = SpecSignature.message(gid: gid, feature: feature, specJSON: specJSON)
        guard key.isValidSignature(bytes, for: message) else { throw .badSignature(publicKey: signer) }
    }
}
