import FieldSyncCore

/// Columns of text aligned for a terminal, counting CJK characters as two cells wide.
struct TextTable {
    var rows: [[String]]

    init(header: [String] = []) { rows = header.isEmpty ? [] : [header] }

    /// Cells are shown with their control characters escaped: a value or a name from a
    /// station could otherwise break the table's lines or act on the terminal.
    mutating func add(_ row: [String]) { rows.append(row.map(\.escapingControlCharacters)) }

    func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? Self.width($0[c]) : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - Self.width(cell) + 2)
            }.joined()
        }.joined(separator: "\n")
    }

    /// Terminal cells: East Asian wide and fullwidth characters take two.
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { sum, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }
}
