import Crypto
import Foundation

/// What a task spec's signature covers, and the text form stored in the task hash (`sig`).
///
/// The signed bytes are the exact spec JSON stored in Redis together with the task's global id
/// and feature, so a valid signature cannot be moved onto another task. Each part is
/// length-prefixed: no two different (gid, feature, spec) triples share their bytes.
public enum SpecSignature {
    /// The scheme tag that starts every stored signature.
    public static let scheme = "ed25519"
    /// Domain separation: these bytes are only ever a Swarm task spec.
    static let domain = "swarm-task-spec-v1"

    /// The bytes a submitter signs and a worker verifies.
    public static func message(gid: String, feature: String, specJSON: String) -> Data {
        var data = Data()
        for part in [domain, gid, feature, specJSON] {
            let bytes = Data(part.utf8)
            data.append(Data("\(bytes.count):".utf8))
            data.append(bytes)
        }
        return data
    }

    /// The stored form: `ed25519:<base64 public key>:<base64 signature>`. The public key only
    /// names the signer in messages; a worker trusts keys from its own configuration alone.
    static func encode(publicKey: Data, signature: Data) -> String {
        "\(scheme):\(publicKey.base64EncodedString()):\(signature.base64EncodedString())"
    }

    /// Splits a stored signature into its signer's public key and the signature bytes.
    static func decode(_ text: String) -> (publicKey: String, signature: Data)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == scheme, let sig = Data(base64Encoded: parts[2]) else { return nil }
        return (parts[1], sig)
    }
}

/// A private Ed25519 key that signs task specs. Only submitters hold one; workers never need it.
public struct SpecSigner: Sendable {
    // The raw bytes, not the Crypto type, which is not Sendable in swift-crypto 3.
    private let raw: Data
    var key: Curve25519.Signing.PrivateKey {
        // Validated in init, so this cannot fail.
        (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) ?? Curve25519.Signing.PrivateKey()
    }

    /// A new random key.
    public init() {
        raw = Curve25519.Signing.PrivateKey().rawRepresentation
    }

    /// The key whose 32 raw bytes are `base64` (whitespace ignored).
    public init(base64 text: String, source: String) throws(SigningError) {
        guard let raw = Data(base64Encoded: text.filter { !$0.isWhitespace }) else {
            throw .malformedKey(source: source, reason: "not base64")
        }
        do { self.raw = try Curve25519.Signing.PrivateKey(rawRepresentation: raw).rawRepresentation } catch {
            throw .malformedKey(source: source, reason: "\(raw.count) bytes, expected 32")
        }
    }

    /// The key in the file at `path`, which must not be readable by other users.
    public init(contentsOf path: String) throws(SigningError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadableKeyFile(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = Int(info.st_mode & 0o777)
        guard mode & 0o077 == 0 else { throw .keyFileNotPrivate(path: path, mode: mode) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadableKeyFile(path: path, reason: error.localizedDescription)
        }
        try self.init(base64: text, source: path)
    }

    /// The public half, base64, as workers list it in `security.trusted_keys`.
    public var publicKeyBase64: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The private key as base64 text (what a key file holds).
    var privateKeyBase64: String { raw.base64EncodedString() }

    /// The signature of one task, in the form stored in the task hash's `sig` field.
    public func sign(gid: String, feature: String, specJSON: String) throws(SigningError) -> String {
        let message = SpecSignature.message(gid: gid, feature: feature, specJSON: specJSON)
        do {
            let signature = try key.signature(for: message)
            return SpecSignature.encode(publicKey: key.publicKey.rawRepresentation, signature: signature)
        } catch {
            throw .signingFailed(reason: "\(error)")
        }
    }
}
