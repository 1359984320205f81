/// The layer of the assistance system a category belongs to (分层, brief §1).
///
/// 「…形成以低保对象和特困对象为主体的核心救助层、以低收入和支出型困难家庭为主体的重点救助层、
/// 以遭遇突发事件、意外伤害、重大疾病…为主体的普惠救助层，对遭遇自然灾害的给予受灾人员救助」.
/// Programmes the text lists without a layer (legal aid, heating, funeral, orphans, …) are
/// `other`. Layers classify people: a household may sit in several at once, by the
/// categories it receives.
public enum AssistanceLayer: String, CaseworkCode {
    case core, key, general, disaster, other
}

extension AssistanceCategory {
    /// The layer this category belongs to.
    public var layer: AssistanceLayer {
        switch self {
        case .dibao, .tekun: .core
        case .lowIncome, .expenditureHardship, .medical, .education, .housing, .employment: .key
        case .temporary, .emergencyMedical, .vagrancy: .general
        case .disaster: .disaster
        case .winterHeating, .funeral, .disabledChildRehab, .severeDisabilityCare, .orphan, .childInDifficulty,
             .legalAid, .domesticViolenceShelter, .needyWorker: .other
        }
    }
}
