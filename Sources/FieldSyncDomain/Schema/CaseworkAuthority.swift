import FieldSyncCore
import FieldSyncStore

/// Who may write each case table and column, and what each value must look like: the
/// authority half of the schema, declared next to ``CaseworkSchema`` and enforced in two
/// places with the same declaration:
///
/// - the **hub** checks every change merged from a station's bundle (rules A3–A4 of
///   `Protocol/sync-protocol.md`) and refuses the whole bundle, naming the rule, so a
///   modified program on a laptop gains nothing by signing what the casework verbs would
///   never write;
/// - a **station** checks its own generic writes (``Station/record(table:id:values:)``)
///   the same way before anything is stored.
///
/// The casework service checks more than this (逢救必核 and the other numbered rules need
/// the whole case, not one cell): the declaration is what can be checked of one change
/// alone, which is exactly what a merge can check without trusting the sender.
///
/// ```swift
/// let authority = CaseworkAuthority()
/// authority.checkWrite(table: CaseworkSchema.decision, column: …level…, value: .text("county"), writer: .station)
/// // → A4: only the county hub may record a county decision
/// ```
public struct CaseworkAuthority: WriteAuthority {
    public init() {}

    /// Which replicas may write a table.
    public enum Writers: Sendable {
        /// Stations and the hub (casework).
        case stationsAndHub
        /// Only the county hub (rule parameters, spot checks, case transfers).
        case hubOnly
    }

    /// The shape a column's value must have (null is allowed unless the column is required).
    public enum ValueRule: Sendable {
        /// Any value of the column's type (free text: names, notes, addresses).
        case free
        /// A 9-digit township code.
        case township
        /// One of a closed list of codes.
        case code(Set<String>)
        /// 0 or 1.
        case flag
        /// Whole yuan, 0 … ``Money/maximum``.
        case wholeYuan
        /// Fen, 0 … ``Money/maximum``.
        case fen
        /// Yuan as a real with at most two decimals, 0 … ``Money/maximum``.
        case yuanReal
        /// `YYYY-MM-DD`.
        case date
        /// ISO-8601 with offset (``Timestamp``).
        case moment
        /// A GB 11643 resident ID number.
        case idNumber
        /// The id of another row: non-empty text.
        case rowReference
        /// An integer in a range.
        case integer(ClosedRange<Int64>)
        /// Where a row is addressed: a 9-digit township code, a 6-digit county code (a county
        /// hub's own events, tiers), or `*` for the whole county, which only a hub may write.
        case address
        /// The site of the replica that writes the change, as hex: a record of who did
        /// something names its writer, and no other (A1 for the row's content).
        case writerSite
        /// A code of `all`; a station may write only those of `station` (an audit event's
        /// action: a station records only the acts a station performs, L2).
        case stationCode(all: Set<String>, station: Set<String>)
        /// An audit event's subject (``AuditGrammar/isSubject(_:)``).
        case auditSubject
        /// An audit event's detail (``AuditGrammar/isDetail(_:)``).
        case auditDetail
        /// Unix milliseconds no later than `within` after the change's HLC stamp (an audit
        /// event's `at`, L2). The clock bound (M5) keeps the stamp from running ahead, and
        /// an honest writer's wall clock never runs ahead of its own hybrid clock, so a far
        /// future `at` is a forgery. Earlier than the stamp is allowed, by any amount: a
        /// laptop whose clock is slow, or whose hybrid clock was pulled ahead by a faster
        /// peer's stamps, records its act honestly at a time well before the stamp.
        case millisNotAfterStamp(within: UInt64)
    }

    /// How far an audit event's `at` may lie after its change's stamp: one day.
    public static let auditAtSkewMillis: UInt64 = 86_400_000

