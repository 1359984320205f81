import FieldSyncCore
import FieldSyncStore
import Foundation

/// Households (户) and their members (成员): registration, edits, reading back.
extension Casework {
    /// Records a new household registered at `at` (`created_at`); returns its id.
    @discardableResult
    public func addHousehold(_ input: HouseholdInput, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        var values = try Self.householdValues(HouseholdChanges(
            township: input.township, village: input.village, address: input.address, headName: input.headName,
            hukou: input.hukou, residencePermitHolder: input.residencePermitHolder,
            longTermUrbanResident: input.longTermUrbanResident, monthlyIncomeYuan: input.monthlyIncomeYuan,
            essentialExpensesYuan: input.essentialExpensesYuan, irregularIncome: input.irregularIncome,
            memberAbleToWork: input.memberAbleToWork))
        // A new row records its optional text fields too (as null when not given).
        values["village"] = values["village"] ?? .null
        values["address"] = values["address"] ?? .null
        values["head_name"] = values["head_name"] ?? .null
        values["status"] = .text("active")
        values["created_at"] = .text(when.description)
        return try insert("household", values)
    }

    /// Changes the given fields of a household (nil leaves a field as it is), as of `at`,
    /// the moment the form was filled in (not before the household was registered). The
    /// next review (R1/R2) follows the new flags from `at`'s date.
    public func editHousehold(_ id: String, _ changes: HouseholdChanges, at: Date) throws(CaseworkError) {
        let when = try moment(at)
        try requireHouseholdExisted(try requireRow("household", id), at: when)
        let values = try Self.householdValues(changes)
        guard !values.isEmpty else { return }
        try write("household", id, values)
        try updateNextReview(household: id, changedAt: when)
    }

    /// The validated column values of the given household fields: one mapping for
    /// registration and edits, so both check a field the same way.
    static func householdValues(_ changes: HouseholdChanges) throws(CaseworkError) -> [String: Value] {
        var values: [String: Value] = [:]
        if let v = changes.township { values["township"] = .text(try TownshipCode.validated(v, field: "township")) }
        if let v = changes.hukou { values["hukou"] = .text(try UrbanRural.parse(v, field: "hukou").rawValue) }
        if let v = changes.village { values["village"] = .optionalText(v) }
        if let v = changes.address { values["address"] = .optionalText(v) }
        if let v = changes.headName { values["head_name"] = .optionalText(v) }
        if let v = changes.residencePermitHolder { values["residence_permit_holder"] = .flag(v) }
        if let v = changes.longTermUrbanResident { values["long_term_urban_resident"] = .flag(v) }
        if let v = changes.irregularIncome { values["irregular_income"] = .flag(v) }
        if let v = changes.memberAbleToWork { values["member_able_to_work"] = .flag(v) }
        if let v = changes.monthlyIncomeYuan { values["monthly_income"] = .integer(try Self.wholeYuan(v, field: "monthly_income")) }
        if let v = changes.essentialExpensesYuan { values["essential_expenses_fen"] = .integer(try Self.money(v, field: "essential_expenses").fen) }
        return values
    }

    public func household(_ id: String) throws(CaseworkError) -> Household? {
        try wrap { () throws(StoreError) in try replica.row(table: "household", rowID: id) }.map { Household(RowValues($0)) }
    }

    public func households() throws(CaseworkError) -> [Household] {
        try rows("household").map(Household.init)
    }

    /// Adds a member as of `at`, the moment the form was filled in (not before the
    /// household was registered). The ID number is checked (GB 11643) and must agree with
    /// the birth date, from which the birth date and sex are taken when not given; a birth
    /// date after `at`'s date is refused. A member's labour capacity is an input of the
    /// household's review cycle (R2), so its next review follows from `at`'s date.
    @discardableResult
    public func addMember(household: String, _ input: MemberInput, at: Date) throws(CaseworkError) -> String {
        let when = try moment(at)
        try requireHouseholdExisted(try requireRow("household", household), at: when)
        guard !input.name.isEmpty else { throw .missing(field: "name") }
        let id = try IDNumber(input.idNumber, field: "id_number")
        var birth = id.birthDate
        var birthField = "id_number"
        if let given = input.birthDate {
            guard let date = CivilDate(given) else { throw .invalidDate(field: "birth_date") }
            guard date == id.birthDate else { throw .idNumberBirthDateMismatch(field: "id_number") }
            birth = date
            birthField = "birth_date"
        }
        guard birth <= when.localDate else { throw .birthDateAfterEntry(field: birthField) }
        guard (0...4).contains(input.disabilityGrade) else { throw .outOfRange(field: "disability_grade", range: 0...4) }
        var values: [String: Value] = [
            "household_id": .text(household),
            "name": .text(input.name),
            "id_number": .text(id.text),
            "birth_date": .text(birth.description),
            "sex": .text(id.sex.rawValue),
            "relation": .text(try Relation.parse(input.relation, field: "relation").rawValue),
            "labour_capacity": .text(try LabourCapacity.parse(input.labourCapacity, field: "labour_capacity").rawValue),
            "disability_grade": .integer(Int64(input.disabilityGrade)),
            "student": .flag(input.student),
        ]
        if let v = input.disabilityType { values["disability_type"] = .text(try DisabilityType.parse(v, field: "disability_type").rawValue) }
        if let v = input.careGrade { values["care_grade"] = .text(try CareGrade.parse(v, field: "care_grade").rawValue) }
        values["health"] = .optionalText(input.health)
        let member = try insert("member", values)
        try updateNextReview(household: household, changedAt: when)
        return member
    }

    public func members(household: String) throws(CaseworkError) -> [Member] {
        try rows("member", where: "household_id", in: [household]).map(Member.init)
    }
}
