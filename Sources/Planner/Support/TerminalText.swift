/// Text from plans, events and task output made safe to print on a terminal: control
/// characters become visible escapes, so an ESC sequence written into a plan (`\u{1B}]0;...`,
/// cursor moves, colour changes, screen clears) shows as `\e]0;...` instead of acting.
///
/// Escaped: C0 controls (U+0000–U+001F) except, when `multiline`, newline and tab; DEL
/// (U+007F); C1 controls (U+0080–U+009F, 8-bit CSI among them); and the Unicode bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069) that reorder what a reader sees.
/// ESC prints as `\e`, other characters as `\u{XX}`; a backslash is left alone.
public func terminalSafe(_ text: String, multiline: Bool = false) -> String {
    // Fast path: most text has nothing to escape.
    if !text.unicodeScalars.contains(where: { needsEscape($0, multiline: multiline) }) { return text }
    var out = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        guard needsEscape(scalar, multiline: multiline) else { out.append(scalar); continue }
        let escaped: String
        switch scalar.value {
        case 0x1B: escaped = "\\e"
        case 0x0A: escaped = "\\n"
        case 0x0D: escaped = "\\r"
        case 0x09: escaped = "\\t"
        default: escaped = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
        out.append(contentsOf: escaped.unicodeScalars)
    }
    return String(out)
}

private func needsEscape(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
    let v = scalar.value
    if v < 0x20 { return !(multiline && (v == 0x0A || v == 0x09)) }
    return v == 0x7F || (v >= 0x80 && v <= 0x9F) || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
}
