import FieldSyncCore
import Foundation
import GRDB

extension Value {
    /// The SQLite value stored in a user table. A NaN becomes NULL and -0.0 becomes 0.0
    /// there (SQLite's doing); RowState keeps the exact bits of those two cases.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case let .integer(v): v.databaseValue
        case let .real(v): v.databaseValue
        case let .text(v): v.databaseValue
        case let .blob(v): Data(v).databaseValue
        }
    }

    /// Reads a user-table value back as the column's type.
    init(_ dbValue: DatabaseValue, type: ColumnType) {
        switch dbValue.storage {
        case .null: self = .null
        case let .int64(v): self = type == .real ? .real(Double(v)) : .integer(v)
        case let .double(v): self = .real(v)
        case let .string(v): self = .text(v)
        case let .blob(v): self = .blob([UInt8](v))
        }
    }

    /// Whether SQLite would not give this value back bit for bit from a REAL column.
    var exactRealBits: UInt64? {
        guard case let .real(d) = self else { return nil }
        return d.isNaN || (d == 0 && d.sign == .minus) ? d.bitPattern : nil
    }
}

extension UInt64 {
    /// Stamps are unsigned 64-bit; SQLite integers are signed. Stored by bit pattern.
    var sql: Int64 { Int64(bitPattern: self) }
    init(sql: Int64) { self = UInt64(bitPattern: sql) }
}

extension Array where Element == UInt8 {
    var data: Data { Data(self) }
}
