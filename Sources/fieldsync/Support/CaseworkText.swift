import FieldSyncCore
import FieldSyncDomain

/// Human output of the casework commands: labels in Chinese and English.
enum CaseworkText {
    static func printHousehold(_ h: Household, members: [Member], applications: [ApplicationRecord],
                               decisions: [String: [DecisionRecord]]) {
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        print("户 household \(h.id.escapingControlCharacters)")
        let fields: [(String, String?)] = [
            ("乡镇 township", h.township), ("村 village", h.village), ("地址 address", h.address), ("户主 head", h.headName),
            ("户口 hukou", h.hukou?.rawValue), ("适用标准 standard", h.applicableStandard?.rawValue),
            ("居住证 residence permit", yes(h.residencePermitHolder)), ("长期居住城镇 long-term urban", yes(h.longTermUrbanResident)),
            ("月收入 monthly income (yuan)", h.monthlyIncomeYuan.map(String.init)),
            ("必要支出 essential expenses (yuan)", h.essentialExpenses?.description),
            ("收入不固定 irregular income", yes(h.irregularIncome)), ("有劳动能力成员 member able to work", yes(h.memberAbleToWork)),
            ("救助类别 category", h.category?.rawValue), ("状态 status", h.status), ("下次核查 next review", h.nextReview?.description),
        ]
        var table = TextTable()
        for (label, value) in fields { table.add(["  " + label, value ?? ""]) }
        print(table.render())
        print("成员 members: \(members.count)")
        if !members.isEmpty {
            var t = TextTable(header: ["  成员 member", "姓名 name", "关系 relation", "出生 birth", "性别 sex", "劳动能力 labour", "残疾 disability"])
            for m in members {
                t.add(["  " + m.id, m.name ?? "", m.relation?.rawValue ?? "", m.birthDate?.description ?? "", m.sex?.rawValue ?? "",
                       m.labourCapacity?.rawValue ?? "",
                       (m.disabilityGrade ?? 0) > 0 ? "\(m.disabilityType?.rawValue ?? "") \(m.disabilityGrade ?? 0)" : ""])
            }
            print(t.render())
        }
        print("申请 applications: \(applications.count)")
        for a in applications {
            var line = "  \(a.id.escapingControlCharacters)  \(a.category?.rawValue ?? "?")  \(a.channel?.rawValue ?? "")  \(a.receivedAt?.description ?? "")"
            if a.emergency { line += "  急难 emergency" }
            if let amount = a.amount { line += "  \(amount) yuan" }
            line += "  状态 status \(a.status?.rawValue ?? "")"
            if let by = a.decidedBy { line += " (\(by == .county ? "县级 county" : "乡镇 township"))" }
            print(line)
            for d in decisions[a.id] ?? [] {
                var text = "    审核确认 decision \(d.id)  \(d.approve ? "批准 approved" : "不予批准 rejected")  \(d.level?.rawValue ?? "")"
                if let amount = d.amount { text += "  \(amount) yuan" }
                if let start = d.startDate { text += "  from \(start)" }
                if let at = d.decidedAt { text += "  at \(at)" }
                if let reasons = d.reasons { text += "  \(reasons.escapingControlCharacters)" }
                print(text)
            }
        }
    }

    static func kindLabel(_ kind: DueItem.Kind) -> String {
        switch kind {
        case .temporaryReply: "临时救助答复 reply (12h)"
        case .emergencyHelp: "急难救助 emergency help (24h)"
        case .review: "定期核查 review"
        case .referralFeedback: "转办反馈 referral feedback"
        }
    }

    /// `3d 4h`, `5h 20m`, `12m`: a duration as a caseworker reads it.
    static func duration(_ seconds: Int64) -> String {
        let m = seconds / 60, h = m / 60, d = h / 24
        if d > 0 { return "\(d)d \(h % 24)h" }
        if h > 0 { return "\(h)h \(m % 60)m" }
        return "\(m)m"
    }

    static func dueTable(_ items: [DueItem], at now: Timestamp) -> String {
        guard !items.isEmpty else { return "没有到期事项 / nothing due at \(now)" }
        var table = TextTable(header: ["事项 kind", "期限 due", "逾期 late", "户 household", "记录 row"])
        for item in items {
            let late = item.isOverdue ? "逾期 \(duration(item.secondsOverdue))"
                                      : "还有 in \(duration(max(0, item.dueAt.epochSeconds - now.epochSeconds)))"
            table.add([kindLabel(item.kind), item.dueAt.description, late, item.householdID ?? "", "\(item.table) \(item.rowID)"])
        }
        return table.render()
    }
}
