/// Finds literal secret values in a byte stream, leftmost first, longest first at one position.
///
/// Used by ``RedactionStream`` before the regex stage, so a literal secret that contains a
/// newline (a PEM key in an environment variable, say) is still caught.
struct LiteralMatcher: Sendable {
    /// Secret values as bytes, longest first.
    let literals: [[UInt8]]
    /// `startsLiteral[b]` is true when some literal begins with byte `b`.
    private let startsLiteral: [Bool]

    init(_ values: [String]) {
        let unique = Set(values.filter { !$0.isEmpty }.map { Array($0.utf8) })
        literals = unique.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
        var table = [Bool](repeating: false, count: 256)
        for literal in literals { table[Int(literal[0])] = true }
        startsLiteral = table
    }

    /// Replaces every literal occurrence in `input` with `replacement`.
    ///
    /// Returns the output and how many input bytes were consumed. Unless `final`, scanning
    /// stops at the first position where the rest of the input is a proper prefix of a
    /// literal: those bytes must wait for more input before they can be judged.
    func scan(_ input: ArraySlice<UInt8>, final: Bool, replacement: [UInt8]) -> (output: [UInt8], consumed: Int) {
        if literals.isEmpty { return (Array(input), input.count) }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = input.startIndex
        let end = input.endIndex
        scanning: while i < end {
            let byte = input[i]
            guard startsLiteral[Int(byte)] else {
                out.append(byte)
                i += 1
                continue
            }
            let available = end - i
            for literal in literals {
                if literal.count <= available {
                    if input[i..<(i + literal.count)].elementsEqual(literal) {
                        out.append(contentsOf: replacement)
                        i += literal.count
                        continue scanning
                    }
                } else if !final, input[i..<end].elementsEqual(literal[0..<available]) {
                    // A longer literal may still complete here: hold from i.
                    return (out, i - input.startIndex)
                }
            }
            out.append(byte)
            i += 1
        }
        return (out, input.count)
    }
}
