/// A Redis Functions library (Lua) shipped inside the binary.
///
/// Its version is a hash of its source, so "load only when the version changed" needs no manual
/// bumps: `ensureLoaded` asks the server for the loaded version (one `FCALL_RO`) and runs
/// `FUNCTION LOAD REPLACE` only when it differs or the library is missing.
public struct FunctionLibrary: Sendable, Equatable {
    /// Library name (`#!lua name=...`).
    public let name: String
    /// Lua code registering the library's functions (without the `#!lua` header).
    public let body: String
    /// Hex FNV-1a hash of `body`.
    public let version: String

    /// Creates a library from its name and Lua body.
    public init(name: String, body: String) {
        self.name = name
        self.body = body
        self.version = String(fnv1a(body.utf8), radix: 16)
    }

    /// The function that reports the loaded version.
    public var versionFunction: String { "\(name)_version" }

    /// The full source sent with `FUNCTION LOAD`.
    public var source: String {
        "#!lua name=\(name)\n\(body)\n"
            + "redis.register_function{function_name='\(versionFunction)', "
            + "callback=function() return '\(version)' end, flags={'no-writes'}}\n"
    }
}

/// What `ensureLoaded` did.
public enum FunctionLoadOutcome: Sendable, Equatable {
    /// The library was missing or another version; it was loaded.
    case loaded
    /// The server already had this version; nothing was sent.
    case alreadyCurrent
}

extension RedisConnection {
    /// Loads `library` unless the server already holds this exact version.
    @discardableResult
    public func ensureLoaded(_ library: FunctionLibrary) throws(RedisError) -> FunctionLoadOutcome {
        let current = try sendRaw(RedisCommand("FCALL_RO", library.versionFunction, 0))
        if current.string == library.version { return .alreadyCurrent }
        try send("FUNCTION", "LOAD", "REPLACE", library.source)
        return .loaded
    }

    /// Builds an `FCALL` command, for pipelines.
    public static func fcallCommand(_ function: String, keys: [String], args: [any RedisArgument]) -> RedisCommand {
        var cmd = RedisCommand("FCALL", function, keys.count)
        for k in keys { cmd.append(k) }
        cmd.append(contentsOf: args)
        return cmd
    }

    /// Calls a library function; if the server lost the library (restart without persistence,
    /// `FUNCTION FLUSH`), loads it and calls once more. Lua errors come back as `RedisError.server`.
    @discardableResult
    public func fcall(_ library: FunctionLibrary, _ function: String, keys: [String],
                      args: [any RedisArgument] = []) throws(RedisError) -> RedisValue {
        let cmd = RedisConnection.fcallCommand(function, keys: keys, args: args)
        let value = try sendRaw(cmd)
        if case let .error(message) = value {
            if message.contains("Function not found") {
                try ensureLoaded(library)
                return try send(cmd)
            }
            throw .server(message: message)
        }
        return value
    }
}
