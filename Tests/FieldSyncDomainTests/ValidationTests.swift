import FieldSyncDomain
import XCTest

final class ValidationTests: XCTestCase {
    func testDatesAreStrictYYYYMMDD() {
        XCTAssertEqual(CivilDate("2026-07-01"), CivilDate(year: 2026, month: 7, day: 1))
        XCTAssertEqual(CivilDate("2024-02-29")?.description, "2024-02-29")
        for bad in ["2026-7-1", "2026/07/01", "2025-02-29", "2026-04-31", "20260701", "2026-07-01 ", "２026-07-01", ""] {
            XCTAssertNil(CivilDate(bad), bad)
        }
    }

    func testDateArithmeticClampsToMonthEndAndCrossesYears() {
        XCTAssertEqual(day("2026-08-31").adding(months: 6), day("2027-02-28"))
        XCTAssertEqual(day("2027-08-31").adding(months: 6), day("2028-02-29"))
        XCTAssertEqual(day("2026-12-15").adding(months: 12), day("2027-12-15"))
        XCTAssertEqual(day("2026-12-31").adding(days: 1), day("2027-01-01"))
        XCTAssertEqual(CivilDate(daysSinceEpoch: day("1958-03-14").daysSinceEpoch), day("1958-03-14"))
    }

    func testTimestampsNeedAnOffsetAndKeepIt() {
        let t = Timestamp("2026-11-29T09:30:00+08:00")
        XCTAssertEqual(t?.description, "2026-11-29T09:30:00+08:00")
        XCTAssertEqual(t, Timestamp("2026-11-29T01:30:00Z"))
        XCTAssertEqual(Timestamp("2026-11-29T23:30:00-02:00")?.localDate, day("2026-11-29"))
        XCTAssertEqual(Timestamp("2026-11-29T00:30:00+08:00")?.localDate, day("2026-11-29"))
        for bad in ["2026-11-29T09:30:00", "2026-11-29 09:30:00+08:00", "2026-11-29T24:00:00+08:00", "2026-11-31T09:30:00+08:00",
                    "2026-11-29T09:30+08:00", "2026-11-29T09:30:00+0800"] {
            XCTAssertNil(Timestamp(bad), bad)
        }
    }

    func testAmountsAreYuanWithAtMostTwoDecimalsStoredAsFen() {
        XCTAssertEqual(Money(yuanText: "1200")?.fen, 120_000)
        XCTAssertEqual(Money(yuanText: "1200.5")?.fen, 120_050)
        XCTAssertEqual(Money(yuanText: "0.01")?.fen, 1)
        XCTAssertEqual(Money(yuanText: "0")?.fen, 0)
        XCTAssertEqual(Money(fen: 120_050).description, "1200.50")
        XCTAssertEqual(Money(yuanReal: Money(yuanText: "1999.99")!.yuanReal).fen, 199_999)
        for bad in ["-1", "1.234", "1,200", "1.", ".5", "", "1e3", "12 00", "100000001"] {
            XCTAssertNil(Money(yuanText: bad), bad)
        }
    }

    func testTownshipCodesAreNineDigits() {
        XCTAssertTrue(TownshipCode.isValid("630122100"))
        XCTAssertFalse(TownshipCode.isValid("63012210"))
        XCTAssertFalse(TownshipCode.isValid("6301221000"))
        XCTAssertFalse(TownshipCode.isValid("63012210a"))
        XCTAssertThrowsError(try TownshipCode.validated("123", field: "township")) {
            XCTAssertEqual($0 as? CaseworkError, .invalidTownshipCode(field: "township"))
        }
    }

    func testEnumerationsAcceptOnlyTheirCodesAndListThemInTheError() {
        XCTAssertEqual(try ApplicationChannel.parse("hotline12349", field: "channel"), .hotline12349)
        XCTAssertEqual(try Department.parse("redCross", field: "department"), .redCross)
        XCTAssertEqual(try AssistanceKind.parse("inKind", field: "kind"), .inKind)
        XCTAssertEqual(try LabourCapacity.parse("none", field: "labour_capacity"), LabourCapacity.none)
        XCTAssertThrowsError(try AssistanceCategory.parse("Dibao", field: "category")) { error in
            guard case let .notAChoice(field, allowed)? = error as? CaseworkError else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "category")
            XCTAssertTrue(allowed.contains("dibao"))
            XCTAssertTrue(String(describing: error).contains("dibao"))
        }
        XCTAssertThrowsError(try ApplicationChannel.parse("", field: "channel")) {
            XCTAssertEqual($0 as? CaseworkError, .missing(field: "channel"))
        }
    }

    /// Every message names its field, has a Chinese and an English part, and never repeats the value.
    func testMessagesAreBilingualNameTheFieldAndNeverRepeatTheValue() {
        let cases: [(input: String, error: CaseworkError?)] = [
            ("639900197601010018", catching { try IDNumber("639900197601010018") }),
            ("6399001976010100", catching { try IDNumber("6399001976010100") }),
            (syntheticID(born: "1976-02-30"), catching { try IDNumber(syntheticID(born: "1976-02-30")) }),
            ("63990019760101001Y", catching { try IDNumber("63990019760101001Y") }),
            ("2026-02-30", catching { try makeCasework(role: .hub).setParameter("temporaryReplyHours", effectiveFrom: "2026-02-30", value: "6") }),
            ("-37.123", catching { try RuleParameter.smallAmountPayFirstCeilingYuan.parseValue("-37.123", field: "value") }),
            ("12345", catching { try TownshipCode.validated("12345", field: "township") }),
            ("bogus", catching { try AssistanceCategory.parse("bogus", field: "category") }),
        ]
        for (input, error) in cases {
            guard let error else { XCTFail("no error for a bad input"); continue }
            let message = error.description
            XCTAssertFalse(message.contains(input), "message repeats the value: \(message)")
            XCTAssertTrue(message.contains(" / "), message)
            XCTAssertTrue(message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "no Chinese: \(message)")
            XCTAssertTrue(message.contains("field "), "no field name: \(message)")
        }
        let r7 = CaseworkError.economicCheckRequired(category: "dibao").description
        XCTAssertTrue(r7.contains("逢救必核") && r7.contains("cannot be approved without a completed economic status check"), r7)
        XCTAssertEqual(CaseworkError.idNumberCheckDigit(field: "id_number").description,
                       "身份证号校验位不正确，请核对后重新输入 / field id_number: the check digit is wrong; check the number and enter it again")
    }

    private func catching(_ body: () throws -> Any) -> CaseworkError? {
        do { _ = try body(); return nil } catch { return error as? CaseworkError }
    }
}
