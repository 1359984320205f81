import FieldSyncCore
import FieldSyncSync

/// Parses `FIELD=VALUE` arguments against the schema. Messages name the field and the
/// expected type, in Chinese and English, and never repeat the value (it may be personal).
enum FieldAssignments {
    static func parse(_ assignments: [String], table: String, schema: Schema) throws(SyncError) -> [String: Value] {
        guard let tableSchema = schema.table(table) else {
            throw .invalidInput("没有表 \(table)，可用的表: \(schema.tables.map(\.name).joined(separator: ", ")) / no table \(table)")
        }
        var values: [String: Value] = [:]
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "=") else {
                throw .invalidInput("参数应为 字段=值 / an argument must be FIELD=VALUE (got one without =)")
            }
            let field = String(assignment[..<eq])
            let text = String(assignment[assignment.index(after: eq)...])
            guard let column = tableSchema.column(field) else {
                throw .invalidInput("表 \(table) 没有字段 \(field)；可用字段: \(tableSchema.columns.map(\.name).joined(separator: ", ")) / table \(table) has no field \(field)")
            }
            guard values[field] == nil else { throw .invalidInput("字段 \(field) 重复 / field \(field) given twice") }
            if text.isEmpty { values[field] = .null; continue }
            switch column.type {
            case .text: values[field] = .text(text)
            case .integer:
                guard let v = Int64(text) else {
                    throw .invalidInput("字段 \(field) 应为整数，请重新输入 / field \(field) must be a whole number")
                }
                values[field] = .integer(v)
            case .real:
                guard let v = Double(text), v.isFinite else {
                    throw .invalidInput("字段 \(field) 应为数字，如 1350.50 / field \(field) must be a number such as 1350.50")
                }
                values[field] = .real(v)
            case .blob:
                guard let v = Hex.decode(text) else {
                    throw .invalidInput("字段 \(field) 应为十六进制 / field \(field) must be hexadecimal bytes")
                }
                values[field] = .blob(v)
            }
        }
        return values
    }
}
