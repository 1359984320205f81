import FieldSyncDomain
import FieldSyncSync
import Foundation
import Hummingbird

/// The county's own work: duplicate people, applications waiting for a county decision
/// (with the decision form: `Casework.decide(level: .county)`, as `hub decide`), and the
/// rule parameters with their dates and sources.
extension HubDesk {
    func addCountyWork(to router: Router<WebContext<Hub>>) {
        let bench = self.bench
        router.get("/duplicates") { _, context in
            let groups = try await bench.run(context) { hub in try hub.duplicateGroups() }
            return bench.pages.page("hub-duplicates", DuplicatesPage(frame: bench.frame("重复 Duplicates", context, current: "/duplicates"),
                                                                   groups: groups.map(DuplicatesPage.Group.init)))
        }
        // A case as the county reads it before deciding: the station's case page, without its buttons.
        router.get("/cases/{id}") { request, context in
            let id = try context.parameters.require("id")
            let reveal = request.uri.queryParameters.get("reveal") == "1"
            guard let file = try await bench.run(context, { hub in try hub.casework().caseFile(household: id) }) else {
                throw HTTPError(.notFound)
            }
            return bench.pages.page("case", CasePage(frame: bench.frame("户 \(id)", context), file: file, notices: [], reveal: reveal,
                                                     csrf: context.csrf, atHub: true))
        }
        router.get("/pending") { _, context in
            let pending = try await bench.run(context) { hub in try hub.pendingDecisions() }
            return bench.pages.page("hub-pending", PendingPage(frame: bench.frame("待县级审核 For the county", context, current: "/pending"),
                                                             items: pending.map(PendingPage.Item.init)))
        }
        @Sendable func decidePage(_ context: WebContext<Hub>, id: String, typed: FormBody?, error: CaseworkError?) async throws -> Response {
            let app = try await bench.run(context) { hub in try hub.casework().application(id) }
            guard let app else { throw HTTPError(.notFound) }
            let form = FormView(id: "verb", action: "/pending/\(id)/decide", submit: "县级确认 Decide for the county", csrf: context.csrf,
                                fields: StationWorkbench.decisionFields(), typed: typed, refusal: error?.description, refusedField: error?.field)
            let view = VerbPage(frame: bench.frame("县级审核确认 County decision", context, current: "/pending"),
                                heading: "县级审核确认 County decision · \(CodeLabels.label(app.category)) · \(id)",
                                explain: "户 household \(app.householdID ?? "—") · 受理 received \(Display.moment(app.receivedAt)) · 申请金额 amount \(Display.money(app.amount))",
                                caseLink: app.householdID.map { "/cases/\($0)" }, form: form)
            return bench.pages.page("verb", view, status: error == nil ? .ok : .unprocessableContent)
        }
        router.get("/pending/{id}/decide") { _, context in
            try await decidePage(context, id: try context.parameters.require("id"), typed: nil, error: nil)
        }
        router.post("/pending/{id}/decide") { _, context in
            let id = try context.parameters.require("id")
            let f = context.form
            let outcome: Result<String, CaseworkError> = try await bench.run(context) { hub in
                do throws(CaseworkError) {
                    return .success(try hub.casework().decide(
                        application: id, approve: try StationWorkbench.verdict(f), amount: f.text("amount"), reasons: f.text("reasons"),
                        level: .county, startDate: f.text("start_date"), at: try f.moment()))
                } catch { return .failure(error) }
            }
            switch outcome {
            case let .success(d): return bench.redirect("/pending", flash: "县级决定已记录 \(d) / county decision \(d) recorded", context)
            case let .failure(error): return try await decidePage(context, id: id, typed: f, error: error)
            }
        }
        router.get("/parameters") { _, context in
            let day = Timestamp(Date()).localDate
            let (inForce, stored) = try await bench.run(context) { hub in
                let casework = hub.casework()
                let params = try casework.parameters()
                // As `hub params` lists them: each parameter's value in force today and where it comes from.
                let inForce = RuleParameter.allCases.map { name in
                    let row = params.row(name, on: day)
                    return ParametersPage.InForce(name: name.rawValue, value: name.format(row.value), unit: name.unit.rawValue,
                                                  from: row.effectiveFrom.description,
                                                  source: !row.isDefault ? "县中心设置 set at the hub"
                                                      : name.isAssumption ? "假设值 assumption (not in the plan)" : "省方案 the province's plan")
                }
                return (inForce, try casework.storedParameters())
            }
            return bench.pages.page("hub-parameters", ParametersPage(frame: bench.frame("参数 Parameters", context, current: "/parameters"),
                                                                   day: day.description, inForce: inForce, rows: stored.map(ParametersPage.Row.init)))
        }
    }
}

struct DuplicatesPage {
    struct Group {
        let reference: String
        let kind: String
        let households: String
        let townships: String
        let members: String
        let applications: String
        let category: String

        init(_ g: DuplicateGroup) {
            reference = g.reference
            kind = switch g.kind {
            case .twoHouseholds: "同一乡镇两户 two households of one township"
            case .twoStations: "两个乡镇 two townships"
            case .twoOpenApplications: "同类两个未结申请 two open applications of one kind"
            }
            households = g.households.joined(separator: "，")
            townships = g.townships.joined(separator: "，")
            members = g.members.joined(separator: "，")
            applications = g.applications.isEmpty ? "—" : g.applications.joined(separator: "，")
            category = g.category ?? "—"
        }
    }
    let frame: Frame
    let groups: [Group]
}

struct PendingPage {
    struct Item {
        let application: String
        let household: String
        let township: String
        let station: String
        let category: String
        let status: String
        let received: String
        let waited: String

        init(_ p: PendingDecision) {
            application = p.application
            household = p.household
            township = p.township ?? "—"
            station = p.stationName ?? "—"
            category = AssistanceCategory(rawValue: p.category).map { CodeLabels.label($0) } ?? p.category
            status = p.status.flatMap(ApplicationStatus.init(rawValue:)).map { CodeLabels.label($0) } ?? "—"
            received = Display.moment(p.receivedAt)
            waited = p.waitedMillis.map { Display.duration(seconds: Int64($0 / 1000)) } ?? "—"
        }
    }
    let frame: Frame
    let items: [Item]
}

struct ParametersPage {
    struct InForce {
        let name: String
        let value: String
        let unit: String
        let from: String
        let source: String
    }
    struct Row {
        let name: String
        let from: String
        let value: String
        let source: String
        init(_ p: ParameterRecord) {
            name = p.rawName ?? "—"
            from = Display.date(p.effectiveFrom)
            value = Display.text(p.value)
            source = Display.text(p.note)
        }
    }
    let frame: Frame
    let day: String
    let inForce: [InForce]
    let rows: [Row]
}
