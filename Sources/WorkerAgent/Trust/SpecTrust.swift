import Foundation
import Planner
import Scheduler

/// Which task specs a worker runs.
public enum SpecTrust: Sendable {
    /// Comma-separated public keys (or `.pub` paths) a worker trusts besides its config's.
    public static let environmentVariable = "SWARM_TRUSTED_KEYS"

    /// The keys listed in `environment`'s ``environmentVariable``.
    public static func keys(in environment: [String: String]) -> [String] {
        (environment[environmentVariable] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Only specs signed by one of these keys (`sources` says where they came from, for logs).
    case signed(TrustedKeys, sources: [String])
    /// Every spec, unverified (`security.require_signatures: false`).
    case unverified

    /// The policy of `security`: its `trusted_keys` plus the host key in `stateDirectory` when
    /// it exists.
    /// - Throws: ``SigningError`` when a key cannot be read, or when signatures are required and
    ///   there is no key at all (a worker that would refuse everything must not take tasks).
    /// `extraKeys` come from the worker's environment (`SWARM_TRUSTED_KEYS`): `up` passes its
    /// host key to the workers it starts that way, whatever config they load.
    public init(security: SecurityConfig, stateDirectory: String,
                baseDirectory: String = FileManager.default.currentDirectoryPath,
                extraKeys: [String] = []) throws(SigningError) {
        guard security.requireSignatures else {
            self = .unverified
            return
        }
        let state = stateDirectory.hasPrefix("/") ? stateDirectory : baseDirectory + "/" + stateDirectory
        var entries = security.trustedKeys + extraKeys
        var sources = security.trustedKeys.isEmpty ? [] : ["security.trusted_keys (\(security.trustedKeys.count))"]
        if !extraKeys.isEmpty { sources.append("\(SpecTrust.environmentVariable) (\(extraKeys.count))") }
        if let host = HostSigningKey.existingPublicKey(stateDirectory: state) {
            entries.append(host)
            sources.append(host)
        }
        let keys = try TrustedKeys(entries: entries, baseDirectory: baseDirectory)
        guard !keys.isEmpty else { throw .noTrustedKeys(stateDirectory: state) }
        self = .signed(keys, sources: sources)
    }

    /// Checks `task`'s signature over the exact stored spec bytes, gid and feature, before
    /// anything of the spec is decoded.
    public func verifySignature(of task: StartedTask) throws(SpecRejection) {
        guard case let .signed(keys, _) = self else { return }
        try keys.verify(signature: task.signature, gid: task.gid, feature: task.feature, specJSON: task.specJSON)
    }

    /// Checks that the decoded spec names the task it is stored as (a signed spec of one task
    /// copied onto another fails the signature already; this also holds for unverified specs).
    public func checkIdentity(of task: StartedTask, spec: TaskSpec) throws(SpecRejection) {
        guard spec.globalID == task.gid, task.feature.isEmpty || spec.feature == task.feature else {
            throw .mismatchedSpec(detail: "the spec describes task \(spec.globalID), but it is stored as \(task.gid)")
        }
    }

    /// A line for the worker's log at start: which keys it trusts, or a loud warning.
    public var startupMessage: String {
        switch self {
        case let .signed(keys, sources):
            return "runs only task specs signed by one of \(keys.count) trusted key(s) from \(sources.joined(separator: ", "))"
        case .unverified:
            return "WARNING: security.require_signatures is false: this worker runs every task spec unverified, so anyone "
                + "who can write to the namespace in Redis can run any command here"
        }
    }

    /// Whether specs are checked.
    public var verifies: Bool {
        if case .signed = self { return true }
        return false
    }
}
