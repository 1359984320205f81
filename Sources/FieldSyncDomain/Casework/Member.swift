/// A household member (成员) as the service reads it back; ``description`` never prints
/// personal fields.
public struct Member: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let householdID: String?
    public let name: String?
    public let idNumber: String?
    public let birthDate: CivilDate?
    public let sex: Sex?
    public let relation: Relation?
    public let labourCapacity: LabourCapacity?
    public let disabilityType: DisabilityType?
    public let disabilityGrade: Int?
    public let health: String?
    public let student: Bool
    public let careGrade: CareGrade?

    public var description: String { "member \(id)" }

    init(_ r: RowValues) {
        id = r.id
        householdID = r.text("household_id")
        name = r.text("name")
        idNumber = r.text("id_number")
        birthDate = r.date("birth_date")
        sex = r.code("sex", as: Sex.self)
        relation = r.code("relation", as: Relation.self)
        labourCapacity = r.code("labour_capacity", as: LabourCapacity.self)
        disabilityType = r.code("disability_type", as: DisabilityType.self)
        disabilityGrade = r.integer("disability_grade").map(Int.init)
        health = r.text("health")
        student = r.flag("student")
        careGrade = r.code("care_grade", as: CareGrade.self)
    }
}

/// What a caseworker enters for a new member; codes as typed on the form.
public struct MemberInput: Sendable {
    public var name: String
    /// GB 11643, 18 characters; a lowercase x is accepted.
    public var idNumber: String
    /// YYYY-MM-DD; when nil, taken from the ID number; when given, must agree with it.
    public var birthDate: String?
    /// `head`, `spouse`, `child`, `parent`, `grandchild`, `sibling`, `other`.
    public var relation: String
    /// `full`, `partial`, `none`.
    public var labourCapacity: String
    public var disabilityType: String?
    /// 0 (none) to 4.
    public var disabilityGrade: Int
    public var health: String?
    public var student: Bool
    /// `full`, `partiallyLost`, `completelyLost`.
    public var careGrade: String?

    public init(name: String, idNumber: String, birthDate: String? = nil, relation: String, labourCapacity: String,
                disabilityType: String? = nil, disabilityGrade: Int = 0, health: String? = nil, student: Bool = false,
                careGrade: String? = nil) {
        self.name = name
        self.idNumber = idNumber
        self.birthDate = birthDate
        self.relation = relation
        self.labourCapacity = labourCapacity
        self.disabilityType = disabilityType
        self.disabilityGrade = disabilityGrade
        self.health = health
        self.student = student
        self.careGrade = careGrade
    }
}
