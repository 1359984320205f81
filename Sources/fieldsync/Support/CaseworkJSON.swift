import FieldSyncDomain

/// The JSON shapes of the casework commands' `--json` output (fields only ever added).

/// What a writing verb recorded.
struct RecordedJSON: Encodable {
    let id: String, table: String, at: String?
}

struct HouseholdJSON: Encodable {
    let id: String, township: String?, village: String?, address: String?, headName: String?, hukou: String?
    let applicableStandard: String?, monthlyIncome: Int64?, essentialExpenses: String?
    let residencePermitHolder: Bool, longTermUrbanResident: Bool, irregularIncome: Bool, memberAbleToWork: Bool
    let category: String?, status: String?, nextReview: String?
    init(_ h: Household) {
        id = h.id; township = h.township; village = h.village; address = h.address; headName = h.headName
        hukou = h.hukou?.rawValue; applicableStandard = h.applicableStandard?.rawValue
        monthlyIncome = h.monthlyIncomeYuan; essentialExpenses = h.essentialExpenses?.description
        residencePermitHolder = h.residencePermitHolder; longTermUrbanResident = h.longTermUrbanResident
        irregularIncome = h.irregularIncome; memberAbleToWork = h.memberAbleToWork
        category = h.category?.rawValue; status = h.status; nextReview = h.nextReview?.description
    }
}

struct MemberJSON: Encodable {
    let id: String, name: String?, idNumber: String?, birthDate: String?, sex: String?, relation: String?
    let labourCapacity: String?, disabilityType: String?, disabilityGrade: Int?, health: String?, student: Bool, careGrade: String?
    init(_ m: Member) {
        id = m.id; name = m.name; idNumber = m.idNumber; birthDate = m.birthDate?.description; sex = m.sex?.rawValue
        relation = m.relation?.rawValue; labourCapacity = m.labourCapacity?.rawValue; disabilityType = m.disabilityType?.rawValue
        disabilityGrade = m.disabilityGrade; health = m.health; student = m.student; careGrade = m.careGrade?.rawValue
    }
}

struct DecisionJSON: Encodable {
    let id: String, approve: Bool, level: String?, category: String?, amount: String?, startDate: String?
    let reasons: String?, decidedAt: String?
    init(_ d: DecisionRecord) {
        id = d.id; approve = d.approve; level = d.level?.rawValue; category = d.category?.rawValue
        amount = d.amount?.description; startDate = d.startDate?.description; reasons = d.reasons
        decidedAt = d.decidedAt?.description
    }
}

struct ApplicationJSON: Encodable {
    let id: String, category: String?, channel: String?, receivedAt: String?, emergency: Bool, status: String?
    let amount: String?, applicant: String?, repliedAt: String?, helpedAt: String?, decidedAt: String?, decidedBy: String?
    let decisions: [DecisionJSON]
    init(_ a: ApplicationRecord, decisions: [DecisionRecord]) {
        id = a.id; category = a.category?.rawValue; channel = a.channel?.rawValue; receivedAt = a.receivedAt?.description
        emergency = a.emergency; status = a.status?.rawValue; amount = a.amount?.description; applicant = a.applicantMemberID
        repliedAt = a.repliedAt?.description; helpedAt = a.helpedAt?.description; decidedAt = a.decidedAt?.description
        decidedBy = a.decidedBy?.rawValue; self.decisions = decisions.map(DecisionJSON.init)
    }
}

struct HouseholdFileJSON: Encodable {
    let household: HouseholdJSON, members: [MemberJSON], applications: [ApplicationJSON]
}

struct DueItemJSON: Encodable {
    let kind: String, table: String, row: String, household: String?, dueAt: String, overdue: Bool, secondsOverdue: Int64
    init(_ d: DueItem) {
        kind = d.kind.rawValue; table = d.table; row = d.rowID; household = d.householdID; dueAt = d.dueAt.description
        overdue = d.isOverdue; secondsOverdue = d.secondsOverdue
    }
}

struct DueJSON: Encodable {
    let at: String, items: [DueItemJSON]
}

struct ParameterInForceJSON: Encodable {
    let name: String, unit: String, value: String, effectiveFrom: String, source: String
}

struct ParameterRowJSON: Encodable {
    let id: String, name: String?, effectiveFrom: String?, value: String?, note: String?
    init(_ p: ParameterRecord) {
        id = p.id; name = p.rawName; effectiveFrom = p.effectiveFrom?.description; value = p.value; note = p.note
    }
}

struct ParametersJSON: Encodable {
    let on: String, inForce: [ParameterInForceJSON], stored: [ParameterRowJSON]
}
