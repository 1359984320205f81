/// An assistance programme (救助类别), with the identifiers of the domain brief §2.
public enum AssistanceCategory: String, CaseworkCode {
    case dibao, tekun, lowIncome, expenditureHardship, medical, emergencyMedical, education, housing,
         employment, disaster, temporary, vagrancy, winterHeating, funeral, disabledChildRehab,
         severeDisabilityCare, orphan, childInDifficulty, legalAid, domesticViolenceShelter
    /// 困难职工救助: assistance for workers in hardship (named in R7's list).
    case needyWorker
}
