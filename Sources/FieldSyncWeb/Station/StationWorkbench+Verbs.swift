import FieldSyncCore
import FieldSyncDomain
import FieldSyncSync
import FieldSyncStore
import Foundation
import Hummingbird

/// A form for every casework verb of the command line: register, edit, member, apply,
/// reply, check, decide, give, visit, refer, feedback, review.
extension StationWorkbench {
    func addVerbs(to router: Router<WebContext<Station>>) {
        for verb in [register, editHousehold, addMember, apply, visit, review, reply, check, decide, give, refer, feedback] {
            add(verb, to: router)
        }
    }

    // MARK: Households

    static func householdFields(township: String?) -> [FormField] {
        [FormField("township", "乡镇代码", "township code (9 digits)", required: true, initial: township),
         FormField("village", "村（社区）", "village"),
         FormField("address", "地址", "address"),
         FormField("head_name", "户主姓名", "head of household"),
         .choice("hukou", "户籍", "hukou", UrbanRural.self, blank: "请选择 choose"),
         FormField("monthly_income", "家庭月收入（整元）", "monthly income, whole yuan", .number),
         FormField("essential_expenses", "刚性支出（元/月）", "essential expenses, yuan a month", .number),
         FormField("residence_permit_holder", "持居住证", "holds a residence permit", .checkbox),
         FormField("long_term_urban_resident", "长期居住城镇", "long-term urban resident", .checkbox),
         FormField("irregular_income", "收入不固定", "irregular income", .checkbox),
         FormField("member_able_to_work", "有劳动能力成员", "a member able to work", .checkbox),
         momentField]
    }

    var register: StationVerb {
        let township = self.township
        return StationVerb(
            path: "/households/new", heading: "登记新户 Register a household", explain: nil, submit: "登记 Register",
            fields: { _, _ in Self.householdFields(township: township) },
            caseOf: { _, _ in "" },
            perform: { station, _, f throws(CaseworkError) in
                let input = HouseholdInput(
                    township: f.text("township") ?? "", village: f.text("village"), address: f.text("address"),
                    headName: f.text("head_name"), hukou: f.text("hukou") ?? "",
                    residencePermitHolder: f.flag("residence_permit_holder"), longTermUrbanResident: f.flag("long_term_urban_resident"),
                    monthlyIncomeYuan: f.text("monthly_income"), essentialExpensesYuan: f.text("essential_expenses"),
                    irregularIncome: f.flag("irregular_income"), memberAbleToWork: f.flag("member_able_to_work"))
                let id = try station.casework().addHousehold(input, at: try f.moment())
                return ("/households/\(id)", "已登记新户 \(id) / household \(id) registered")
            })
    }

    var editHousehold: StationVerb {
        StationVerb(
            path: "/households/{id}/edit", heading: "修改户信息 Edit the household", explain: "只保存改动的字段 / only the fields you change are written",
            submit: "保存 Save",
            fields: { station, id in
                guard let h = try station.casework().household(id) else { return [] }
                let current: [String: String] = [
                    "township": h.township ?? "", "village": h.village ?? "", "address": h.address ?? "", "head_name": h.headName ?? "",
                    "hukou": h.hukou?.rawValue ?? "", "monthly_income": h.monthlyIncomeYuan.map(String.init) ?? "",
                    "essential_expenses": h.essentialExpenses?.description ?? "",
                    "residence_permit_holder": h.residencePermitHolder ? "on" : "", "long_term_urban_resident": h.longTermUrbanResident ? "on" : "",
                    "irregular_income": h.irregularIncome ? "on" : "", "member_able_to_work": h.memberAbleToWork ? "on" : "",
                ]
                return Self.householdFields(township: nil).map {
                    FormField($0.name, $0.zh, $0.en, $0.kind, required: $0.required, hint: $0.hint, initial: current[$0.name])
                }
            },
            caseOf: { station, id in try station.casework().household(id).map(\.id) },
            perform: { station, id, f throws(CaseworkError) in
                let casework = station.casework()
                guard let h = try casework.household(id) else { throw .notFound(table: "household", id: id) }
                func changed(_ name: String, _ old: String?) -> String? {
                    let new = f.text(name) ?? ""
                    return new == (old ?? "") ? nil : new
                }
                func changedFlag(_ name: String, _ old: Bool) -> Bool? { f.flag(name) == old ? nil : f.flag(name) }
                let changes = HouseholdChanges(
                    township: changed("township", h.township), village: changed("village", h.village),
                    address: changed("address", h.address), headName: changed("head_name", h.headName),
                    hukou: changed("hukou", h.hukou?.rawValue),
                    residencePermitHolder: changedFlag("residence_permit_holder", h.residencePermitHolder),
                    longTermUrbanResident: changedFlag("long_term_urban_resident", h.longTermUrbanResident),
                    monthlyIncomeYuan: changed("monthly_income", h.monthlyIncomeYuan.map(String.init)),
                    essentialExpensesYuan: changed("essential_expenses", h.essentialExpenses?.description),
                    irregularIncome: changedFlag("irregular_income", h.irregularIncome),
                    memberAbleToWork: changedFlag("member_able_to_work", h.memberAbleToWork))
                try casework.editHousehold(id, changes, at: try f.moment())
                return ("/households/\(id)", "已保存 / saved")
            })
    }

