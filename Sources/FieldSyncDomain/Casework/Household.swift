/// A household (户) as the service reads it back. Personal fields are here because the
/// caseworker needs them on screen; ``description`` never prints them.
public struct Household: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let township: String?
    public let village: String?
    public let address: String?
    public let headName: String?
    public let hukou: UrbanRural?
    /// Whole yuan (v1 column).
    public let monthlyIncomeYuan: Int64?
    public let essentialExpenses: Money?
    public let residencePermitHolder: Bool
    public let longTermUrbanResident: Bool
    public let irregularIncome: Bool
    public let memberAbleToWork: Bool
    public let category: AssistanceCategory?
    public let status: String?
    public let nextReview: CivilDate?
    /// When the household was registered (`created_at`); nil for rows written before v2.
    public let createdAt: Timestamp?

    /// R10: the standard this household is assessed with.
    public var applicableStandard: UrbanRural? {
        hukou.map { PlaceOfResidence.applicableStandard(hukou: $0, longTermUrbanResident: longTermUrbanResident) }
    }

    public var description: String { "household \(id)" }

    init(_ r: RowValues) {
        id = r.id
        township = r.text("township")
        village = r.text("village")
        address = r.text("address")
        headName = r.text("head_name")
        hukou = r.code("hukou", as: UrbanRural.self)
        monthlyIncomeYuan = r.integer("monthly_income")
        essentialExpenses = r.integer("essential_expenses_fen").map(Money.init(fen:))
        residencePermitHolder = r.flag("residence_permit_holder")
        longTermUrbanResident = r.flag("long_term_urban_resident")
        irregularIncome = r.flag("irregular_income")
        memberAbleToWork = r.flag("member_able_to_work")
        category = r.code("category", as: AssistanceCategory.self)
        status = r.text("status")
        nextReview = r.date("next_review")
        createdAt = r.timestamp("created_at")
    }
}

/// What a caseworker enters for a new household; text fields as typed on the form.
public struct HouseholdInput: Sendable {
    public var township: String
    public var village: String?
    public var address: String?
    public var headName: String?
    /// `urban` or `rural`.
    public var hukou: String
    public var residencePermitHolder: Bool
    public var longTermUrbanResident: Bool
    /// Whole yuan per month, as typed (v1 column holds whole yuan).
    public var monthlyIncomeYuan: String?
    /// Yuan per month with up to two decimals.
    public var essentialExpensesYuan: String?
    public var irregularIncome: Bool
    public var memberAbleToWork: Bool

    public init(township: String, village: String? = nil, address: String? = nil, headName: String? = nil, hukou: String,
                residencePermitHolder: Bool = false, longTermUrbanResident: Bool = false, monthlyIncomeYuan: String? = nil,
                essentialExpensesYuan: String? = nil, irregularIncome: Bool = false, memberAbleToWork: Bool = false) {
        self.township = township
        self.village = village
        self.address = address
        self.headName = headName
        self.hukou = hukou
        self.residencePermitHolder = residencePermitHolder
        self.longTermUrbanResident = longTermUrbanResident
        self.monthlyIncomeYuan = monthlyIncomeYuan
        self.essentialExpensesYuan = essentialExpensesYuan
        self.irregularIncome = irregularIncome
        self.memberAbleToWork = memberAbleToWork
    }
}

/// An edit of a household: nil leaves a field unchanged.
public struct HouseholdChanges: Sendable {
    public var township: String?
    public var village: String?
    public var address: String?
    public var headName: String?
    public var hukou: String?
    public var residencePermitHolder: Bool?
    public var longTermUrbanResident: Bool?
    public var monthlyIncomeYuan: String?
    public var essentialExpensesYuan: String?
    public var irregularIncome: Bool?
    public var memberAbleToWork: Bool?

    public init(township: String? = nil, village: String? = nil, address: String? = nil, headName: String? = nil,
                hukou: String? = nil, residencePermitHolder: Bool? = nil, longTermUrbanResident: Bool? = nil,
                monthlyIncomeYuan: String? = nil, essentialExpensesYuan: String? = nil, irregularIncome: Bool? = nil,
                memberAbleToWork: Bool? = nil) {
        self.township = township
        self.village = village
        self.address = address
        self.headName = headName
        self.hukou = hukou
        self.residencePermitHolder = residencePermitHolder
        self.longTermUrbanResident = longTermUrbanResident
        self.monthlyIncomeYuan = monthlyIncomeYuan
        self.essentialExpensesYuan = essentialExpensesYuan
        self.irregularIncome = irregularIncome
        self.memberAbleToWork = memberAbleToWork
    }
}
