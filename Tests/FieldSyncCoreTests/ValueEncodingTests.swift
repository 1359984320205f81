import FieldSyncCore
import XCTest

final class ValueEncodingTests: XCTestCase {
    func roundTrip(_ v: Value, file: StaticString = #filePath, line: UInt = #line) throws {
        let decoded = try Value.decode(encoded: v.encoded)
        XCTAssertEqual(decoded, v, file: file, line: line)
        XCTAssertEqual(decoded.encoded, v.encoded, file: file, line: line)
    }

    func testEveryValueRoundTripsBitForBit() throws {
        for v: Value in [
            .null, .integer(.min), .integer(.max), .integer(0), .integer(-1),
            .real(-0.0), .real(0.0), .real(.infinity), .real(-.greatestFiniteMagnitude), .real(.leastNonzeroMagnitude),
            .real(Double(bitPattern: 0x7FF8_0000_0000_1234)),
            .text(""), .text("西宁市湟中区鲁沙尔镇"), .text("བཀྲ་ཤིས་བདེ་ལེགས།"), .blob([]), .blob([0, 255, 1]),
        ] { try roundTrip(v) }
    }

    func testNegativeZeroIsNotEqualToZero() {
        XCTAssertNotEqual(Value.real(-0.0), .real(0.0))
    }

    func testTextIsComparedByBytesNotByCanonicalEquivalence() {
        let composed = Value.text("\u{00E9}")
        let decomposed = Value.text("e\u{0301}")
        XCTAssertNotEqual(composed, decomposed)
        XCTAssertNotEqual(composed.encoded, decomposed.encoded)
    }

    func testInvalidUTF8TextIsRejected() {
        XCTAssertThrowsError(try Value.decode(encoded: [3, 0, 0, 0, 1, 0xFF]))
    }

    func testLeftoverBytesAreRejected() {
        XCTAssertThrowsError(try Value.decode(encoded: [0, 0]))
    }

    func testOversizedLengthIsRejectedBeforeAllocating() {
        XCTAssertThrowsError(try Value.decode(encoded: [4, 0xFF, 0xFF, 0xFF, 0xFF])) { error in
            guard case .tooLarge = error as? DecodingError else { return XCTFail("\(error)") }
        }
    }

    func testChangeRecordRoundTrips() throws {
        let site = SiteID(bytes: Array(0..<16))!
        let c = Change.set("household", "h1", "address", .text("鲁沙尔镇"), stamp: HybridTimestamp(millis: 5, counter: 1),
                           origin: site, sequence: 9, base: CellVersion(stamp: .zero, site: site))
        var w = ByteWriter()
        c.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try Change.decode(from: &r), c)
        try r.finish("record")
    }

    func testDeleteCarryingAValueIsRejected() {
        let site = SiteID(bytes: Array(0..<16))!
        var c = Change.delete("household", "h1", stamp: .zero, origin: site, sequence: 1)
        c.value = .integer(1)
        var w = ByteWriter()
        c.encode(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertThrowsError(try Change.decode(from: &r))
    }
}

final class ColumnSchemaTests: XCTestCase {
    func testColumnsAcceptNullOrTheirOwnTypeOnly() {
        let income = ColumnSchema("monthly_income", .integer)
        XCTAssertTrue(income.accepts(.null))
        XCTAssertTrue(income.accepts(.integer(1200)))
        XCTAssertFalse(income.accepts(.real(1200)))
        XCTAssertFalse(income.accepts(.text("1200")))
    }

    func testTextWithANulCharacterIsRefusedBecauseSQLiteCouldNotReturnItWhole() {
        let address = ColumnSchema("address", .text)
        XCTAssertTrue(address.accepts(.text("阳坡村3社")))
        XCTAssertFalse(address.accepts(.text("阳坡村\u{0}3社")))
    }
}
