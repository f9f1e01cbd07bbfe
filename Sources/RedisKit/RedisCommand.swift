import Foundation

/// A value that can be one argument of a Redis command (binary safe).
public protocol RedisArgument {
    /// Appends the argument's bytes to a command buffer.
    func appendRedisBytes(to buffer: inout [UInt8])
}

extension String: RedisArgument {
    /// Appends the UTF-8 bytes.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}
extension Substring: RedisArgument {
    /// Appends the UTF-8 bytes.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}
extension Int: RedisArgument {
    /// Appends the decimal digits.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: String(self).utf8) }
}
extension Double: RedisArgument {
    /// Appends a round-trippable decimal form.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: "\(self)".utf8) }
}
extension Array: RedisArgument where Element == UInt8 {
    /// Appends the raw bytes.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}
extension Data: RedisArgument {
    /// Appends the raw bytes.
    public func appendRedisBytes(to buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}

/// One Redis command, its arguments packed into a single buffer so a pipeline of thousands costs
/// few allocations. Sendable: it is plain bytes.
public struct RedisCommand: Sendable, CustomStringConvertible {
    /// The arguments' bytes, back to back.
    public private(set) var bytes: [UInt8] = []
    /// The length of each argument in `bytes`.
    public private(set) var lengths: [Int] = []

    /// A command from its arguments, e.g. `RedisCommand("SET", key, value)`.
    public init(_ args: any RedisArgument...) {
        self.init(arguments: args)
    }

    /// A command from an array of arguments.
    public init(arguments args: [any RedisArgument]) {
        lengths.reserveCapacity(args.count)
        for a in args { append(a) }
    }

    /// Adds one more argument.
    public mutating func append(_ arg: any RedisArgument) {
        let before = bytes.count
        arg.appendRedisBytes(to: &bytes)
        lengths.append(bytes.count - before)
    }

    /// Adds several arguments.
    public mutating func append(contentsOf args: [any RedisArgument]) {
        for a in args { append(a) }
    }

    /// The command name (first argument), upper-cased.
    public var name: String {
        guard let first = lengths.first else { return "" }
        return String(decoding: bytes[0..<first], as: UTF8.self).uppercased()
    }

    /// The command without its arguments (values may be secret or large).
    public var description: String { "\(name) (\(lengths.count - 1) args)" }

    /// Calls `body` with hiredis-style `argv`/`argvlen` arrays pointing into `bytes`.
    func withArgv<R>(_ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        bytes.withUnsafeBufferPointer { buf in
            // An empty buffer may have no base address; any valid pointer works for zero-length args.
            let base = UnsafeRawPointer(buf.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!
            var argv = [UnsafePointer<CChar>?]()
            argv.reserveCapacity(lengths.count)
            var offset = 0
            for len in lengths {
                argv.append((base + offset).assumingMemoryBound(to: CChar.self))
                offset += len
            }
            return argv.withUnsafeMutableBufferPointer { av in
                lengths.withUnsafeBufferPointer { lv in
                    body(Int32(lengths.count), av.baseAddress!, lv.baseAddress!)
                }
            }
        }
    }
}
