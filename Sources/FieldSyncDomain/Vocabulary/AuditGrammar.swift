/// What an audit event's `subject` and `detail` may hold (Protocol §10, L2): ids, codes and
/// numbers, never free text, so no name or ID number can ride in an event. Defined once:
/// ``CaseworkAuthority`` checks it at every write of `audit_event` (a station's own through
/// ``AuditLog``, and the hub's merge of a station's bundle).
///
/// - `subject`: a row id (ASCII id, no run of more than 12 digits), or a 16- or 32-hex
///   site, bundle or key id.
/// - `detail`: space-separated `key=value` tokens; `key` is a code (ASCII letter, then
///   letters, digits or `_`), `value` a code, a field `table.column`, a decimal number of at most 12 digits, a 16-
///   or 32-hex id or a row id. An 18-digit ID number or any non-ASCII text is refused.
public enum AuditGrammar {
    /// The acts a station performs itself; every other action is the hub's (L2).
    public static let stationActions: Set<String> = [AuditAction.imported.rawValue, AuditAction.decided.rawValue]

    public static func isSubject(_ s: String) -> Bool { isRowID(s) || isHexID(s) }

    public static func isDetail(_ s: String) -> Bool {
        let tokens = s.split(separator: " ", omittingEmptySubsequences: false)
        guard !tokens.isEmpty, tokens.count <= 16 else { return false }
        return tokens.allSatisfy { token in
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, isCode(parts[0]) else { return false }
            let value = parts[1]
            return isCode(value) || isField(value) || isNumber(value) || isHexID(value) || isRowID(value)
        }
    }

    static func isCode<S: StringProtocol>(_ s: S) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 40, isLetter(first) else { return false }
        return s.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// A field, `table.column` (a conflict's; the column empty for a whole-row conflict).
    static func isField<S: StringProtocol>(_ s: S) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && isCode(parts[0]) && (parts[1].isEmpty || isCode(parts[1]))
    }

    static func isNumber<S: StringProtocol>(_ s: S) -> Bool {
        (1...12).contains(s.utf8.count) && s.utf8.allSatisfy(isDigit)
    }

    static func isHexID<S: StringProtocol>(_ s: S) -> Bool {
        (s.utf8.count == 16 || s.utf8.count == 32) && s.utf8.allSatisfy(isHex)
    }

    /// A row id: ASCII letters, digits, `-` and `_` (at most 64), with no run of more than
    /// 12 digits (an ID number's 17 or 18), as ``RowIDGenerator`` writes (`<site>-000012`).
    static func isRowID<S: StringProtocol>(_ s: S) -> Bool {
        guard (1...64).contains(s.utf8.count) else { return false }
        var run = 0
        for c in s.utf8 {
            guard isLetter(c) || isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") else { return false }
            run = isDigit(c) ? run + 1 : 0
            if run > 12 { return false }
        }
        return true
    }

    private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) }
}