    /// The declaration for one table.
    public struct TableRules: Sendable {
        public let writers: Writers
        /// Whether a station may delete rows (mutable tables only; append-only never).
        public let stationMayDelete: Bool
        public let columns: [String: ValueRule]
        /// Columns a new row must set, and that no write may set to null.
        public let required: Set<String>
        /// Values of a column only the hub may write (a county decision, R8). A row holding
        /// one of them is the hub's from then on: a station may not change the column back,
        /// nor the columns in ``lockedByHubValue``, nor delete the row.
        public let hubOnlyValues: [String: Set<String>]
        /// The columns a hub-only value locks against stations (the decision it records).
        public let lockedByHubValue: Set<String>

        init(_ writers: Writers = .stationsAndHub, stationMayDelete: Bool = false, required: Set<String> = [],
             hubOnlyValues: [String: Set<String>] = [:], lockedByHubValue: Set<String> = [], _ columns: [String: ValueRule]) {
            self.writers = writers
            self.stationMayDelete = stationMayDelete
            self.columns = columns
            self.required = required
            self.hubOnlyValues = hubOnlyValues
            self.lockedByHubValue = lockedByHubValue
        }
    }

    static func codes<C: CaseworkCode>(_ type: C.Type) -> ValueRule { .code(Set(C.allCases.map(\.rawValue))) }

