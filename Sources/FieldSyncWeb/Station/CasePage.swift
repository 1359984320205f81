import FieldSyncDomain
import FieldSyncSync

/// The case page and its printed summary: one household's whole file. ID numbers are
/// masked unless the caseworker asked to see them on this page (`?reveal=1`).
struct CasePage {
    struct Fact {
        let zh: String
        let en: String
        let value: String
    }
    struct MemberRow {
        let id: String
        let name: String
        let idNumber: String
        let birthDate: String
        let sex: String
        let relation: String
        let labour: String
        let disability: String
        let health: String
    }
    struct Event {
        let when: String
        let what: String
    }
    struct ApplicationView {
        let id: String
        let category: String
        let channel: String
        let status: String
        let received: String
        let amount: String
        let emergency: Bool
        let decidedBy: String
        let timeline: [Event]
        let checks: [Event]
        let decisions: [Event]
        let assistance: [Event]
        let referrals: [ReferralView]
        let open: Bool
        let hasChecks: Bool
        let hasDecisions: Bool
        let hasAssistance: Bool
        let hasReferrals: Bool
    }
    struct ReferralView {
        let id: String
        let department: String
        let referred: String
        let due: String
        let status: String
        let feedback: [Event]
    }
    struct NoticeView {
        let kind: String
        let zh: String
        let en: String
        let created: String
    }

    let frame: Frame
    let id: String
    let facts: [Fact]
    let nextReview: String
    let members: [MemberRow]
    let applications: [ApplicationView]
    let visits: [Event]
    let reviews: [Event]
    let notes: [Event]
    let notices: [NoticeView]
    let reveal: Bool
    let csrf: String
    /// Where this page lives: `/households/ID` at the station, `/cases/ID` at the hub.
    let casePath: String
    /// The casework buttons: the station's; the hub reads a case to decide for the county.
    let actions: Bool

    init(frame: Frame, file: CaseFile, notices: [StationNotice], reveal: Bool, csrf: String, atHub: Bool = false) {
        self.frame = frame
        self.reveal = reveal
        self.csrf = csrf
        casePath = (atHub ? "/cases/" : "/households/") + file.household.id
        actions = !atHub
        let h = file.household
        id = h.id
        nextReview = Display.date(h.nextReview)
        facts = [
            Fact(zh: "户主", en: "head", value: Display.text(h.headName)),
            Fact(zh: "乡镇", en: "township", value: Display.text(h.township)),
            Fact(zh: "村", en: "village", value: Display.text(h.village)),
            Fact(zh: "地址", en: "address", value: Display.text(h.address)),
            Fact(zh: "户籍", en: "hukou", value: CodeLabels.label(h.hukou)),
            Fact(zh: "家庭月收入", en: "monthly income", value: h.monthlyIncomeYuan.map { "\($0) 元" } ?? "—"),
            Fact(zh: "刚性支出", en: "essential expenses", value: Display.money(h.essentialExpenses)),
            Fact(zh: "保障类别", en: "category", value: CodeLabels.label(h.category)),
            Fact(zh: "状态", en: "status", value: Display.text(h.status)),
            Fact(zh: "登记时间", en: "registered", value: Display.moment(h.createdAt)),
        ]
        members = file.members.map { m in
            MemberRow(id: m.id, name: Display.text(m.name), idNumber: reveal ? Display.text(m.idNumber) : Masking.idNumber(m.idNumber),
                      birthDate: Display.date(m.birthDate), sex: CodeLabels.label(m.sex), relation: CodeLabels.label(m.relation),
                      labour: CodeLabels.label(m.labourCapacity),
                      disability: m.disabilityType.map { "\(CodeLabels.label($0)) \(m.disabilityGrade ?? 0)级" } ?? "—",
                      health: Display.text(m.health))
        }
        applications = file.applications.map(Self.applicationView)
        visits = file.visits.map { Event(when: Display.moment($0.visitedAt), what: "访视 visit · \(Display.text($0.visitor)) · \(Display.text($0.note))") }
        reviews = file.reviews.map {
            Event(when: $0.doneOn.map { "完成 done \($0)" } ?? "计划 scheduled \(Display.date($0.scheduledFor))",
                  what: "核查 review · \(CodeLabels.label($0.outcome)) · \(Display.text($0.note))")
        }
        notes = file.notes.map { Event(when: Display.moment($0.writtenAt), what: "\(Display.text($0.author)): \(Display.text($0.text))") }
        self.notices = notices.map { NoticeView(kind: CodeLabels.label($0.kind), zh: $0.wordsZh, en: $0.wordsEn, created: $0.created) }
    }

    private static func applicationView(_ f: CaseFile.ApplicationFile) -> ApplicationView {
        let a = f.application
        var timeline: [(String, String)] = []
        if let t = a.receivedAt { timeline.append((t.description, "受理 received")) }
        if let t = a.repliedAt { timeline.append((t.description, "答复 replied (R4)")) }
        for c in f.checks {
            timeline.append((c.completedAt?.description ?? "", "核对 check: \(CodeLabels.label(c.outcome))"))
        }
        for d in f.decisions {
            timeline.append((d.decidedAt?.description ?? "", (d.approve ? "批准 approved" : "不予批准 rejected") + " · \(CodeLabels.label(d.level))"))
        }
        if let t = a.helpedAt { timeline.append((t.description, "首次救助 first help (R5)")) }
        let ordered = timeline.sorted { $0.0 < $1.0 }.map { Event(when: Timestamp($0.0).map { Display.moment($0) } ?? "—", what: $0.1) }
        return ApplicationView(
            id: a.id, category: CodeLabels.label(a.category), channel: CodeLabels.label(a.channel), status: CodeLabels.label(a.status),
            received: Display.moment(a.receivedAt), amount: Display.money(a.amount), emergency: a.emergency,
            decidedBy: CodeLabels.label(a.decidedBy), timeline: ordered,
            checks: f.checks.map { c in
                Event(when: Display.moment(c.completedAt),
                      what: CodeLabels.label(c.outcome) + " · " + c.results.map { "\(CodeLabels.label($0.source))：\(CodeLabels.label($0.result))" }.joined(separator: "，"))
            },
            decisions: f.decisions.map { d in
                Event(when: Display.moment(d.decidedAt),
                      what: (d.approve ? "批准 approve" : "不予批准 reject") + " · \(CodeLabels.label(d.level)) · \(Display.money(d.amount)) · 起始 from \(Display.date(d.startDate))"
                        + (d.reasons.map { " · \($0)" } ?? ""))
            },
            assistance: f.assistance.map { g in
                Event(when: Display.moment(g.givenAt),
                      what: "\(CodeLabels.label(g.kind)) · \(Display.money(g.amount)) · \(Display.text(g.deliveredBy))" + (g.beforeCheck ? " · 先行救助 paid before the check (R6)" : ""))
            },
            referrals: f.referrals.map { r in
                ReferralView(id: r.id, department: CodeLabels.label(r.department), referred: Display.moment(r.referredAt),
                             due: Display.moment(r.dueAt), status: Display.text(r.status),
                             feedback: r.feedback.map { Event(when: Display.moment($0.receivedAt), what: "\(CodeLabels.label($0.outcome)) · \(Display.text($0.detail))") })
            },
            open: ![.rejected, .closed].contains(a.status ?? .received),
            hasChecks: !f.checks.isEmpty, hasDecisions: !f.decisions.isEmpty, hasAssistance: !f.assistance.isEmpty,
            hasReferrals: !f.referrals.isEmpty)
    }
}
