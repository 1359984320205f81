import FieldSyncCore

/// Why the hub refused to resolve a conflict. Each message is in Chinese and English, names
/// the conflict and the field, says what to do, and never repeats a value (the values of a
/// conflict are often incomes or ID numbers). Nothing was written when one is thrown.
public enum ConflictReviewError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No conflict has this number.
    case notFound(number: Int64)
    /// The conflict was resolved before: a decision is recorded once.
    case alreadyResolved(number: Int64, atMillis: UInt64?)
    /// The row was deleted; a delete is final (M2), so no value can be written to it.
    case rowDeleted(number: Int64, field: String, rowID: String)
    /// `--keep` named neither side: not `winner`, `loser`, nor a side's township or station.
    case unknownSide(number: Int64, sides: [String])
    /// `--keep` named a station or township that wrote both sides.
    case ambiguousSide(number: Int64)
    /// `--value` is not of the field's type or breaks its rule (CaseworkAuthority).
    case valueRefused(field: String, reasonZh: String, reason: String)

    public var description: String {
        switch self {
        case let .notFound(n):
            return "没有编号为 \(n) 的冲突 / there is no conflict number \(n); `fieldsync hub conflicts HUB --all` lists them"
        case let .alreadyResolved(n, at):
            let when = at.map { ISOTime.format(millis: $0) }
            return "冲突 #\(n) 已\(when.map { "于 \($0) " } ?? "")处理，不能再次处理 / conflict #\(n) was already resolved\(when.map { " at \($0)" } ?? ""); to change the value now, resolve a newer conflict or have the station edit the case"
        case let .rowDeleted(n, field, row):
            return "冲突 #\(n) 所在的记录 \(row) 已被删除，删除不可撤销，无法写入 \(field)；可用 --keep winner 确认删除，或在工作站重新登记 / the record \(row) of conflict #\(n) has been deleted and a delete is final, so \(field) cannot be written; confirm the delete (--keep winner when the delete won) or register the record again at the station"
        case let .unknownSide(n, sides):
            let list = sides.joined(separator: ", ")
            return "--keep 应为 winner、loser，或冲突 #\(n) 一方的乡镇代码或站名（\(list)）/ --keep must be winner, loser, or the township code or station name of one side of conflict #\(n) (\(list))"
        case let .ambiguousSide(n):
            return "冲突 #\(n) 的两方来自同一工作站，--keep 请用 winner 或 loser / both sides of conflict #\(n) come from the same station; say --keep winner or --keep loser"
        case let .valueRefused(field, reasonZh, reason):
            return "--value 不能用于 \(field)：\(reasonZh)；请改正后重试，未写入任何内容 / --value for \(field) was refused: \(reason); correct it and try again. Nothing was written."
        }
    }
}