    /// Every case table's rules, by table name. A table of the schema without rules here
    /// is refused to every station (`A3`): a new table is hub-only until declared.
    public static let tables: [String: TableRules] = [
        "household": TableRules(stationMayDelete: true, required: ["township"], [
            "township": .township, "village": .free, "address": .free, "head_name": .free,
            "hukou": codes(UrbanRural.self), "monthly_income": .wholeYuan, "category": codes(AssistanceCategory.self),
            "status": .code(["active", "closed"]), "next_review": .date, "residence_permit_holder": .flag,
            "long_term_urban_resident": .flag, "essential_expenses_fen": .fen, "irregular_income": .flag,
            "member_able_to_work": .flag, "created_at": .moment,
        ]),
        "member": TableRules(stationMayDelete: true, required: ["household_id"], [
            "household_id": .rowReference, "name": .free, "id_number": .idNumber, "birth_date": .date,
            "relation": codes(Relation.self), "labour_capacity": codes(LabourCapacity.self), "disability_grade": .integer(0...4),
            "health": .free, "sex": codes(Sex.self), "disability_type": codes(DisabilityType.self), "student": .flag,
            "care_grade": codes(CareGrade.self),
        ]),
        "application": TableRules(stationMayDelete: true, required: ["household_id", "category"],
                                  hubOnlyValues: ["decided_by": [DecisionLevel.county.rawValue]],
                                  lockedByHubValue: ["status", "decided_at", "category", "amount"], [
            "household_id": .rowReference, "category": codes(AssistanceCategory.self), "channel": codes(ApplicationChannel.self),
            "received_at": .moment, "emergency": .flag, "status": codes(ApplicationStatus.self), "amount": .yuanReal,
            "applicant_member_id": .rowReference, "replied_at": .moment, "helped_at": .moment, "decided_at": .moment,
            "decided_by": codes(DecisionLevel.self),
        ]),
        "economic_check": TableRules(required: ["application_id", "outcome"], [
            "application_id": .rowReference, "household_id": .rowReference, "outcome": codes(CheckOutcome.self),
            "completed_at": .moment,
        ].merging(CheckSource.allCases.map { ($0.column, codes(CheckResult.self)) }) { a, _ in a }),
        "decision": TableRules(required: ["application_id", "approve", "level"],
                               hubOnlyValues: ["level": [DecisionLevel.county.rawValue]], [
            "application_id": .rowReference, "household_id": .rowReference, "approve": .flag,
            "level": codes(DecisionLevel.self), "category": codes(AssistanceCategory.self), "amount_fen": .fen,
            "start_date": .date, "reasons": .free, "decided_at": .moment, "supersedes": .rowReference,
        ]),
        "assistance": TableRules(required: ["application_id", "kind"], [
            "application_id": .rowReference, "household_id": .rowReference, "kind": codes(AssistanceKind.self),
            "amount_fen": .fen, "given_at": .moment, "delivered_by": .free, "before_check": .flag, "note": .free,
        ]),
        "referral": TableRules(stationMayDelete: true, required: ["application_id", "department"], [
            "application_id": .rowReference, "household_id": .rowReference, "department": codes(Department.self),
            "referred_at": .moment, "due_at": .moment, "status": .code(["referred", "answered", "withdrawn"]),
        ]),
        "referral_feedback": TableRules(required: ["referral_id", "outcome"], [
            "referral_id": .rowReference, "received_at": .moment, "outcome": codes(FeedbackOutcome.self), "detail": .free,
        ]),
        "visit": TableRules(required: ["household_id"], [
            "household_id": .rowReference, "visited_at": .moment, "visitor": .free, "note": .free,
        ]),
        "review": TableRules(stationMayDelete: true, required: ["household_id"], [
            "household_id": .rowReference, "scheduled_for": .date, "done_on": .date, "outcome": codes(ReviewOutcome.self),
            "note": .free,
        ]),
        "monitoring_flag": TableRules(stationMayDelete: true, required: ["household_id"], [
            "household_id": .rowReference, "group_code": .code(["unstableOutOfPoverty", "marginalAtRisk", "ruralLowIncome"]),
            "risk": .free, "raised_at": .moment, "cleared_at": .moment, "status": .code(["open", "cleared"]),
        ]),
        "spot_check": TableRules(.hubOnly, [
            "household_id": .rowReference, "application_id": .rowReference, "drawn_at": .moment, "seed": .free,
            "inspector": .free, "result": .code(["ok", "issue"]), "issues": .free,
        ]),
        "case_note": TableRules(required: ["household_id"], [
            "household_id": .rowReference, "application_id": .rowReference, "written_at": .moment, "author": .free,
            "note": .free,
        ]),
        "case_transfer": TableRules(.hubOnly, required: ["household_id", "to_township"], [
            "household_id": .rowReference, "from_township": .township, "to_township": .township, "transferred_at": .moment,
            "note": .free, "decided_by": codes(DecisionLevel.self),
        ]),
        "notice": TableRules(.hubOnly, required: ["township", "kind"], [
            "township": .township, "household_id": .rowReference, "kind": codes(NoticeKind.self),
            "subject_table": .free, "subject_row": .rowReference, "subject_column": .free, "detail": .free,
            "reference": .free, "created_at": .moment,
        ]),
        "case_release": TableRules(required: ["household_id", "transfer_id", "township"], [
            "household_id": .rowReference, "transfer_id": .rowReference, "township": .township, "released_at": .moment,
        ]),
        "rule_parameter": TableRules(.hubOnly, required: ["name", "effective_from", "value"], [
            "name": codes(RuleParameter.self), "effective_from": .date, "value": .free, "note": .free,
        ]),
        "audit_event": TableRules(required: ["township", "at", "actor_site", "action"], [
            "township": .address, "at": .millisNotAfterStamp(within: auditAtSkewMillis), "actor_site": .writerSite, "actor_name": .free,
            "action": .stationCode(all: Set(AuditAction.allCases.map(\.rawValue)), station: AuditGrammar.stationActions),
            "subject": .auditSubject, "detail": .auditDetail,
        ]),
        // The hub's key announcements: its signature chain is checked by each station on import.
        "hub_key": TableRules(.hubOnly, required: ["hub_site", "signing_key", "agreement_key", "issued_at", "previous_signing_key", "signature"], [
            "hub_site": .free, "signing_key": .free, "agreement_key": .free, "issued_at": .moment,
            "previous_signing_key": .free, "signature": .free,
        ]),
    ]

    // MARK: WriteAuthority