    var addMember: StationVerb {
        StationVerb(
            path: "/households/{id}/members/new", heading: "登记成员 Add a member",
            explain: "出生日期和性别可由身份证号得出 / birth date and sex follow from the ID number", submit: "登记 Add",
            fields: { _, _ in
                [FormField("name", "姓名", "name", required: true),
                 FormField("id_number", "身份证号", "ID number (18 characters)", required: true),
                 FormField("birth_date", "出生日期", "birth date", .date),
                 .choice("relation", "与户主关系", "relation to the head", Relation.self, blank: "请选择 choose"),
                 .choice("labour_capacity", "劳动能力", "labour capacity", LabourCapacity.self, blank: "请选择 choose"),
                 .choice("disability_type", "残疾类别", "disability type", DisabilityType.self, required: false, blank: "无 none"),
                 FormField("disability_grade", "残疾等级（0–4）", "disability grade (0–4)", .number, initial: "0"),
                 FormField("health", "健康状况", "health"),
                 FormField("student", "在校学生", "student", .checkbox),
                 .choice("care_grade", "失能等级", "care grade", CareGrade.self, required: false, blank: "未评估 not assessed"),
                 momentField]
            },
            caseOf: { station, id in try station.casework().household(id).map(\.id) },
            perform: { station, id, f throws(CaseworkError) in
                guard let grade = Int(f.text("disability_grade") ?? "0") else { throw .outOfRange(field: "disability_grade", range: 0...4) }
                let input = MemberInput(
                    name: f.text("name") ?? "", idNumber: f.text("id_number") ?? "", birthDate: f.text("birth_date"),
                    relation: f.text("relation") ?? "", labourCapacity: f.text("labour_capacity") ?? "",
                    disabilityType: f.text("disability_type"), disabilityGrade: grade, health: f.text("health"),
                    student: f.flag("student"), careGrade: f.text("care_grade"))
                let added = try station.casework().addMemberAndCheckIDNumber(household: id, input, at: try f.moment())
                let line = "已登记成员 \(added.id) / member \(added.id) added" + (added.sameIDNumber.map { "。\($0)" } ?? "")
                return ("/households/\(id)", line)
            })
    }

    var apply: StationVerb {
        StationVerb(
            path: "/households/{id}/apply", heading: "受理申请 Open an application",
            explain: "临时救助自受理起12小时内须答复（R4），急难24小时内须救助（R5） / temporary assistance is answered within 12 hours (R4), an emergency helped within 24 (R5)",
            submit: "受理 Open",
            fields: { station, id in
                let members = try station.casework().members(household: id)
                return [.choice("category", "救助类别", "category", AssistanceCategory.self, blank: "请选择 choose"),
                        .choice("channel", "受理渠道", "channel", ApplicationChannel.self, blank: "请选择 choose"),
                        FormField("emergency", "急难", "emergency (help within 24 hours)", .checkbox),
                        FormField("amount", "申请金额（元）", "amount requested, yuan", .number),
                        FormField("applicant_member_id", "申请人（特困须填）", "applicant (required for tekun)",
                                  .select([FormOption(value: "", label: "未指明 not named")]
                                          + members.map { FormOption(value: $0.id, label: "\(Display.text($0.name)) \($0.id)") })),
                        momentField]
            },
            caseOf: { station, id in try station.casework().household(id).map(\.id) },
            perform: { station, id, f throws(CaseworkError) in
                let app = try station.casework().apply(
                    household: id, category: f.text("category") ?? "", channel: f.text("channel") ?? "", emergency: f.flag("emergency"),
                    amount: f.text("amount"), receivedAt: try f.moment(), applicant: f.text("applicant_member_id"))
                return ("/households/\(id)", "已受理申请 \(app) / application \(app) opened")
            })
    }

