import FieldSyncCore
import XCTest

/// ``ChangeDecoder`` reuses names and site ids whose bytes repeat; it must decode and
/// reject exactly like ``Change/decode(from:)``.
final class ChangeDecoderTests: XCTestCase {
    let a = SiteID(bytes: Array(repeating: 1, count: 16))!
    let b = SiteID(bytes: Array(repeating: 2, count: 16))!

    func encode(_ changes: [Change]) -> [UInt8] {
        var w = ByteWriter()
        for c in changes { c.encode(into: &w) }
        return w.bytes
    }

    func testARunWithRepeatsDecodesToEqualChanges() throws {
        var changes: [Change] = []
        var seq: UInt64 = 0
        for row in 0..<5 {
            for (i, column) in ["address", "monthly_income", "人口", "address"].enumerated() {
                seq += 1
                changes.append(.set(row % 2 == 0 ? "household" : "visit", "h\(row)", column, .text("v\(row)-\(i)"),
                                    stamp: HybridTimestamp(rawValue: seq), origin: row % 3 == 0 ? a : b, sequence: seq,
                                    base: i == 1 ? CellVersion(stamp: HybridTimestamp(rawValue: 7), site: row % 2 == 0 ? a : b) : nil))
            }
            seq += 1
            changes.append(.delete("household", "h\(row)", stamp: HybridTimestamp(rawValue: seq), origin: a, sequence: seq))
        }
        var r = ByteReader(encode(changes))
        var decoder = ChangeDecoder()
        var decoded: [Change] = []
        while r.remaining > 0 { decoded.append(try decoder.decode(from: &r)) }
        XCTAssertEqual(decoded, changes)
        XCTAssertEqual(encode(decoded), encode(changes))
    }

    /// Table, row id and column names reach refusal messages ("table X has no column Y"):
    /// read from a bundle, one holding a line break or an escape sequence is refused, even
    /// after a clean record with the same table (so not skipped by the reuse of names). A
    /// replica's own log, which an earlier release may have written with one, still reads.
    func testATableOrColumnNameHoldingAControlCharacterIsRefusedWhenReadFromABundleToAHub() throws {
        let clean = Change.set("household", "h1", "address", .integer(1), stamp: HybridTimestamp(rawValue: 1), origin: a, sequence: 1)
        for (what, mutate) in [("change table", { (c: inout Change) in c.table = "household\u{1B}[2K" }),
                               ("change column", { (c: inout Change) in c.column = "address\u{85}" })] {
            var bad = clean
            bad.sequence = 2
            mutate(&bad)
            var log = ByteReader(encode([clean, bad]))
            var logDecoder = ChangeDecoder()
            XCTAssertEqual([try logDecoder.decode(from: &log), try logDecoder.decode(from: &log)], [clean, bad])
            var r = ByteReader(encode([clean, bad]))
            var decoder = ChangeDecoder(refusingControlCharacters: true)
            XCTAssertEqual(try decoder.decode(from: &r), clean)
            XCTAssertThrowsError(try decoder.decode(from: &r)) { error in
                guard case DecodingError.invalid(what: what, reason: let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("control character"), reason)
            }
        }
    }

    /// Whether a row id may hold one depends on who wrote it (a county hub relays rows an
    /// earlier release merged), which the receiver's store decides, not the decoder.
    func testARowIDHoldingAControlCharacterIsLeftToTheReceiversStore() throws {
        let change = Change.set("household", "h\n1\u{0}", "address", .integer(1), stamp: HybridTimestamp(rawValue: 1), origin: a, sequence: 1)
        var r = ByteReader(encode([change]))
        var decoder = ChangeDecoder(refusingControlCharacters: true)
        XCTAssertEqual(try decoder.decode(from: &r), change)
    }

    func testAnEmptyColumnSeenInADeleteIsStillRefusedInACellWrite() throws {
        let delete = Change.delete("household", "h1", stamp: HybridTimestamp(rawValue: 1), origin: a, sequence: 1)
        var set = Change.set("household", "h1", "address", .integer(1), stamp: HybridTimestamp(rawValue: 2), origin: a, sequence: 2)
        set.column = ""
        var r = ByteReader(encode([delete, set]))
        var decoder = ChangeDecoder()
        XCTAssertEqual(try decoder.decode(from: &r), delete)
        XCTAssertThrowsError(try decoder.decode(from: &r)) { error in
            XCTAssertEqual(error as? DecodingError, .invalid(what: "change column", reason: "empty in a cell write"))
        }
    }

    func testTruncatedAndMalformedRecordsAreRejectedAfterARepeat() throws {
        let c = Change.set("household", "h1", "address", .text("x"), stamp: HybridTimestamp(rawValue: 1), origin: a, sequence: 1)
        let one = encode([c])
        for cut in 1..<one.count {
            var r = ByteReader(one + one.prefix(cut))
            var decoder = ChangeDecoder()
            XCTAssertEqual(try decoder.decode(from: &r), c)
            var fresh = ByteReader(Array(one.prefix(cut)))
            XCTAssertThrowsError(try Change.decode(from: &fresh))
            XCTAssertThrowsError(try decoder.decode(from: &r), "cut at \(cut)")
        }
        var bad = one
        bad[bad.count - 1] = 2 // base flag
        var r = ByteReader(one + bad)
        var decoder = ChangeDecoder()
        _ = try decoder.decode(from: &r)
        XCTAssertThrowsError(try decoder.decode(from: &r))
    }
}
