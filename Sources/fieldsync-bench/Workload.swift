import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// N cell changes to the household table from one origin: whole rows, column after column,
/// as a station's export delivers them.
struct Workload {
    let columns: [ColumnSchema]
    let rows: Int
    let changes: [Change]
    let origin = SiteID(bytes: Array(repeating: 0x11, count: 16))!
    static let baseMillis: UInt64 = 1_795_900_000_000
    let wallClock: @Sendable () -> UInt64 = { Workload.baseMillis + 3_600_000 }

    init(schema: Schema, changes n: Int) {
        columns = Array(schema.table("household")!.columns.prefix(10))
        rows = (n + columns.count - 1) / columns.count
        var out: [Change] = []
        out.reserveCapacity(n)
        var seq: UInt64 = 0
        for row in 0..<rows {
            let id = Workload.rowID(row)
            for column in columns where out.count < n {
                seq += 1
                out.append(.set("household", id, column.name, Workload.value(for: column, row: row),
                                stamp: HybridTimestamp(rawValue: (Workload.baseMillis << 16) + seq), origin: origin, sequence: seq))
            }
        }
        changes = out
    }

    static func rowID(_ row: Int) -> String { "bench-\(row)" }

    /// A value the casework authority accepts (the hub checks every merged change, and
    /// the benchmark measures the merge with those checks on), varied by row.
    static func value(for column: ColumnSchema, row: Int) -> Value {
        switch column.name {
        case "township": return .text("6301061\(String(format: "%02d", row % 12))")
        case "hukou": return .text(row % 2 == 0 ? "rural" : "urban")
        case "category": return .text(["dibao", "tekun", "temporary"][row % 3])
        case "status": return .text(row % 10 == 0 ? "closed" : "active")
        case "next_review": return .text("2027-\(String(format: "%02d", row % 12 + 1))-15")
        case "residence_permit_holder", "long_term_urban_resident", "irregular_income", "member_able_to_work":
            return .integer(Int64(row % 2))
        default: break
        }
        switch column.type {
        case .integer: return .integer(Int64(row % 5_000))
        case .real: return .real(Double(row % 5_000) + 0.5)
        case .text: return .text("阳坡村\(row % 9 + 1)社\(row % 97)号")
        case .blob: return .blob([UInt8(row & 0xff), 1, 2, 3])
        }
    }

    func batches(of size: Int) -> [[Change]] {
        stride(from: 0, to: changes.count, by: size).map { Array(changes[$0..<min($0 + size, changes.count)]) }
    }

    /// The changes grouped by row, in order: the whole-row baselines write one row per call.
    func forEachRow(_ body: (String, ArraySlice<Change>) throws -> Void) rethrows {
        var start = changes.startIndex
        while start < changes.endIndex {
            let id = changes[start].rowID
            var end = start + 1
            while end < changes.endIndex, changes[end].rowID == id { end += 1 }
            try body(id, changes[start..<end])
            start = end
        }
    }

    /// What a hub enforces on a station's bundle: its own origin only, the casework authority.
    static let stationGuard = MergeGuard(onlyOrigin: SiteID(bytes: Array(repeating: 0x11, count: 16))!,
                                         authority: CaseworkAuthority(), writer: .station)

    var tableCounts: [String: Int] { ["household": changes.count] }
}