    var visit: StationVerb {
        StationVerb(
            path: "/households/{id}/visit", heading: "记录访视 Record a visit", explain: nil, submit: "保存 Save",
            fields: { _, _ in [FormField("visitor", "访视人", "visitor"), FormField("note", "记录", "note", .textarea), momentField] },
            caseOf: { station, id in try station.casework().household(id).map(\.id) },
            perform: { station, id, f throws(CaseworkError) in
                let v = try station.casework().visit(household: id, visitor: f.text("visitor"), note: f.text("note"), at: try f.moment())
                return ("/households/\(id)", "已记录访视 \(v) / visit \(v) recorded")
            })
    }

    var review: StationVerb {
        StationVerb(
            path: "/households/{id}/review", heading: "记录核查 Record a review", explain: "定期核查（R1/R2） / periodic review (R1/R2)",
            submit: "保存 Save",
            fields: { _, _ in
                [.choice("outcome", "核查结论", "outcome", ReviewOutcome.self, blank: "请选择 choose"),
                 FormField("note", "说明", "note", .textarea), momentField]
            },
            caseOf: { station, id in try station.casework().household(id).map(\.id) },
            perform: { station, id, f throws(CaseworkError) in
                let r = try station.casework().recordReview(household: id, outcome: f.text("outcome") ?? "", note: f.text("note"), at: try f.moment())
                return ("/households/\(id)", "已记录核查 \(r) / review \(r) recorded")
            })
    }

    // MARK: Applications

    static func householdOf(application id: String, _ station: Station) throws -> String? {
        guard let app = try station.casework().application(id) else { return nil }
        return app.householdID ?? ""
    }

