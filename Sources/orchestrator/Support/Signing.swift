import ArgumentParser
import Foundation
import Logging
import Scheduler
import WorkerAgent

/// Where the CLI finds keys: the private key `submit` signs with, and the host key pair in
/// `state_dir` that makes the single-host default signed.
extension Context {
    /// The environment variable naming the private key file; it wins over the config.
    static let signingKeyVariable = "SWARM_SIGNING_KEY_FILE"

    /// Creates the host key pair in `state_dir` unless it exists; prints a clear error and exits 2
    /// when it cannot. Returns true when it created it.
    @discardableResult
    func ensureHostKey() throws -> Bool {
        do { return try HostSigningKey.ensure(stateDirectory: stateDir) } catch {
            printError("error: \(error)")
            throw ExitCode.configInvalid
        }
    }

    /// The key `submit` signs with: `SWARM_SIGNING_KEY_FILE`, else `security.signing_key_file`,
    /// else the host key in `state_dir` (created on first use).
    func submitSigner(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SpecSigner {
        let configured = environment[Context.signingKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
            ?? (config.security.signingKeyFile.isEmpty ? nil : config.security.signingKeyFile)
        do {
            if let path = configured {
                return try SpecSigner(contentsOf: Context.absolute(path))
            }
            try HostSigningKey.ensure(stateDirectory: stateDir)
            guard let host = try HostSigningKey.signer(stateDirectory: stateDir) else {
                throw SigningError.unreadableKeyFile(path: HostSigningKey.privateKeyPath(stateDirectory: stateDir), reason: "missing")
            }
            return host
        } catch let error as SigningError {
            printError("error: \(error)\nnothing was submitted.")
            throw ExitCode.configInvalid
        }
    }
}

extension Context {
    /// What `up` does about signing at start: creates the host key pair on first start (its
    /// workers trust it, and `submit` on this host signs with it), and says loudly when
    /// signatures are switched off.
    func prepareSigning(logger: Logger) throws {
        guard config.security.requireSignatures else {
            let text = "WARNING: security.require_signatures is false: workers run every task spec unverified, so "
                + "anyone who can write to namespace \(namespace) in Redis can run any command on every worker"
            logger.warning("\(text)")
            return
        }
        let created = try ensureHostKey()
        let pub = ((try? String(contentsOfFile: HostSigningKey.publicKeyPath(stateDirectory: stateDir), encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // The workers `up` starts trust its host key whatever config they load (`demo` gives
        // them none): they inherit this variable.
        let inherited = ProcessInfo.processInfo.environment[SpecTrust.environmentVariable] ?? ""
        setenv(SpecTrust.environmentVariable, inherited.isEmpty ? pub : inherited + "," + pub, 1)
        if created {
            let text = "created the signing key pair \(HostSigningKey.privateKeyPath(stateDirectory: stateDir)) (private, 0600) "
                + "and signing.pub; submits from this host are signed with it. Workers on other hosts need its public key "
                + "\(pub) in security.trusted_keys"
            logger.info("\(text)")
        }
    }
}
