import FieldSyncDomain
@testable import FieldSyncSync
import Foundation
import XCTest

final class SchemaDocumentTests: XCTestCase {
    /// Protocol/schema.md lists the schema version, tables and policies that bundles carry;
    /// it must be exactly what the code declares.
    func testProtocolSchemaDocumentMatchesTheCode() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Protocol/schema.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        XCTAssertEqual(committed, SchemaDocument.markdown(CaseworkSchema.schema, migrations: CaseworkSchema.migrations),
                       "run `swift run fieldsync schema --markdown > Protocol/schema.md`")
    }
}
