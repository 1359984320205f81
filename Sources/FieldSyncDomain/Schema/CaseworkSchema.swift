import FieldSyncCore

/// The case tables every replica holds, with each column's merge policy.
///
/// Version 1 was the minimal model that drove the sync engine (household, member,
/// application, visit). Version 2 is the casework domain of the Qinghai plan: economic
/// status checks (逢救必核), decisions (审核确认), assistance given (资金+实物+服务),
/// referrals and feedback (分办/转办/反馈), reviews (核查), return-to-poverty monitoring
/// flags (返贫预警), spot checks (双随机), case notes and dated rule parameters. Every v1
/// column keeps its name and type; v2 only adds columns and tables. The bundle header
/// carries ``schema``'s version and fingerprint so that replicas on different schemas
/// refuse each other's bundles instead of misreading them.
///
/// Policy choices, applied table by table below:
/// - **`reviewed`** where a silent overwrite would hurt a family or hide an error: money
///   (income, expenses, amounts), category, status, ID number, review outcome, spot-check
///   result. Concurrent writes still converge on one value, but the county sees both in
///   its conflict queue.
/// - **last-writer-wins** for descriptive columns and facts that are simply corrected
///   (address, names, flags, dates): the later correction is almost always right and a
///   conflict would only be noise.
/// - **append-only** for records of something that happened: a check is what was queried
///   that day; a decision, a payment, a visit, a referral's feedback and a note are events.
///   Replicas merge them as a union, so two stations can never overwrite each other's
///   record, and a correction is a new row (a decision `supersedes` an earlier one).
/// - **`personal`** on ID numbers, names, addresses, incomes, amounts, health, disability,
///   check results and free text: never in logs, errors or bundle headers.
///
/// Money: new columns hold integer fen and end in `_fen` (see ``Money``). Dates are
/// `YYYY-MM-DD` text (``CivilDate``), moments ISO-8601 text with offset (``Timestamp``).
public enum CaseworkSchema {
    /// The named migrations that produce this schema, oldest first; ``schema``'s version
    /// is their count, so the version in a bundle is derived from them. Frozen once
    /// released: each step only adds tables or columns (``Schema/migrating(_:addingTables:addingColumns:)``),
    /// and a change is always a new step at the end.
    public static let migrations = ["v1 minimal case tables", "v2 casework domain", "v3 case transfer",
                                    "v4 notices and case releases", "v5"]

    /// 户: a household. `township` is the township holding the case: normally where the
    /// hukou is, the place of residence for a residence-permit holder (R9).
    /// Flags that drive rules (R1/R2 review cycle, R10 urban standard) are last-writer-wins:
    /// they are assessed facts, corrected at the next assessment, and the money columns
    /// they come with are reviewed.
    public static let household = TableSchema(name: "household", columns: [
        ColumnSchema("township", .text),                 // 乡镇 administrative code, 9 digits
        ColumnSchema("village", .text),                  // 村(社区) name or code
        ColumnSchema("address", .text, personal: true),  // 住址
        ColumnSchema("head_name", .text, personal: true),// 户主姓名
        ColumnSchema("hukou", .text),                    // urban | rural
        ColumnSchema("monthly_income", .integer, policy: .reviewed, personal: true), // 家庭月收入, whole yuan (v1)
        ColumnSchema("category", .text, policy: .reviewed), // current assistance category, e.g. dibao
        ColumnSchema("status", .text, policy: .reviewed),   // active | closed
        ColumnSchema("next_review", .text),              // YYYY-MM-DD, computed by R1/R2
        // v2
        ColumnSchema("residence_permit_holder", .integer),   // 0 | 1, 持有居住证 (R9)
        ColumnSchema("long_term_urban_resident", .integer),  // 0 | 1, rural origin living long in a city (R10)
        ColumnSchema("essential_expenses_fen", .integer, policy: .reviewed, personal: true), // 刚性支出 per month
        ColumnSchema("irregular_income", .integer),          // 0 | 1, 收入来源不固定 (R2)
        ColumnSchema("member_able_to_work", .integer),       // 0 | 1, 家庭成员有劳动能力 (R2)
        ColumnSchema("created_at", .text),
    ])

