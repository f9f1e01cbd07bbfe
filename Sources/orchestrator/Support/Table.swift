import Foundation
import Planner

/// A plain text table sized to the terminal: columns shrink (with `…`) from the widest down
/// when the terminal is narrower than the table. Cells come from plans, Redis and the ledger,
/// so their control characters are escaped (`terminalSafe`) before widths are measured.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells.map { terminalSafe($0) }) }
    mutating func add(row: [String]) { rows.append(row.map { terminalSafe($0) }) }

    static var terminalWidth: Int {
        var w = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c), n > 0 { return n }
        return 120
    }

    func render(width: Int = Table.terminalWidth) -> String {
        var widths = headers.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        let gap = 2
        while widths.reduce(0, +) + gap * (widths.count - 1) > width, let maxW = widths.max(), maxW > 6 {
            widths[widths.firstIndex(of: maxW)!] = maxW - 1
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let w = widths[min(i, widths.count - 1)]
                let cut = c.count > w ? String(c.prefix(w - 1)) + "…" : c
                return i == cells.count - 1 ? cut : cut.padding(toLength: w, withPad: " ", startingAt: 0)
            }.joined(separator: String(repeating: " ", count: gap))
        }
        var out = [line(headers), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
