import ArgumentParser
import Foundation
import Planner
import RedisKit
import Scheduler
import SwarmSupport

/// `--config`, for every command that reads config.yaml.
struct ConfigFileOption: ParsableArguments {
    @Option(help: "Config file (default: config.yaml if it exists, else built-in defaults).")
    var config: String?
}

/// Options every Redis-facing command shares.
struct GlobalOptions: ParsableArguments {
    @OptionGroup var configFile: ConfigFileOption
    /// The `--config` path, if given.
    var config: String? { configFile.config }

    @Option(help: "Redis URL (redis://user:pass@host:port/db or unix:///path); overrides SWARM_REDIS_URL and redis.url.")
    var redis: String?

    @Option(help: "Namespace: every key lives under swarm:{NAMESPACE}:; overrides SWARM_NAMESPACE and redis.namespace.")
    var namespace: String?

    @Option(help: "Seconds to keep retrying (with backoff) while Redis does not answer.")
    var wait: Double = 5

    /// Loads config and resolves where Redis is.
    func context() throws -> Context {
        let (loaded, path) = try loadConfig(config)
        var cfg = loaded
        if let redis { cfg.redis.url = redis }
        if let namespace { cfg.redis.namespace = namespace }
        if let problem = Namespace.problem(cfg.redis.namespace) {
            printError("error: \(problem) (from \(namespace != nil ? "--namespace" : "SWARM_NAMESPACE or redis.namespace"))")
            throw ExitCode.configInvalid
        }
        return try Context(config: cfg, configPath: path, wait: wait)
    }
}

/// Where and how to reach Redis, with the loaded config.
struct Context {
    let config: SwarmConfig
    let configPath: String?
    /// The configured URL; nil for the embedded Redis, whose URL is built on each use (its
    /// password file appears when `up` first starts it).
    private let configuredURL: RedisURL?
    /// True when no URL is configured: Redis is the embedded server under `state_dir`.
    let embedded: Bool
    let wait: Double

    init(config: SwarmConfig, configPath: String?, wait: Double) throws {
        self.config = config
        self.configPath = configPath
        self.wait = wait
        if config.redis.url.isEmpty {
            embedded = true
            configuredURL = nil
        } else {
            embedded = false
            do { configuredURL = try RedisURL(parsing: config.redis.url) } catch {
                printError(error.description)
                throw ExitCode.configInvalid
            }
        }
    }

    /// Where Redis is. For the embedded server: its unix socket in `state_dir`, with the password
    /// from `state_dir/redis.pass` (when `up` has created it).
    var url: RedisURL {
        if let configuredURL { return configuredURL }
        return RedisURL(endpoint: .unix(path: embeddedSocketPath), password: EmbeddedRedisPassword.read(stateDir: stateDir))
    }

    /// The embedded server's socket.
    var embeddedSocketPath: String { stateDir + "/redis.sock" }

    /// The URL text handed to workers in `SWARM_REDIS_URL` (their environment, never their
    /// command line): the configured one, or the embedded socket with its password.
    var workerURLText: String {
        if !embedded { return config.redis.url }
        let url = self.url
        return "unix://" + (url.password.map { ":\($0)@" } ?? "") + embeddedSocketPath
    }

    var namespace: String { config.redis.namespace }
    var options: RedisOptions {
        RedisOptions(connectTimeout: config.redis.connectTimeout, commandTimeout: config.redis.commandTimeout)
    }
    var stateDir: String { Context.absolute(config.orchestrator.stateDir) }
    /// One ledger per namespace (see `Ledger.path(base:namespace:)`).
    var ledgerPath: String { Ledger.path(base: Context.absolute(config.orchestrator.ledgerPath), namespace: namespace) }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// A connection, retried with backoff for `wait` seconds; says where it tried and exits 3
    /// when Redis stays down.
    func connect() throws -> RedisConnection {
        do {
            return try withRedisRetry(deadline: wait, backoff: Backoff(base: 0.1, max: 1), onRetry: { e, delay in
                printError("Redis at \(url.address) is not answering (\(e)); retrying in \(String(format: "%.1f", delay)) s")
            }) { () throws(RedisError) -> RedisConnection in try RedisConnection(url: url, options: options) }
        } catch {
            printError("error: \(error)\(hint(for: error))")
            throw ExitCode.redisUnreachable
        }
    }

    /// What to do about a Redis that refuses us, beyond the error's own words.
    func hint(for error: RedisError) -> String {
        let refused: Bool
        switch error {
        case .authenticationFailed: refused = true
        case .server: refused = error.serverCode == "NOAUTH" || error.serverCode == "WRONGPASS"
        default: refused = false
        }
        if embedded && refused {
            return "\nThe embedded Redis wants the password in \(EmbeddedRedisPassword.path(stateDir: stateDir)), which `up` "
                + "creates: run this command as the user who runs `up`, with the same state_dir."
        }
        if refused { return "\nPut the password in SWARM_REDIS_URL (redis://user:password@host:port/db)." }
        if embedded && error.isConnectionError {
            return "\nNo Redis URL is configured, so Swarm expects its embedded redis-server there: start `orchestrator up`, or set SWARM_REDIS_URL."
        }
        return ""
    }

    /// A scheduler client on the namespace.
    func client() throws -> SchedulerClient {
        let conn = try connect()
        do { return try SchedulerClient(redis: conn, namespace: namespace) } catch {
            var extra = ""
            if case let .redis(e) = error { extra = hint(for: e) }
            printError("error: \(error)\(extra)")
            throw ExitCode.redisUnreachable
        }
    }

    /// The ledger, brought up to date with the stream (so history is complete even when no
    /// orchestrator is running).
    func ledger() throws -> Ledger {
        do {
            let dir = (ledgerPath as NSString).deletingLastPathComponent
            if dir == stateDir || !FileManager.default.fileExists(atPath: dir) { try StateDirectory.prepare(dir) }
            let l = try Ledger(path: ledgerPath, namespace: namespace)
            StateDirectory.makeDatabasePrivate(ledgerPath)
            _ = try? LedgerWriter.catchUp(url: url, namespace: namespace, ledger: l)
            return l
        } catch {
            printError("error: \(error)")
            throw ExitCode.operationFailed
        }
    }
}

/// Loads `path`, or `config.yaml` when it exists, or the defaults (with the environment's
/// overrides either way); prints every problem and exits 2 on a bad file.
func loadConfig(_ path: String?) throws -> (SwarmConfig, String?) {
    let env = ProcessInfo.processInfo.environment
    guard let path = path ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil) else {
        var cfg = SwarmConfig()
        if let url = env["SWARM_REDIS_URL"], !url.isEmpty { cfg.redis.url = url }
        if let ns = env["SWARM_NAMESPACE"], !ns.isEmpty { cfg.redis.namespace = ns }
        return (cfg, nil)
    }
    do {
        return (try SwarmConfig.load(path: path, environment: env), path)
    } catch {
        printError(error.description)
        throw ExitCode.configInvalid
    }
}

/// Writes a line to standard error, control characters escaped (`terminalSafe`).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((terminalSafe(text, multiline: true) + "\n").utf8))
}

/// Runs a scheduler call, printing its error and exiting non-zero when it fails.
func orFail<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch {
        printError("error: \(error)")
        throw ExitCode.operationFailed
    }
}
