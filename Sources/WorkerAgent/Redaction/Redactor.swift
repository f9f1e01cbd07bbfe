/// A multi-line secret delimited by a begin and an end marker (a PEM private key, say).
///
/// Everything from the start of the begin marker to the end of the first end marker after
/// it becomes one replacement; a block with no end marker is redacted to the end of the
/// output. Markers are regular expressions that must not match a newline.
public struct RedactionBlock: Sendable, Equatable {
    /// Regular expression for the first line of the block.
    public var begin: String
    /// Regular expression for the last line of the block.
    public var end: String

    /// Creates a block rule from its begin and end marker patterns.
    public init(begin: String, end: String) {
        self.begin = begin
        self.end = end
    }
}

/// Removes secrets from text: literal secret values and regular-expression patterns.
///
/// Patterns are matched against raw bytes (each byte seen as one Latin-1 character), so
/// any output, including invalid UTF-8, passes through unchanged apart from the
/// replacements; write patterns in ASCII. Line patterns must not match a newline: the
/// streaming redactor works line by line. Use ``makeStream()`` for output read in chunks.
public struct Redactor: Sendable {
    /// The text that replaces every secret.
    public static let replacement = "[REDACTED]"

    /// Patterns for common API keys and bearer tokens.
    public static let defaultPatterns: [String] = [
        "sk-[A-Za-z0-9_-]{16,}",
        "Bearer [A-Za-z0-9._~+/-]+=*",
        "AKIA[0-9A-Z]{16}",
        "gh[pousr]_[A-Za-z0-9]{30,}",
    ]

    /// PEM private key blocks.
    public static let defaultBlocks: [RedactionBlock] = [
        RedactionBlock(begin: "-----BEGIN [A-Z ]*PRIVATE KEY-----", end: "-----END [A-Z ]*PRIVATE KEY-----"),
    ]

    /// Environment variable name fragments that mark a secret value.
    public static let defaultSecretMarkers = ["KEY", "TOKEN", "SECRET", "PASSWORD"]

    let literals: LiteralMatcher
    let linePatterns: [ByteRegex]
    let blocks: [(begin: ByteRegex, end: ByteRegex)]
    /// How many bytes a stream may hold back waiting for a line or block end.
    let maxHeldBytes: Int
    let replacementBytes: [UInt8] = Array(Redactor.replacement.utf8)

    /// Creates a redactor.
    ///
    /// - Parameters:
    ///   - patterns: regular expressions for single-line secrets.
    ///   - blocks: multi-line secret blocks.
    ///   - secretValues: literal values to remove wherever they appear (see ``secretValues(from:markers:minimumLength:)``).
    ///   - maxHeldBytes: the most a stream holds back waiting for the end of a line or of a
    ///     block; past it a line is cut at a point no match crosses, and a block is
    ///     replaced and its remainder dropped up to its end marker.
    /// - Throws: ``RedactorError`` when a pattern does not compile.
    public init(
        patterns: [String] = Redactor.defaultPatterns,
        blocks: [RedactionBlock] = Redactor.defaultBlocks,
        secretValues: [String] = [],
        maxHeldBytes: Int = 64 * 1024
    ) throws(RedactorError) {
        var compiled: [ByteRegex] = []
        for pattern in patterns {
            do { compiled.append(try ByteRegex(pattern)) } catch {
                throw .invalidPattern(pattern: pattern, reason: error.reason)
            }
        }
        var compiledBlocks: [(begin: ByteRegex, end: ByteRegex)] = []
        for block in blocks {
            var pair: [ByteRegex] = []
            for marker in [block.begin, block.end] {
                do { pair.append(try ByteRegex(marker)) } catch {
                    throw .invalidBlockMarker(marker: marker, reason: error.reason)
                }
            }
            compiledBlocks.append((pair[0], pair[1]))
        }
        linePatterns = compiled
        self.blocks = compiledBlocks
        literals = LiteralMatcher(secretValues)
        self.maxHeldBytes = max(maxHeldBytes, 64)
    }

    /// A redactor that only applies the default patterns and blocks.
    public static func defaults() -> Redactor {
        // The default patterns are constants covered by tests; they always compile.
        // swiftlint:disable:next force_try
        try! Redactor()
    }

    /// Values of environment variables whose name contains one of `markers`
    /// (case-insensitive), ignoring values shorter than `minimumLength`, which would
    /// redact common words.
    public static func secretValues(
        from environment: [String: String],
        markers: [String] = Redactor.defaultSecretMarkers,
        minimumLength: Int = 6
    ) -> [String] {
        let upperMarkers = markers.map { $0.uppercased() }
        var values: Set<String> = []
        for (name, value) in environment where value.utf8.count >= minimumLength {
            let upperName = name.uppercased()
            if upperMarkers.contains(where: { upperName.contains($0) }) { values.insert(value) }
        }
        return values.sorted()
    }

    /// Returns `text` with every secret replaced by ``replacement``.
    public func redact(_ text: String) -> String {
        String(decoding: redact(bytes: Array(text.utf8)), as: UTF8.self)
    }

    /// Returns `bytes` with every secret replaced by ``replacement``.
    public func redact(bytes: [UInt8]) -> [UInt8] {
        var stream = makeStream()
        return stream.feed(bytes) + stream.finish()
    }

    /// A stream that redacts output arriving in arbitrary chunks.
    public func makeStream() -> RedactionStream {
        RedactionStream(redactor: self)
    }

    /// Applies the line patterns, one after the other, to complete text.
    func redactLines(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var current = Array(bytes)
        for pattern in linePatterns where !current.isEmpty {
            let found = pattern.matches(in: current[...]).filter { !$0.isEmpty }
            if found.isEmpty { continue }
            var next: [UInt8] = []
            next.reserveCapacity(current.count)
            var position = 0
            for range in found {
                next.append(contentsOf: current[position..<range.lowerBound])
                next.append(contentsOf: replacementBytes)
                position = range.upperBound
            }
            next.append(contentsOf: current[position...])
            current = next
        }
        return current
    }
}