    /// 成员: a member of a household. The ID number is reviewed (a wrong number sends
    /// money to the wrong person); the rest is corrected freely.
    public static let member = TableSchema(name: "member", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("name", .text, personal: true),
        ColumnSchema("id_number", .text, policy: .reviewed, personal: true), // 身份证号 (GB 11643)
        ColumnSchema("birth_date", .text, personal: true),
        ColumnSchema("relation", .text),                 // head | spouse | child | parent | grandchild | sibling | other
        ColumnSchema("labour_capacity", .text),          // full | partial | none
        ColumnSchema("disability_grade", .integer, personal: true), // 0 none, 1–4
        ColumnSchema("health", .text, personal: true),
        // v2
        ColumnSchema("sex", .text),                      // male | female
        ColumnSchema("disability_type", .text, personal: true),
        ColumnSchema("student", .integer),               // 0 | 1
        ColumnSchema("care_grade", .text),               // full | partiallyLost | completelyLost (R15)
    ])

    /// 申请: one application for one category. Category, status and amount are reviewed:
    /// the station and the county may both act on a case (R8), and their disagreement is
    /// exactly what the county must see. The status only moves forward, and on the columns
    /// a county decision covers the county's write comes first (``CaseworkStatusOrder``,
    /// ``CaseworkPrecedence``: rule M7). `replied_at` (R4) and `helped_at` (R5) stop the
    /// clocks of ``DueList``.
    public static let application = TableSchema(name: "application", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("category", .text, policy: .reviewed),
        ColumnSchema("channel", .text),                  // window | phone | hotline12349 | activeDiscovery | …
        ColumnSchema("received_at", .text),              // ISO-8601 with offset
        ColumnSchema("emergency", .integer),             // 0 | 1
        ColumnSchema("status", .text, policy: .reviewed),
        ColumnSchema("amount", .real, policy: .reviewed, personal: true), // requested, yuan (v1; ≤ 2 decimals)
        // v2
        ColumnSchema("applicant_member_id", .text),      // the person applying (needed for tekun, R3)
        ColumnSchema("replied_at", .text),               // first answer to the applicant (R4)
        ColumnSchema("helped_at", .text),                // first assistance given (R5)
        ColumnSchema("decided_at", .text),
        ColumnSchema("decided_by", .text),               // township | county
    ])

    /// 家庭经济状况核对: one completed query of the sources (逢救必核, R7). Append-only: a
    /// check is a record of what the sources said that day; a later check is a new row.
    public static let economicCheck = TableSchema(name: "economic_check", kind: .appendOnly, columns: [
        ColumnSchema("application_id", .text),
        ColumnSchema("household_id", .text),
    ] + CheckSource.allCases.map { ColumnSchema($0.column, .text, personal: true) } + [ // found | none | error | null (not queried)
        ColumnSchema("outcome", .text),                  // withinCriteria | exceedsCriteria | inconclusive
        ColumnSchema("completed_at", .text),
    ])

    /// 审核确认: a decision on an application. Append-only rather than a reviewed mutable
    /// row: the township decides at the station, the county at the hub (R8), and the
    /// county's decision reaches the station in a return bundle; as separate rows neither
    /// can silently overwrite the other, a correction `supersedes` an earlier decision, and
    /// the application's reviewed `status` surfaces concurrent decisions as a conflict.
    public static let decision = TableSchema(name: "decision", kind: .appendOnly, columns: [
        ColumnSchema("application_id", .text),
        ColumnSchema("household_id", .text),
        ColumnSchema("approve", .integer),               // 1 approve | 0 reject
        ColumnSchema("level", .text),                    // township | county
        ColumnSchema("category", .text),
        ColumnSchema("amount_fen", .integer, personal: true),
        ColumnSchema("start_date", .text),
        ColumnSchema("reasons", .text, personal: true),
        ColumnSchema("decided_at", .text),
        ColumnSchema("supersedes", .text),               // decision id, or null
    ])

    /// 资金+实物+服务: assistance given. Append-only: a payment that happened cannot be
    /// edited away; a recovery is a new row.
    public static let assistance = TableSchema(name: "assistance", kind: .appendOnly, columns: [
        ColumnSchema("application_id", .text),
        ColumnSchema("household_id", .text),
        ColumnSchema("kind", .text),                     // cash | inKind | service
        ColumnSchema("amount_fen", .integer, personal: true), // cash, or value of goods
        ColumnSchema("given_at", .text),
        ColumnSchema("delivered_by", .text),
        ColumnSchema("before_check", .integer),          // 1: paid first, checked after (R6)
        ColumnSchema("note", .text, personal: true),
    ])

    /// 分办/转办: a referral to a department, with its feedback due date (R13). Mutable
    /// (it can be withdrawn); the status is reviewed because a withdrawal racing a
    /// department's answer is worth a look; the status never goes back to `referred`
    /// (``CaseworkStatusOrder``). Feedback itself is a separate append-only row.
    public static let referral = TableSchema(name: "referral", columns: [
        ColumnSchema("application_id", .text),
        ColumnSchema("household_id", .text),
        ColumnSchema("department", .text),
        ColumnSchema("referred_at", .text),
        ColumnSchema("due_at", .text),                   // referred_at + referralFeedbackDays
        ColumnSchema("status", .text, policy: .reviewed),// referred | answered | withdrawn
    ])

    /// 反馈: a department's answer to a referral. Append-only: each answer is an event.
    public static let referralFeedback = TableSchema(name: "referral_feedback", kind: .appendOnly, columns: [
        ColumnSchema("referral_id", .text),
        ColumnSchema("received_at", .text),
        ColumnSchema("outcome", .text),                  // accepted | rejected | completed | needsInfo
        ColumnSchema("detail", .text, personal: true),
    ])

    /// 访视: a visit. Append-only: a record of something that happened is never edited.
    public static let visit = TableSchema(name: "visit", kind: .appendOnly, columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("visited_at", .text),
        ColumnSchema("visitor", .text),
        ColumnSchema("note", .text, personal: true),
    ])

    /// 核查: a periodic review (R1/R2). Mutable: scheduled first, done later. The outcome
    /// is reviewed: two caseworkers concluding differently must be seen by the county.
    public static let review = TableSchema(name: "review", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("scheduled_for", .text),            // YYYY-MM-DD
        ColumnSchema("done_on", .text),                  // YYYY-MM-DD
        ColumnSchema("outcome", .text, policy: .reviewed), // continue | adjust | terminate
        ColumnSchema("note", .text, personal: true),
    ])

    /// 返贫预警: a return-to-poverty monitoring flag on a household. The status is
    /// reviewed (clearing a flag while another station raises a risk needs a look).
    public static let monitoringFlag = TableSchema(name: "monitoring_flag", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("group_code", .text),               // unstableOutOfPoverty | marginalAtRisk | ruralLowIncome
        ColumnSchema("risk", .text, personal: true),     // majorIllness, disaster, incomeDrop, …
        ColumnSchema("raised_at", .text),
        ColumnSchema("cleared_at", .text),
        ColumnSchema("status", .text, policy: .reviewed),// open | cleared
    ])

    /// 双随机、一公开: a case drawn for a spot check, and its result. Mutable: drawn at the
    /// hub, result filled in later; the result is reviewed.
    public static let spotCheck = TableSchema(name: "spot_check", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("application_id", .text),
        ColumnSchema("drawn_at", .text),
        ColumnSchema("seed", .text),                     // the draw's seed, so it can be replayed
        ColumnSchema("inspector", .text),
        ColumnSchema("result", .text, policy: .reviewed),// ok | issue
        ColumnSchema("issues", .text, personal: true),
    ])

    /// A case note. Append-only, like a paper file's pages.
    public static let caseNote = TableSchema(name: "case_note", kind: .appendOnly, columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("application_id", .text),
        ColumnSchema("written_at", .text),
        ColumnSchema("author", .text),
        ColumnSchema("note", .text, personal: true),
    ])

    /// A rule parameter in force from a date (R14: standards are data, not constants).
    /// Written at the hub only (the service refuses on a station) and replicated to every
    /// station. Mutable last-writer-wins with the row id `param:<name>:<date>`, so setting
    /// the same name and date again corrects that row instead of adding an ambiguous twin;
    /// with one writer there is nothing to review.
    public static let ruleParameter = TableSchema(name: "rule_parameter", columns: [
        ColumnSchema("name", .text),
        ColumnSchema("effective_from", .text),           // YYYY-MM-DD
        ColumnSchema("value", .text),                    // decimal text in the parameter's unit
        ColumnSchema("note", .text),
    ])

    /// 转移: a case moved from one township to another (R9: the township of the hukou or of
    /// residence holds the case). Recorded by the hub, which decides transfers; append-only
    /// because a transfer is an event: moving a case back is a new row. The household's
    /// `township` column is what the rules read; this table is the record of why and when
    /// it changed. Added in version 3.
    public static let caseTransfer = TableSchema(name: "case_transfer", kind: .appendOnly, columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("from_township", .text),            // 乡镇代码 before
        ColumnSchema("to_township", .text),              // 乡镇代码 after
        ColumnSchema("transferred_at", .text),           // ISO-8601 with offset
        ColumnSchema("note", .text, personal: true),
        ColumnSchema("decided_by", .text),               // who decided, e.g. county
    ])

    /// 通知: a notice from the county hub to one station, delivered with that station's scope
    /// (its `township`): an edit of the station's that was overruled or is under review, a
    /// conflict resolved, a case transferred in or out, a possible duplicate applicant, a
    /// county decision that took precedence. Append-only and written by the hub only: a
    /// notice is an event, and a station cannot send one. `detail` is words for the
    /// caseworker (Chinese and English) and never holds a personal value; the case is named
    /// by its row id. Added in version 4.
    public static let notice = TableSchema(name: "notice", kind: .appendOnly, columns: [
        ColumnSchema("township", .text),                 // the station it is for (乡镇代码)
        ColumnSchema("household_id", .text),             // the case concerned, or null
        ColumnSchema("kind", .text),                     // NoticeKind
        ColumnSchema("subject_table", .text),            // the record concerned, when one is
        ColumnSchema("subject_row", .text),
        ColumnSchema("subject_column", .text),
        ColumnSchema("detail", .text),                   // bilingual words, no personal value
        ColumnSchema("reference", .text),                // conflict number, transfer id, duplicate group
        ColumnSchema("created_at", .text),               // ISO-8601 with offset
    ])

    /// 移交确认: a station's record that it learned of a transfer of one of its cases away
    /// and removed the case from its replica. Its place in the station's own numbering is
    /// what lets the hub tell the station's edits made while the case was still its own
    /// (accepted, whenever they arrive) from edits made afterwards (refused). Append-only,
    /// written by stations. Added in version 4.
    public static let caseRelease = TableSchema(name: "case_release", kind: .appendOnly, columns: [
        ColumnSchema("household_id", .text),             // the case transferred away
        ColumnSchema("transfer_id", .text),              // the case_transfer row it answers
        ColumnSchema("township", .text),                 // the releasing station's township
        ColumnSchema("released_at", .text),              // ISO-8601 with offset
    ])

    /// 审计日志: one act of trust, of sync or of the county on a case, in every replica
    /// (`AuditLog`): who enrolled, revoked, imported, merged, resolved, transferred or
    /// decided, and when. Append-only: an audit record that could be edited would prove
    /// nothing; no replica updates or deletes one, and the hub refuses a station's attempt at
    /// merge (A3). Addressed like a notice, by `township`: an event reaches the hub and the
    /// station of that township; `*` is county-wide (every replica, hub-level acts such as a
    /// key rotation). A station writes only events of its own (`actor_site` is the site that
    /// wrote the row, A1) about its own township (P4). `subject` names a row, a site or a
    /// bundle by id and `detail` holds codes and counts: neither ever holds a personal value.
    /// Not case data, so not in the state digest (M6): replicas with the same cases have
    /// recorded different acts. Added in version 5.
    public static let auditEvent = TableSchema(name: "audit_event", kind: .appendOnly, columns: [
        ColumnSchema("township", .text),                 // 乡镇代码 it concerns, a county code, or * (county-wide)
        ColumnSchema("at", .integer),                    // the writer's wall clock, Unix milliseconds
        ColumnSchema("actor_site", .text),               // the site that wrote it, hex
        ColumnSchema("actor_name", .text),               // the station's or hub's name, or the operator (--by)
        ColumnSchema("action", .text),                   // AuditAction
        ColumnSchema("subject", .text),                  // a row id, a site (hex) or a bundle id (hex)
        ColumnSchema("detail", .text),                   // codes and counts, e.g. changes=12 conflicts=1
    ], inDigest: false)

    /// 县级中心密钥: the county hub's announcement of its new keys (hub key rotation,
    /// sync-protocol.md "Hub key rotation"). Written by the hub only, append-only (an
    /// announcement is an event; a later rotation is a new row), county-wide: every station
    /// receives it in its return bundles. `signature` is the previous signing key's Ed25519
    /// signature over a fixed label, `hub_site` and the two new keys and `issued_at`
    /// (``HubKeyAnnouncement`` in FieldSyncSync); a station switches to the new keys only
    /// when the signatures lead there from the key it trusts. Keys are hex, never secret.
    /// Added in version 5.
    public static let hubKey = TableSchema(name: "hub_key", kind: .appendOnly, columns: [
        ColumnSchema("hub_site", .text),                 // the hub's site id, hex
        ColumnSchema("signing_key", .text),              // new Ed25519 public key, hex
        ColumnSchema("agreement_key", .text),            // new X25519 public key, hex
        ColumnSchema("issued_at", .text),                // ISO-8601 with offset
        ColumnSchema("previous_signing_key", .text),     // the key it replaces, hex
        ColumnSchema("signature", .text),                // by previous_signing_key, hex
    ])

    /// Version 2, the first released schema (frozen: its fingerprint is what every v2
    /// replica file and bundle carries).
    static let version2 = Schema(name: "fieldsync.casework", version: 2,
                                 tables: [household, member, application, economicCheck, decision, assistance,
                                          referral, referralFeedback, visit, review, monitoringFlag, spotCheck,
                                          caseNote, ruleParameter])

    /// The schema of this release: version 5, with every released version before it in
    /// ``Schema/earlier``.
    public static let schema: Schema = {
        let latest = version2.migrating(migrations[2], addingTables: [caseTransfer])
            .migrating(migrations[3], addingTables: [notice, caseRelease])
            .migrating(migrations[4], addingTables: [auditEvent, hubKey])
        precondition(latest.version == migrations.count, "CaseworkSchema.migrations and the schema's versions disagree")
        return latest
    }()

    /// The casework schema as released at `version` (2, 3, 4 or 5), with the versions before it:
    /// what the FieldSync of that release knew. Tests pass an older one to ``Station`` or
    /// ``Hub`` to play a laptop that has not been upgraded yet.
    public static func version(_ version: Int) -> Schema {
        guard let schema = schema.at(version: version) else {
            preconditionFailure("casework schema version \(version) was never released (released: \(schema.oldest.version)–\(schema.version))")
        }
        return schema
    }
}