    public func checkWrite(table: TableSchema, column: ColumnSchema, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation? {
        guard let index = table.columns.firstIndex(where: { $0.name == column.name }) else { return nil }
        return Compiled(table).checkWrite(column: index, value: value, writer: writer, origin: origin)
    }

    public func checkDelete(table: TableSchema, writer: ReplicaRole) -> AuthorityViolation? {
        Compiled(table).checkDelete(writer: writer)
    }

    public func compiled(for table: TableSchema) -> (any CompiledTableAuthority)? {
        Compiled(table)
    }

    /// One table's rules laid out by column position: what the hub checks per merged
    /// change without looking a name up (see `fieldsync-bench`).
    struct Compiled: CompiledTableAuthority {
        let table: String
        let rules: TableRules?
        let columns: [String]
        let valueRules: [ValueRule?]
        let required: [Bool]
        let reserved: [Set<String>?]

        init(_ schema: TableSchema) {
            table = schema.name
            rules = CaseworkAuthority.tables[schema.name]
            columns = schema.columns.map(\.name)
            valueRules = columns.map { [rules] in rules?.columns[$0] }
            required = columns.map { [rules] in rules?.required.contains($0) ?? false }
            reserved = columns.map { [rules] in rules?.hubOnlyValues[$0] }
        }

        func checkWrite(column i: Int, value: Value, writer: ReplicaRole, origin: SiteID) -> AuthorityViolation? {
            guard let rules else { return writer == .hub ? nil : CaseworkAuthority.undeclared(table) }
            let column = columns[i]
            if rules.writers == .hubOnly, writer == .station {
                return AuthorityViolation(rule: "A3 hub-only table", table: table, column: column,
                                          reason: "only the county hub writes \(table); a station may not",
                                          reasonZh: "\(table) 只能由县级中心写入，乡镇社工站无权写入")
            }
            if value == .null {
                guard !required[i] else {
                    return AuthorityViolation(rule: "A4 required field", table: table, column: column,
                                              reason: "this field is required and cannot be cleared",
                                              reasonZh: "\(column) 为必填项，不能为空")
                }
                return nil
            }
            if writer == .station, let reserved = reserved[i], case let .text(code) = value, reserved.contains(code) {
                return AuthorityViolation(rule: "A4 county decision", table: table, column: column,
                                          reason: "only the county hub may record a county-level decision (R8)",
                                          reasonZh: "县级审核确认只能由县级中心录入（R8）")
            }
            guard let rule = valueRules[i] else {
                return writer == .hub ? nil : AuthorityViolation(rule: "A3 undeclared column", table: table, column: column,
                                                                 reason: "no station may write this column",
                                                                 reasonZh: "乡镇社工站无权写入该字段")
            }
            if let violation = CaseworkAuthority.checkAttribution(rule, value, writer: writer, origin: origin, table: table, column: column) {
                return violation
            }
            guard CaseworkAuthority.accepts(rule, value) else {
                return AuthorityViolation(rule: "A4 value", table: table, column: column,
                                          reason: "the value is not \(CaseworkAuthority.expectation(rule))",
                                          reasonZh: "\(column) 的值不符合要求：应为\(CaseworkAuthority.expectationZh(rule))")
            }
            return nil
        }

        func checkStamp(column i: Int, value: Value, stamp: HybridTimestamp) -> AuthorityViolation? {
            guard case let .millisNotAfterStamp(within)? = valueRules[i], case let .integer(at) = value, at >= 0 else { return nil }
            guard UInt64(at) > stamp.millis, UInt64(at) - stamp.millis > within else { return nil }
            return AuthorityViolation(rule: "A4 time", table: table, column: columns[i],
                                      reason: "the recorded time is more than a day after the change's clock stamp",
                                      reasonZh: "\(columns[i]) 记录的时间比该变更的时钟戳晚一天以上")
        }

        func checkDelete(writer: ReplicaRole) -> AuthorityViolation? {
            guard writer == .station else { return nil }
            guard let rules else { return CaseworkAuthority.undeclared(table) }
            guard rules.writers == .stationsAndHub, rules.stationMayDelete else {
                return AuthorityViolation(rule: "A3 delete", table: table,
                                          reason: "a station may not delete rows of \(table)",
                                          reasonZh: "乡镇社工站无权删除 \(table) 的记录")
            }
            return nil
        }
    }

    public func checkExisting(table: TableSchema, current: [Value], kind: Change.Kind, column: String,
                              writer: ReplicaRole) -> AuthorityViolation? {
        guard writer == .station else { return nil }
        if table.kind == .appendOnly {
            // Records of what happened are written once, whole, by the replica that records
            // them (M3); a later write could only rewrite history (a smaller stamp wins).
            return AuthorityViolation(rule: "A3 append-only record", table: table.name, column: column.isEmpty ? nil : column,
                                      reason: "this record already exists and is never changed; record a new one instead",
                                      reasonZh: "该记录已存在，不能修改，请另行新增记录")
        }
        guard let rules = Self.tables[table.name] else { return nil }
        for (lockColumn, reserved) in rules.hubOnlyValues {
            guard let index = table.columns.firstIndex(where: { $0.name == lockColumn }),
                  case let .text(value) = current[index], reserved.contains(value) else { continue }
            if kind == .delete || column == lockColumn || rules.lockedByHubValue.contains(column) {
                return AuthorityViolation(rule: "A4 county decision", table: table.name, column: kind == .delete ? nil : column,
                                          reason: "the county hub has decided this record (R8); only the hub may change or delete it",
                                          reasonZh: "县级中心已作出决定（R8），只有县级中心可以修改或删除该记录")
            }
        }
        return nil
    }

    public func checkNewRow(table: TableSchema, values: [Value], writer: ReplicaRole) -> AuthorityViolation? {
        guard let rules = Self.tables[table.name] else { return nil }
        for (column, value) in zip(table.columns, values) where value == .null && rules.required.contains(column.name) {
            return AuthorityViolation(rule: "A4 required field", table: table.name, column: column.name,
                                      reason: "a new \(table.name) row must set this field",
                                      reasonZh: "新建 \(table.name) 记录必须填写 \(column.name)")
        }
        return nil
    }

    static func undeclared(_ table: String) -> AuthorityViolation {
        AuthorityViolation(rule: "A3 undeclared table", table: table, reason: "no station may write this table",
                           reasonZh: "乡镇社工站无权写入该表")
    }

    // MARK: Values

    /// The rules that depend on who writes: a `*` address is the hub's, and a writer's site
    /// is the writer's own. Checked before the value's shape, with their own rule names.
    static func checkAttribution(_ rule: ValueRule, _ value: Value, writer: ReplicaRole, origin: SiteID,
                                 table: String, column: String) -> AuthorityViolation? {
        switch (rule, value) {
        case (.address, .text(CaseworkScope.countyWide)) where writer == .station:
            return AuthorityViolation(rule: "A4 county-wide", table: table, column: column,
                                      reason: "only the county hub writes a record for the whole county; a station's names its own township",
                                      reasonZh: "只有县级中心可以写入全县范围的记录；乡镇社工站的记录须写本乡镇代码")
        case let (.stationCode(_, station), .text(code)) where writer == .station && !station.contains(code):
            return AuthorityViolation(rule: "A1 hub act", table: table, column: column,
                                      reason: "a station records only the acts a station performs; this one is the county hub's",
                                      reasonZh: "乡镇社工站只能记录本站的操作；该操作只能由县级中心记录")
        case let (.writerSite, .text(site)) where site != origin.hex:
            return AuthorityViolation(rule: "A1 actor", table: table, column: column,
                                      reason: "the record names another site as its actor; a replica records only its own acts",
                                      reasonZh: "该记录的操作方不是写入它的站点；只能记录本站自己的操作")
        default:
            return nil
        }
    }

    static func accepts(_ rule: ValueRule, _ value: Value) -> Bool {
        switch (rule, value) {
        case (.free, _): return true
        case let (.township, .text(s)): return TownshipCode.isValid(s)
        case let (.code(allowed), .text(s)): return allowed.contains(s)
        case let (.flag, .integer(n)): return n == 0 || n == 1
        case let (.wholeYuan, .integer(n)): return n >= 0 && n <= Money.maximum.fen / 100
        case let (.fen, .integer(n)): return n >= 0 && n <= Money.maximum.fen
        case let (.yuanReal, .real(x)):
            guard x.isFinite, x >= 0, x <= Money.maximum.yuanReal else { return false }
            return Money(yuanReal: x).yuanReal == x
        case let (.date, .text(s)): return CivilDate(s) != nil
        case let (.moment, .text(s)): return Timestamp(s) != nil
        case let (.idNumber, .text(s)): return (try? IDNumber(s)) != nil
        case let (.rowReference, .text(s)): return !s.isEmpty
        case let (.integer(range), .integer(n)): return range.contains(n)
        case let (.address, .text(s)): return s == CaseworkScope.countyWide || TownshipCode.isValid(s) || ScopeCode.isCounty(s)
        case let (.writerSite, .text(s)): return SiteID(hex: s) != nil
        case let (.stationCode(all, _), .text(s)): return all.contains(s)
        case let (.auditSubject, .text(s)): return AuditGrammar.isSubject(s)
        case let (.auditDetail, .text(s)): return AuditGrammar.isDetail(s)
        case let (.millisNotAfterStamp, .integer(n)): return n >= 0
        default: return false
        }
    }

    static func expectation(_ rule: ValueRule) -> String {
        switch rule {
        case .free: "a value of the column's type"
        case .township: "a 9-digit township code"
        case let .code(allowed): "one of \(allowed.sorted().joined(separator: ", "))"
        case .flag: "0 or 1"
        case .wholeYuan: "whole yuan from 0 to 100,000,000"
        case .fen, .yuanReal: "an amount from 0 to 100,000,000 yuan with at most two decimals"
        case .date: "a date YYYY-MM-DD"
        case .moment: "a time like 2026-11-29T09:30:00+08:00"
        case .idNumber: "a valid resident ID number (GB 11643)"
        case .rowReference: "the id of a record"
        case let .integer(range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .address: "a 9-digit township code, a 6-digit county code, or * (the whole county)"
        case .writerSite: "the writing site's id in hex"
        case let .stationCode(all, _): "one of \(all.sorted().joined(separator: ", "))"
        case .auditSubject: "a record id or a hex site or bundle id"
        case .auditDetail: "key=value codes, numbers and ids separated by spaces (no names, no ID numbers)"
        case .millisNotAfterStamp: "a time in Unix milliseconds"
        }
    }

    static func expectationZh(_ rule: ValueRule) -> String {
        switch rule {
        case .free: "该字段类型的值"
        case .township: "9 位乡镇代码"
        case let .code(allowed): "以下之一：\(allowed.sorted().joined(separator: ", "))"
        case .flag: "0 或 1"
        case .wholeYuan: "0 至 1 亿元的整数元"
        case .fen, .yuanReal: "0 至 1 亿元、最多两位小数的金额"
        case .date: "日期 YYYY-MM-DD"
        case .moment: "时间，如 2026-11-29T09:30:00+08:00"
        case .idNumber: "有效的居民身份证号码（GB 11643）"
        case .rowReference: "记录编号"
        case let .integer(range): "\(range.lowerBound) 至 \(range.upperBound) 的整数"
        case .address: "9 位乡镇代码、6 位县级代码或 *（全县）"
        case .writerSite: "写入站点的十六进制编号"
        case let .stationCode(all, _): "以下之一：\(all.sorted().joined(separator: ", "))"
        case .auditSubject: "记录编号或十六进制站点、数据包编号"
        case .auditDetail: "以空格分隔的 key=value 代码、数字和编号（不得含姓名或身份证号）"
        case .millisNotAfterStamp: "以毫秒计的 Unix 时间"
        }
    }
}
