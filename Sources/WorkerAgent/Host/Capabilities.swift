import Foundation
import SwarmSupport

/// What a worker's host offers, advertised at registration and used for routing.
public struct HostCapabilities: Sendable, Equatable {
    /// The host name (`gethostname`).
    public var hostName: String
    /// Detected and configured capabilities, sorted and without duplicates.
    public var capabilities: [String]

    /// Creates a capability set.
    public init(hostName: String, capabilities: [String]) {
        self.hostName = hostName
        self.capabilities = Array(Set(capabilities)).sorted()
    }

    /// Whether the host has every one of `required`.
    public func satisfies(_ required: [String]) -> Bool {
        required.allSatisfy(capabilities.contains)
    }
}

/// Detects host capabilities: the operating system (`linux` or `macos`), `docker` when a
/// docker binary is on `PATH`, `gpu` when `nvidia-smi` is, plus configured ones.
public enum Capabilities {
    /// Detects this host's capabilities.
    /// - Parameters:
    ///   - configured: capabilities from the worker's configuration (`--capability`,
    ///     config.yaml); blank entries are ignored.
    ///   - path: the `PATH` searched for tools; the process's own by default.
    public static func detect(configured: [String] = [], path: String? = nil) -> HostCapabilities {
        let searchPath = path ?? ProcessInfo.processInfo.environment["PATH"] ?? ExecutableLookup.defaultPath
        var found: [String] = []
        #if os(Linux)
        found.append("linux")
        #elseif os(macOS)
        found.append("macos")
        #endif
        if isOnPath("docker", path: searchPath) { found.append("docker") }
        if isOnPath("nvidia-smi", path: searchPath) { found.append("gpu") }
        found += configured.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return HostCapabilities(hostName: hostName(), capabilities: found)
    }

    /// Whether an executable file named `name` is in a directory of `path`.
    public static func isOnPath(_ name: String, path: String) -> Bool {
        ExecutableLookup.resolve(name, path: path) != nil
    }

    /// This host's name.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
