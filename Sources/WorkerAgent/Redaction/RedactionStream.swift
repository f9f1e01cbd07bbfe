/// Redacts output that arrives in chunks, such as reads from a pipe.
///
/// A secret split across any number of chunks is still caught: the stream only emits
/// bytes that can no longer be part of a match. It holds back a possible prefix of a
/// literal secret, the current unterminated line (line patterns never span lines), and
/// an unterminated secret block, each up to the redactor's `maxHeldBytes`. For output
/// whose lines and blocks fit that bound, the concatenated output of any chunking equals
/// ``Redactor/redact(bytes:)`` of the whole.
public struct RedactionStream: Sendable {
    private let redactor: Redactor
    /// Input not yet judged by the literal stage.
    private var literalPending: [UInt8] = []
    /// Literal-stage output not yet judged by the pattern stage.
    private var linePending: [UInt8] = []
    /// The block rule whose end marker is awaited after an overlong block was replaced.
    private var suppressingBlock: Int?

    /// Creates a stream; usually obtained from ``Redactor/makeStream()``.
    public init(redactor: Redactor) {
        self.redactor = redactor
    }

    /// Bytes currently held back, waiting for more input.
    public var heldByteCount: Int { literalPending.count + linePending.count }

    /// Takes the next chunk and returns the redacted output that is now safe to emit.
    public mutating func feed(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        literalPending.append(contentsOf: bytes)
        let (out, consumed) = redactor.literals.scan(
            literalPending[...], final: false, replacement: redactor.replacementBytes)
        literalPending.removeFirst(consumed)
        linePending.append(contentsOf: out)
        return processPatterns(final: false)
    }

    /// Ends the input and returns everything still held, redacted. An unterminated block
    /// is redacted to the end.
    public mutating func finish() -> [UInt8] {
        let (out, _) = redactor.literals.scan(
            literalPending[...], final: true, replacement: redactor.replacementBytes)
        literalPending = []
        linePending.append(contentsOf: out)
        let result = processPatterns(final: true)
        suppressingBlock = nil
        return result
    }

    /// The pattern stage: blocks first, then line patterns on text between blocks.
    private mutating func processPatterns(final: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var buf = linePending[...]
        defer { linePending = Array(buf) }
        let newline = UInt8(ascii: "\n")
        while true {
            if let rule = suppressingBlock {
                if let end = redactor.blocks[rule].end.firstMatch(in: buf) {
                    buf = buf[end.upperBound...]
                    suppressingBlock = nil
                    continue
                }
                if final {
                    buf = buf[buf.endIndex...]
                } else {
                    // No end marker in the complete lines: drop them; the end marker may
                    // still arrive in the unterminated line.
                    if let nl = buf.lastIndex(of: newline) { buf = buf[(nl + 1)...] }
                    if buf.count > redactor.maxHeldBytes { buf = buf.suffix(overlap) }
                }
                return out
            }
            if let (rule, begin) = earliestBlockBegin(in: buf) {
                out += redactor.redactLines(buf[..<begin.lowerBound])
                let rest = buf[begin.upperBound...]
                if let end = redactor.blocks[rule].end.firstMatch(in: rest) {
                    out += redactor.replacementBytes
                    buf = buf[end.upperBound...]
                    continue
                }
                if final {
                    out += redactor.replacementBytes
                    buf = buf[buf.endIndex...]
                    return out
                }
                if buf.endIndex - begin.lowerBound > redactor.maxHeldBytes {
                    out += redactor.replacementBytes
                    suppressingBlock = rule
                    buf = rest
                    continue
                }
                buf = buf[begin.lowerBound...]
                return out
            }
            if final {
                out += redactor.redactLines(buf)
                buf = buf[buf.endIndex...]
                return out
            }
            let cut = buf.lastIndex(of: newline).map { $0 + 1 } ?? buf.startIndex
            out += redactor.redactLines(buf[..<cut])
            buf = buf[cut...]
            if buf.count > redactor.maxHeldBytes {
                let safe = safeCut(in: buf)
                out += redactor.redactLines(buf[..<safe])
                buf = buf[safe...]
            }
            return out
        }
    }

    /// How much of an overlong line is kept back after a forced cut.
    private var overlap: Int { min(4096, redactor.maxHeldBytes / 2) }

    /// The first block begin marker in `buf`, over all block rules.
    private func earliestBlockBegin(in buf: ArraySlice<UInt8>) -> (Int, Range<Int>)? {
        var best: (Int, Range<Int>)?
        for (index, block) in redactor.blocks.enumerated() {
            if let found = block.begin.firstMatch(in: buf), best.map({ found.lowerBound < $0.1.lowerBound }) ?? true {
                best = (index, found)
            }
        }
        return best
    }

    /// A cut point for an overlong unterminated line: `overlap` bytes from its end, moved
    /// back to the start of any match that crosses it. Returns the end of `buf` when one
    /// match covers the line from its start (it is then redacted whole).
    private func safeCut(in buf: ArraySlice<UInt8>) -> Int {
        let found = redactor.linePatterns.flatMap { $0.matches(in: buf) }
            + redactor.blocks.compactMap { $0.begin.firstMatch(in: buf) }
        var cut = buf.endIndex - overlap
        var moved = true
        while moved {
            moved = false
            for range in found where range.lowerBound < cut && range.upperBound > cut {
                cut = range.lowerBound
                moved = true
            }
        }
        return cut <= buf.startIndex ? buf.endIndex : cut
    }
}
