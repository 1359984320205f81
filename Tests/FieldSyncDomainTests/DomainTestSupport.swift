import FieldSyncDomain
import FieldSyncStore
import FieldSyncTestSupport
import Foundation
import XCTest

/// A moment from its ISO-8601 text; fails the test on a typo.
func moment(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Date {
    guard let t = Timestamp(text) else { XCTFail("bad test timestamp \(text)", file: file, line: line); return Date(timeIntervalSince1970: 0) }
    return t.date
}

func day(_ text: String) -> CivilDate { CivilDate(text)! }

/// A synthetic GB 11643 number in the non-existent area 639900 for a birth date.
func syntheticID(born: String, sequence: String = "123") -> String {
    let body = "639900" + born.replacingOccurrences(of: "-", with: "") + sequence
    return body + String(IDNumber.checkCharacter(body))
}

let stationSite = SiteID(hex: "0a0b0c0d0e0f00112233445566778899")!
let hubSite = SiteID(hex: "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")!

/// The machine's "now" the domain tests run at (fixed, so that tests of 2027 reviews stay valid).
let testNow = Date(timeIntervalSince1970: 1_830_268_800) // 2028-01-01T00:00:00+08:00

func makeCasework(role: ReplicaRole = .station, now: Date = testNow) throws -> Casework {
    let clock = ManualClock()
    let replica = try Replica.inMemory(schema: CaseworkSchema.schema, siteID: role == .hub ? hubSite : stationSite,
                                       name: role == .hub ? "县中心" : "鲁沙尔镇", role: role, wallClock: clock.wallClock())
    return Casework(replica: replica, now: { now })
}

/// Asserts that `body` throws exactly `expected`.
func XCTAssertCaseworkError<T>(_ expected: CaseworkError, _ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected \(expected)", file: file, line: line)
    } catch {
        XCTAssertEqual(error as? CaseworkError, expected, file: file, line: line)
    }
}

extension Casework {
    /// A rural household in a synthetic township, with one member of the given birth date.
    func sampleHousehold(born: String = "1976-01-01", labour: String = "full", irregularIncome: Bool = false,
                         memberAbleToWork: Bool = false, residencePermit: Bool = false,
                         at: Date = moment("2026-06-01T09:00:00+08:00")) throws -> (household: String, member: String) {
        let h = try addHousehold(HouseholdInput(township: "630122100", village: "甲村", address: "甲村1号", headName: "马某",
                                                hukou: "rural", residencePermitHolder: residencePermit,
                                                monthlyIncomeYuan: "300", irregularIncome: irregularIncome,
                                                memberAbleToWork: memberAbleToWork), at: at)
        let m = try addMember(household: h, MemberInput(name: "马某", idNumber: syntheticID(born: born), relation: "head",
                                                        labourCapacity: labour), at: at)
        return (h, m)
    }
}
