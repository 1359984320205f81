import FieldSyncCore
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

    static func value(for column: ColumnSchema, row: Int) -> Value {
        switch column.type {
        case .integer: .integer(Int64(row % 5_000))
        case .real: .real(Double(row % 5_000) + 0.5)
        case .text: .text("阳坡村\(row % 9 + 1)社\(row % 97)号")
        case .blob: .blob([UInt8(row & 0xff), 1, 2, 3])
        }
    }

    func batches(of size: Int) -> [[Change]] {
        stride(from: 0, to: changes.count, by: size).map { Array(changes[$0..<min($0 + size, changes.count)]) }
    }

    var tableCounts: [String: Int] { ["household": changes.count] }
}
