import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import XCTest

final class SchemaTests: XCTestCase {
    func testSchemaVersionIsTheNumberOfNamedMigrations() {
        XCTAssertEqual(CaseworkSchema.schema.version, CaseworkSchema.migrations.count)
        XCTAssertEqual(CaseworkSchema.schema.version, 5)
        XCTAssertEqual(CaseworkSchema.schema.name, "fieldsync.casework")
        XCTAssertEqual(CaseworkSchema.schema.migrationName, CaseworkSchema.migrations.last)
    }

    /// Released versions are frozen: their fingerprints are what replica files and bundles
    /// on county laptops carry, so they may never change.
    func testReleasedVersionsKeepTheirFingerprints() {
        XCTAssertEqual(Hex.encode(Replica.fingerprint(CaseworkSchema.version(2))),
                       "1fecb8f96441f9dde7134f04f6b7e464ce61752e20022838157bb34a526d7975")
        XCTAssertEqual(Hex.encode(Replica.fingerprint(CaseworkSchema.version(3))),
                       "3c5fe4fb7383450fd8aef8cf0df0e8290f49438724092c521c37ce581a73fad7")
        XCTAssertEqual(Hex.encode(Replica.fingerprint(CaseworkSchema.version(4))),
                       "0c868f035cc7e68998079cdf9144c2fea987c7d08646ff0aa6eec4105884f6c8")
        XCTAssertEqual(Hex.encode(Replica.fingerprint(CaseworkSchema.version(5))),
                       "8f660fef1bf01216954e35f2b6dd09e93666888f2dff9193c24ad2f52bb9c75c")
        XCTAssertEqual(CaseworkSchema.version(5), CaseworkSchema.schema)
        XCTAssertEqual(CaseworkSchema.schema.earlier.map(\.version), [2, 3, 4])
        XCTAssertNil(CaseworkSchema.schema.at(version: 1), "version 1 was never released")
        XCTAssertNil(CaseworkSchema.schema.at(version: 6))
    }

    /// Every step only adds: each earlier version's tables, columns, types, policies and
    /// column order are a prefix of the next version's.
    func testEachVersionOnlyAddsTablesAndColumnsToTheOneBefore() {
        let versions = CaseworkSchema.schema.earlier + [CaseworkSchema.schema]
        for (older, newer) in zip(versions, versions.dropFirst()) {
            XCTAssertEqual(newer.version, older.version + 1)
            for table in older.tables {
                guard let grown = newer.table(table.name) else { return XCTFail("v\(newer.version) lost table \(table.name)") }
                XCTAssertEqual(grown.kind, table.kind, table.name)
                XCTAssertEqual(Array(grown.columns.prefix(table.columns.count)), table.columns, "v\(newer.version) changed \(table.name)")
            }
        }
        let step = CaseworkSchema.version(3).additions(since: CaseworkSchema.version(2))
        XCTAssertEqual(step.tables.map(\.name), ["case_transfer"])
        XCTAssertTrue(step.columns.isEmpty)
        XCTAssertEqual(CaseworkSchema.caseTransfer.kind, .appendOnly)
        XCTAssertEqual(CaseworkSchema.caseTransfer.column("note")?.isPersonal, true)
        let v4 = CaseworkSchema.version(4).additions(since: CaseworkSchema.version(3))
        XCTAssertEqual(v4.tables.map(\.name), ["notice", "case_release"])
        XCTAssertTrue(v4.columns.isEmpty)
        let v5 = CaseworkSchema.version(5).additions(since: CaseworkSchema.version(4))
        XCTAssertEqual(v5.tables.map(\.name), ["audit_event", "hub_key"])
        XCTAssertTrue(v5.columns.isEmpty)
        XCTAssertEqual(CaseworkSchema.auditEvent.kind, .appendOnly)
        XCTAssertTrue(CaseworkSchema.auditEvent.columns.allSatisfy { !$0.isPersonal }, "an audit event holds no personal value")
    }

    func testV1ColumnsKeepTheirNamesTypesAndPolicies() {
        let v1: [(String, String, ColumnType, ColumnPolicy)] = [
            ("household", "township", .text, .lastWriterWins), ("household", "village", .text, .lastWriterWins),
            ("household", "address", .text, .lastWriterWins), ("household", "head_name", .text, .lastWriterWins),
            ("household", "hukou", .text, .lastWriterWins), ("household", "monthly_income", .integer, .reviewed),
            ("household", "category", .text, .reviewed), ("household", "status", .text, .reviewed),
            ("household", "next_review", .text, .lastWriterWins),
            ("member", "household_id", .text, .lastWriterWins), ("member", "name", .text, .lastWriterWins),
            ("member", "id_number", .text, .reviewed), ("member", "birth_date", .text, .lastWriterWins),
            ("member", "relation", .text, .lastWriterWins), ("member", "labour_capacity", .text, .lastWriterWins),
            ("member", "disability_grade", .integer, .lastWriterWins), ("member", "health", .text, .lastWriterWins),
            ("application", "household_id", .text, .lastWriterWins), ("application", "category", .text, .reviewed),
            ("application", "channel", .text, .lastWriterWins), ("application", "received_at", .text, .lastWriterWins),
            ("application", "emergency", .integer, .lastWriterWins), ("application", "status", .text, .reviewed),
            ("application", "amount", .real, .reviewed),
            ("visit", "household_id", .text, .lastWriterWins), ("visit", "visited_at", .text, .lastWriterWins),
            ("visit", "visitor", .text, .lastWriterWins), ("visit", "note", .text, .lastWriterWins),
        ]
        for (table, column, type, policy) in v1 {
            let c = CaseworkSchema.schema.table(table)?.column(column)
            XCTAssertEqual(c?.type, type, "\(table).\(column)")
            XCTAssertEqual(c?.policy, policy, "\(table).\(column)")
        }
        XCTAssertEqual(CaseworkSchema.visit.kind, .appendOnly)
    }

    func testEventTablesAreAppendOnlyAndStateTablesMutable() {
        let appendOnly = Set(CaseworkSchema.schema.tables.filter { $0.kind == .appendOnly }.map(\.name))
        XCTAssertEqual(appendOnly, ["economic_check", "decision", "assistance", "referral_feedback", "visit", "case_note", "case_transfer",
                                    "notice", "case_release", "audit_event", "hub_key"])
        for name in ["household", "member", "application", "referral", "review", "monitoring_flag", "spot_check", "rule_parameter"] {
            XCTAssertEqual(CaseworkSchema.schema.table(name)?.kind, .mutable, name)
        }
    }

    func testMoneyAndPersonalColumnsAreMarkedPersonal() {
        for (table, column) in [("member", "id_number"), ("member", "name"), ("household", "essential_expenses_fen"),
                                ("decision", "amount_fen"), ("assistance", "amount_fen"), ("economic_check", "deposits"),
                                ("member", "disability_type"), ("case_note", "note")] {
            XCTAssertEqual(CaseworkSchema.schema.table(table)?.column(column)?.isPersonal, true, "\(table).\(column)")
        }
        XCTAssertEqual(CaseworkSchema.household.column("essential_expenses_fen")?.policy, .reviewed)
    }

    func testEveryCheckSourceHasAColumn() {
        for source in CheckSource.allCases {
            XCTAssertNotNil(CaseworkSchema.economicCheck.column(source.column), source.rawValue)
        }
    }
}
