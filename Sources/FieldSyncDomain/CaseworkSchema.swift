import FieldSyncCore

/// The case tables every replica holds, with each column's merge policy.
///
/// This is the minimal casework model that drives the sync engine: a household (户), its
/// members (成员), its applications for assistance (申请) and visits (访视). The full
/// provincial model grows from here, one named migration at a time; the bundle header
/// carries ``schema``'s version and fingerprint so that replicas on different schemas
/// refuse each other's bundles instead of misreading them.
///
/// Policy choices:
/// - Columns whose silent overwrite would hurt a family or hide an error are `reviewed`:
///   income, assistance category, application status and decision, ID number. Two
///   caseworkers changing one of them concurrently still converge on one value, but the
///   hub's operator sees both in the conflict queue.
/// - Descriptive columns (address, village, names, notes) are last-writer-wins: the later
///   correction is almost always the right one and a conflict would only be noise.
/// - Visits are append-only: a record of something that happened is never edited, so
///   replicas merge visits as a union and refuse edits and deletes of them.
/// - Columns with personal data (ID number, income, birth date, health, disability) are
///   marked `personal`: they never appear in logs, errors or bundle headers.
public enum CaseworkSchema {
    public static let household = TableSchema(name: "household", columns: [
        ColumnSchema("township", .text),                 // 乡镇 administrative code, 9 digits
        ColumnSchema("village", .text),                  // 村(社区) name or code
        ColumnSchema("address", .text, personal: true),  // 住址
        ColumnSchema("head_name", .text, personal: true),// 户主姓名
        ColumnSchema("hukou", .text),                    // urban | rural
        ColumnSchema("monthly_income", .integer, policy: .reviewed, personal: true), // 家庭月收入, yuan
        ColumnSchema("category", .text, policy: .reviewed), // current assistance category, e.g. dibao
        ColumnSchema("status", .text, policy: .reviewed),   // active | closed
        ColumnSchema("next_review", .text),              // YYYY-MM-DD
    ])

    public static let member = TableSchema(name: "member", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("name", .text, personal: true),
        ColumnSchema("id_number", .text, policy: .reviewed, personal: true), // 身份证号 (GB 11643)
        ColumnSchema("birth_date", .text, personal: true),
        ColumnSchema("relation", .text),                 // head | spouse | child | parent | other
        ColumnSchema("labour_capacity", .text),          // full | partial | none
        ColumnSchema("disability_grade", .integer, personal: true), // 0 none, 1–4
        ColumnSchema("health", .text, personal: true),
    ])

    public static let application = TableSchema(name: "application", columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("category", .text, policy: .reviewed),
        ColumnSchema("channel", .text),                  // window | phone | hotline12349 | activeDiscovery | …
        ColumnSchema("received_at", .text),              // ISO-8601
        ColumnSchema("emergency", .integer),             // 0 | 1
        ColumnSchema("status", .text, policy: .reviewed),
        ColumnSchema("amount", .real, policy: .reviewed, personal: true), // yuan per month or once
    ])

    public static let visit = TableSchema(name: "visit", kind: .appendOnly, columns: [
        ColumnSchema("household_id", .text),
        ColumnSchema("visited_at", .text),
        ColumnSchema("visitor", .text),
        ColumnSchema("note", .text, personal: true),
    ])

    /// The schema of this release: version 1.
    public static let schema = Schema(name: "fieldsync.casework", version: 1,
                                      tables: [household, member, application, visit])
}