    var reply: StationVerb {
        StationVerb(
            path: "/applications/{id}/reply", heading: "答复申请人 Answer the applicant",
            explain: "停止12小时答复时限（R4） / stops the 12-hour reply clock (R4)", submit: "已答复 Record the answer",
            fields: { _, _ in [momentField] },
            caseOf: { station, id in try Self.householdOf(application: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                let casework = station.casework()
                try casework.reply(application: id, at: try f.moment())
                return ("/households/\(try casework.application(id)?.householdID ?? "")", "已答复 \(id) / answer recorded")
            })
    }

    var check: StationVerb {
        StationVerb(
            path: "/applications/{id}/check", heading: "家庭经济状况核对 Economic status check",
            explain: "逢救必核（R7）：逐项填写已查询的来源，未查询的留空 / R7: give each source queried; leave the others blank",
            submit: "保存核对 Save the check",
            fields: { _, _ in
                CheckSource.allCases.map {
                    FormField.choice("source_\($0.rawValue)", CodeLabels.label($0), "source \($0.rawValue)", CheckResult.self,
                                     required: false, blank: "未查询 not queried")
                } + [.choice("outcome", "核对结论", "outcome", CheckOutcome.self, blank: "请选择 choose"), momentField]
            },
            caseOf: { station, id in try Self.householdOf(application: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                var sources: [CheckSource: CheckResult] = [:]
                for source in CheckSource.allCases {
                    if let v = f.text("source_\(source.rawValue)") {
                        sources[source] = try CheckResult.parse(v, field: "source_\(source.rawValue)")
                    }
                }
                let outcome = try CheckOutcome.parse(f.text("outcome") ?? "", field: "outcome")
                let casework = station.casework()
                let c = try casework.recordCheck(application: id, sources: sources, outcome: outcome, at: try f.moment())
                return ("/households/\(try casework.application(id)?.householdID ?? "")", "已保存核对 \(c) / check \(c) recorded")
            })
    }

    static func decisionFields() -> [FormField] {
        [FormField("verdict", "决定", "decision",
                   .select([FormOption(value: "", label: "请选择 choose"), FormOption(value: "approve", label: "批准 approve"),
                            FormOption(value: "reject", label: "不予批准 reject")]), required: true),
         FormField("amount", "批准金额（元）", "amount, yuan (default: as requested)", .number),
         FormField("reasons", "理由", "reasons", .textarea),
         FormField("start_date", "保障起始日", "first day of assistance", .date),
         momentField]
    }

    /// The verdict field as the service's flag; a missing or unknown one is refused as the field's.
    static func verdict(_ f: FormBody) throws(CaseworkError) -> Bool {
        switch f.text("verdict") {
        case "approve": true
        case "reject": false
        case nil: throw .missing(field: "verdict")
        default: throw .notAChoice(field: "verdict", allowed: ["approve", "reject"])
        }
    }

    var decide: StationVerb {
        StationVerb(
            path: "/applications/{id}/decide", heading: "审核确认 Township decision",
            explain: "低保、特困等须先完成核对（逢救必核 R7）；超出乡镇权限的由县级决定（R8） / dibao, tekun and others need a completed check first (R7); beyond township authority the county decides (R8)",
            submit: "确认 Decide",
            fields: { _, _ in Self.decisionFields() },
            caseOf: { station, id in try Self.householdOf(application: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                let casework = station.casework()
                let d = try casework.decide(application: id, approve: try Self.verdict(f), amount: f.text("amount"), reasons: f.text("reasons"),
                                            level: .township, startDate: f.text("start_date"), at: try f.moment())
                return ("/households/\(try casework.application(id)?.householdID ?? "")", "已审核确认 \(d) / decision \(d) recorded")
            })
    }

    var give: StationVerb {
        StationVerb(
            path: "/applications/{id}/give", heading: "发放救助 Give assistance",
            explain: "批准后发放；小额临时救助可先行（R6） / after approval; small temporary amounts may come first (R6)", submit: "保存 Save",
            fields: { _, _ in
                [.choice("kind", "救助方式", "kind", AssistanceKind.self, blank: "请选择 choose"),
                 FormField("amount", "金额（元）", "amount, yuan", .number),
                 FormField("delivered_by", "经办人", "delivered by"),
                 FormField("note", "备注", "note", .textarea), momentField]
            },
            caseOf: { station, id in try Self.householdOf(application: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                let casework = station.casework()
                let g = try casework.give(application: id, kind: f.text("kind") ?? "", amount: f.text("amount"),
                                          deliveredBy: f.text("delivered_by"), note: f.text("note"), at: try f.moment())
                return ("/households/\(try casework.application(id)?.householdID ?? "")", "已记录发放 \(g) / assistance \(g) recorded")
            })
    }

    var refer: StationVerb {
        StationVerb(
            path: "/applications/{id}/refer", heading: "分办转办 Refer to a department",
            explain: "部门须在时限内反馈（R13） / the department answers within the time limit (R13)", submit: "转办 Refer",
            fields: { _, _ in [.choice("department", "部门", "department", Department.self, blank: "请选择 choose"), momentField] },
            caseOf: { station, id in try Self.householdOf(application: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                let casework = station.casework()
                let r = try casework.refer(application: id, to: f.text("department") ?? "", at: try f.moment())
                return ("/households/\(try casework.application(id)?.householdID ?? "")", "已转办 \(r) / referral \(r) recorded")
            })
    }

    static func householdOf(referral id: String, _ station: Station) throws -> String? {
        guard let row = try station.replica.row(table: "referral", rowID: id) else { return nil }
        if case let .text(h)? = row["household_id"] { return h }
        return ""
    }

    var feedback: StationVerb {
        StationVerb(
            path: "/referrals/{id}/feedback", heading: "部门反馈 Department feedback", explain: nil, submit: "保存 Save",
            fields: { _, _ in
                [.choice("outcome", "反馈结果", "outcome", FeedbackOutcome.self, blank: "请选择 choose"),
                 FormField("detail", "反馈内容", "detail", .textarea), momentField]
            },
            caseOf: { station, id in try Self.householdOf(referral: id, station) },
            perform: { station, id, f throws(CaseworkError) in
                let b = try station.casework().feedback(referral: id, outcome: f.text("outcome") ?? "", detail: f.text("detail"), at: try f.moment())
                let household = (try? Self.householdOf(referral: id, station)) ?? nil
                return ("/households/\(household ?? "")", "已记录反馈 \(b) / feedback \(b) recorded")
            })
    }
}
