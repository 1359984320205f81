/// How an application reached the station (申请渠道).
///
/// `hotline12349` is R11's hotline; `activeDiscovery` and `publicServantReport` are 主动发现
/// reports; `placeOfResidence` is an application by a residence-permit holder where they
/// live (R9).
public enum ApplicationChannel: String, CaseworkCode {
    case window, phone, hotline12349, activeDiscovery, publicServantReport, placeOfResidence
}

/// Where an application stands. It only moves forward (``CaseworkStatusOrder``): a
/// decided application does not go back by a stale edit, which reaches the county's
/// review queue as overruled instead (rule M7).
public enum ApplicationStatus: String, CaseworkCode {
    case received, answered, checking, approved, rejected, referredToCounty, closed
}

/// The departments a case is referred to (分办/转办), R13.
public enum Department: String, CaseworkCode {
    case medicalInsurance, health, housing, education, humanResourcesSocialSecurity,
         emergencyManagement, justice, disabledPersonsFederation, redCross
}

/// 资金+实物+服务: money, goods in kind, services.
public enum AssistanceKind: String, CaseworkCode {
    case cash, inKind, service
}

/// Labour capacity as recorded (劳动能力); R3 adds "under 18 counts as none" for tekun.
public enum LabourCapacity: String, CaseworkCode {
    case full, partial, none
}

/// Urban or rural household registration (户口性质), and the standard that applies (R10).
public enum UrbanRural: String, CaseworkCode {
    case urban, rural
}

/// Sex as the ID number encodes it (17th digit odd: male).
public enum Sex: String, CaseworkCode {
    case male, female
}

/// Relation to the head of household.
public enum Relation: String, CaseworkCode {
    case head, spouse, child, parent, grandchild, sibling, other
}

/// Disability types of the national disability certificate.
public enum DisabilityType: String, CaseworkCode {
    case visual, hearing, speech, physical, intellectual, mental, multiple
}

/// Self-care ability, the tiers of the tekun care standard (R15).
public enum CareGrade: String, CaseworkCode {
    case full, partiallyLost, completelyLost
}

/// Who records a decision (审核确认): the township station or the county at the hub (R8).
public enum DecisionLevel: String, CaseworkCode {
    case township, county
}

/// The sources an economic status check queries (逢救必核, R7).
public enum CheckSource: String, CaseworkCode {
    case householdRegistration, tax, socialInsurance, medicalInsurance, realEstate,
         businessRegistration, housingFund, vehicles, deposits, wealthProducts

    /// The column of `economic_check` holding this source's result.
    public var column: String {
        switch self {
        case .householdRegistration: "household_registration"
        case .tax: "tax"
        case .socialInsurance: "social_insurance"
        case .medicalInsurance: "medical_insurance"
        case .realEstate: "real_estate"
        case .businessRegistration: "business_registration"
        case .housingFund: "housing_fund"
        case .vehicles: "vehicles"
        case .deposits: "deposits"
        case .wealthProducts: "wealth_products"
        }
    }
}

/// One source's answer: something found, nothing found, or the query failed.
public enum CheckResult: String, CaseworkCode {
    case found, none, error
}

/// The check's conclusion. `inconclusive` does not complete the check (R7).
public enum CheckOutcome: String, CaseworkCode {
    case withinCriteria, exceedsCriteria, inconclusive
}

/// What a department answered to a referral.
public enum FeedbackOutcome: String, CaseworkCode {
    case accepted, rejected, completed, needsInfo
}

/// What a periodic review (核查) concluded.
public enum ReviewOutcome: String, CaseworkCode {
    case `continue`, adjust, terminate
}

/// What a notice from the hub tells a station (table `notice`, schema version 4).
public enum NoticeKind: String, CaseworkCode {
    /// An edit of the station's lost to another value and is in the county's review queue.
    case underReview
    /// An edit of the station's did not take effect: a county decision or a settled status
    /// took precedence, or a concurrent delete removed the record.
    case overruled
    /// The county resolved a conflict on one of the station's cases.
    case resolved
    /// A case was transferred to this station.
    case transferredIn
    /// A case of this station was transferred to another township.
    case transferredOut
    /// A member of one of this station's cases has the same ID number as a person in
    /// another household or another open application (matched by keyed hash).
    case duplicate
    /// The county decided an application of this station's.
    case countyDecision
}
