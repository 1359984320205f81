import FieldSyncDomain

/// The Chinese names of the stored codes, as a caseworker reads them on a page (the code
/// itself follows in brackets where the English reader needs it). Presentation only: what a
/// code means for a rule lives in the domain, never here.
public enum CodeLabels {
    public static func label<C: CaseworkCode>(_ code: C) -> String {
        let zh = names["\(C.self).\(code.rawValue)"]
        return zh.map { "\($0) \(code.rawValue)" } ?? code.rawValue
    }

    public static func label<C: CaseworkCode>(_ code: C?) -> String { code.map { label($0) } ?? "—" }

    static let names: [String: String] = [
        "AssistanceCategory.dibao": "最低生活保障", "AssistanceCategory.tekun": "特困人员供养",
        "AssistanceCategory.lowIncome": "低收入家庭", "AssistanceCategory.expenditureHardship": "支出型困难",
        "AssistanceCategory.medical": "医疗救助", "AssistanceCategory.emergencyMedical": "疾病应急救助",
        "AssistanceCategory.education": "教育救助", "AssistanceCategory.housing": "住房救助",
        "AssistanceCategory.employment": "就业救助", "AssistanceCategory.disaster": "受灾人员救助",
        "AssistanceCategory.temporary": "临时救助", "AssistanceCategory.vagrancy": "流浪乞讨人员救助",
        "AssistanceCategory.winterHeating": "冬春救助", "AssistanceCategory.funeral": "殡葬救助",
        "AssistanceCategory.disabledChildRehab": "残疾儿童康复救助", "AssistanceCategory.severeDisabilityCare": "重度残疾人护理补贴",
        "AssistanceCategory.orphan": "孤儿基本生活保障", "AssistanceCategory.childInDifficulty": "困境儿童保障",
        "AssistanceCategory.legalAid": "法律援助", "AssistanceCategory.domesticViolenceShelter": "家暴庇护",
        "AssistanceCategory.needyWorker": "困难职工救助",
        "ApplicationChannel.window": "窗口受理", "ApplicationChannel.phone": "电话", "ApplicationChannel.hotline12349": "12349热线",
        "ApplicationChannel.activeDiscovery": "主动发现", "ApplicationChannel.publicServantReport": "网格员/干部报告",
        "ApplicationChannel.placeOfResidence": "居住地申办",
        "ApplicationStatus.received": "已受理", "ApplicationStatus.answered": "已答复", "ApplicationStatus.checking": "核对中",
        "ApplicationStatus.approved": "已批准", "ApplicationStatus.rejected": "不予批准",
        "ApplicationStatus.referredToCounty": "报县级审核", "ApplicationStatus.closed": "已结案",
        "Department.medicalInsurance": "医保部门", "Department.health": "卫生健康部门", "Department.housing": "住建部门",
        "Department.education": "教育部门", "Department.humanResourcesSocialSecurity": "人社部门",
        "Department.emergencyManagement": "应急管理部门", "Department.justice": "司法部门",
        "Department.disabledPersonsFederation": "残联", "Department.redCross": "红十字会",
        "AssistanceKind.cash": "资金", "AssistanceKind.inKind": "实物", "AssistanceKind.service": "服务",
        "LabourCapacity.full": "有劳动能力", "LabourCapacity.partial": "部分劳动能力", "LabourCapacity.none": "无劳动能力",
        "UrbanRural.urban": "城镇", "UrbanRural.rural": "农村",
        "Sex.male": "男", "Sex.female": "女",
        "Relation.head": "户主", "Relation.spouse": "配偶", "Relation.child": "子女", "Relation.parent": "父母",
        "Relation.grandchild": "孙子女", "Relation.sibling": "兄弟姐妹", "Relation.other": "其他",
        "DisabilityType.visual": "视力", "DisabilityType.hearing": "听力", "DisabilityType.speech": "言语",
        "DisabilityType.physical": "肢体", "DisabilityType.intellectual": "智力", "DisabilityType.mental": "精神",
        "DisabilityType.multiple": "多重",
        "CareGrade.full": "生活自理", "CareGrade.partiallyLost": "部分失能", "CareGrade.completelyLost": "完全失能",
        "DecisionLevel.township": "乡镇", "DecisionLevel.county": "县级",
        "CheckSource.householdRegistration": "户籍", "CheckSource.tax": "税务", "CheckSource.socialInsurance": "社保",
        "CheckSource.medicalInsurance": "医保", "CheckSource.realEstate": "不动产", "CheckSource.businessRegistration": "工商登记",
        "CheckSource.housingFund": "公积金", "CheckSource.vehicles": "车辆", "CheckSource.deposits": "存款",
        "CheckSource.wealthProducts": "理财产品",
        "CheckResult.found": "查到", "CheckResult.none": "未查到", "CheckResult.error": "查询出错",
        "CheckOutcome.withinCriteria": "符合条件", "CheckOutcome.exceedsCriteria": "不符合条件", "CheckOutcome.inconclusive": "无法判断",
        "FeedbackOutcome.accepted": "已受理", "FeedbackOutcome.rejected": "不予受理", "FeedbackOutcome.completed": "已办结",
        "FeedbackOutcome.needsInfo": "需补充材料",
        "ReviewOutcome.continue": "继续保障", "ReviewOutcome.adjust": "调整", "ReviewOutcome.terminate": "停止保障",
        "NoticeKind.underReview": "待县级审核", "NoticeKind.overruled": "被覆盖", "NoticeKind.resolved": "已处理",
        "NoticeKind.transferredIn": "转入", "NoticeKind.transferredOut": "转出", "NoticeKind.duplicate": "重复申请",
        "NoticeKind.countyDecision": "县级决定",
    ]

    /// A due item's kind, for the Today list.
    public static func label(_ kind: DueItem.Kind) -> String {
        switch kind {
        case .temporaryReply: "临时救助12小时内答复 reply within 12 h (R4)"
        case .emergencyHelp: "急难24小时内救助 emergency help within 24 h (R5)"
        case .review: "定期核查 periodic review (R1/R2)"
        case .referralFeedback: "转办反馈 referral feedback (R13)"
        }
    }
}

/// Personal numbers on a list: only the last four characters, so a caseworker can tell two
/// members apart without the page (or a photo of the screen) carrying the number.
public enum Masking {
    public static func idNumber(_ number: String?) -> String {
        guard let number, !number.isEmpty else { return "—" }
        return String(repeating: "*", count: max(0, number.count - 4)) + number.suffix(4)
    }
}
