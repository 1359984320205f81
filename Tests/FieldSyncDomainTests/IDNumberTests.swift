import FieldSyncDomain
import XCTest

final class IDNumberTests: XCTestCase {
    func testGB11643WorkedExamplesAreValid() throws {
        for id in ["632221195803141232", "630122201209070467", "632126198306220351", "632521201504030182", "639900197601010017"] {
            XCTAssertNoThrow(try IDNumber(id), id)
        }
        XCTAssertEqual(try IDNumber("632221195803141232").birthDate, day("1958-03-14"))
        XCTAssertEqual(try IDNumber("632221195803141232").sex, .male)
        XCTAssertEqual(try IDNumber("630122201209070467").sex, .female)
    }

    func testGB11643SyntheticArea639900IsValidFormatWise() throws {
        XCTAssertNoThrow(try IDNumber(syntheticID(born: "2008-02-29")))
    }

    func testGB11643WrongCheckDigitIsRefused() {
        XCTAssertCaseworkError(.idNumberCheckDigit(field: "id_number")) { try IDNumber("639900197601010018") }
    }

    func testGB11643ImpossibleBirthDateIsRefused() {
        XCTAssertCaseworkError(.idNumberBirthDate(field: "id_number")) { try IDNumber(syntheticID(born: "1976-02-30")) }
        XCTAssertCaseworkError(.idNumberBirthDate(field: "id_number")) { try IDNumber(syntheticID(born: "2009-02-29")) }
        XCTAssertCaseworkError(.idNumberBirthDate(field: "id_number")) { try IDNumber(syntheticID(born: "1976-13-01")) }
    }

    func testGB11643WrongLengthIsRefused() {
        XCTAssertCaseworkError(.idNumberLength(field: "id_number")) { try IDNumber("63990019760101001") }
        XCTAssertCaseworkError(.idNumberLength(field: "id_number")) { try IDNumber("6399001976010100171") }
        XCTAssertCaseworkError(.idNumberLength(field: "id_number")) { try IDNumber("639900760101001") } // old 15-digit form
        XCTAssertCaseworkError(.missing(field: "id_number")) { try IDNumber("") }
    }

    func testGB11643CharactersOtherThanDigitsAndFinalXAreRefused() {
        XCTAssertCaseworkError(.idNumberCharacters(field: "id_number")) { try IDNumber("63990019760101X017") }
        XCTAssertCaseworkError(.idNumberCharacters(field: "id_number")) { try IDNumber("６３９９００197601010017") }
        XCTAssertCaseworkError(.idNumberAreaCode(field: "id_number")) { try IDNumber("009900197601010017") }
    }

    func testGB11643LowercaseXIsAcceptedAndStoredUppercase() throws {
        var sequence = 0
        var id = ""
        repeat { sequence += 1; id = syntheticID(born: "1980-05-05", sequence: String(format: "%03d", sequence)) } while !id.hasSuffix("X")
        let lower = String(id.dropLast()) + "x"
        XCTAssertEqual(try IDNumber(lower).text, id)
    }

    func testIDNumberDescriptionNeverShowsTheNumber() throws {
        XCTAssertFalse(String(describing: try IDNumber("639900197601010017")).contains("639900"))
    }
}
