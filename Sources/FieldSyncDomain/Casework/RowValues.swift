import FieldSyncCore

/// Typed reads of a replica row (`[column: Value]`), tolerant of nulls and of values a
/// newer peer wrote in a shape this build does not know (they read as absent).
struct RowValues {
    let row: [String: Value]

    init(_ row: [String: Value]) { self.row = row }

    var id: String { text("id") ?? "" }

    func text(_ column: String) -> String? {
        if case let .text(s)? = row[column], !s.isEmpty { return s }
        return nil
    }

    func integer(_ column: String) -> Int64? {
        if case let .integer(v)? = row[column] { return v }
        return nil
    }

    func real(_ column: String) -> Double? {
        switch row[column] {
        case let .real(v)?: v
        case let .integer(v)?: Double(v)
        default: nil
        }
    }

    func flag(_ column: String) -> Bool { integer(column).map { $0 != 0 } ?? false }
    func date(_ column: String) -> CivilDate? { text(column).flatMap(CivilDate.init) }
    func timestamp(_ column: String) -> Timestamp? { text(column).flatMap(Timestamp.init) }
    func code<C: CaseworkCode>(_ column: String, as: C.Type) -> C? { text(column).flatMap(C.init(rawValue:)) }
}
