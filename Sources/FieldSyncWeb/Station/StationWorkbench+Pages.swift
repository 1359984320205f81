import FieldSyncDomain
import FieldSyncSync
import Foundation
import Hummingbird

/// The pages that read: Today, the household list and search, the case page, its printout.
extension StationWorkbench {
    static let pageSize = 50

    func addCasePages(to router: Router<WebContext<Station>>) {
        let bench = self.bench
        router.get("/today") { _, context in
            let now = Date()
            let (items, heads) = try await bench.run(context) { station in
                let casework = station.casework()
                let items = try casework.due(at: now)
                let shown = Set(items.prefix(TodayPage.limit).compactMap(\.householdID))
                return (items, try casework.headNames(of: shown))
            }
            return bench.pages.page("today", TodayPage(frame: bench.frame("今日待办 Today", context, current: "/today"), all: items,
                                                       heads: heads))
        }
        router.get("/households") { request, context in
            let page = max(1, request.uri.queryParameters.get("page", as: Int.self) ?? 1)
            return try await householdList(context, search: HouseholdSearch(), typed: nil, page: page)
        }
        // A search posts its words (names are personal: they stay out of URLs and logs).
        router.post("/households/search") { _, context in
            let form = context.form
            var status: ApplicationStatus?
            if let given = form.text("status") {
                guard let known = ApplicationStatus(rawValue: given) else {
                    return try await householdList(context, search: HouseholdSearch(), typed: form, page: 1,
                                                   refusal: CaseworkError.notAChoice(field: "status", allowed: ApplicationStatus.allCases.map(\.rawValue)))
                }
                status = known
            }
            let search = HouseholdSearch(text: form.text("q") ?? "", village: form.text("village") ?? "", status: status)
            return try await householdList(context, search: search, typed: form, page: 1)
        }
        router.get("/households/{id}") { request, context in
            let id = try context.parameters.require("id")
            let reveal = request.uri.queryParameters.get("reveal") == "1"
            let (file, notices) = try await caseFile(id, context)
            return bench.pages.page("case", CasePage(frame: bench.frame("户 \(id)", context), file: file, notices: notices,
                                                     reveal: reveal, csrf: context.csrf))
        }
        router.get("/households/{id}/print") { request, context in
            let id = try context.parameters.require("id")
            let reveal = request.uri.queryParameters.get("reveal") == "1"
            let (file, notices) = try await caseFile(id, context)
            return bench.pages.page("summary", CasePage(frame: bench.frame("个案摘要 Case summary \(id)", context), file: file,
                                                        notices: notices, reveal: reveal, csrf: context.csrf))
        }
    }

    private func caseFile(_ id: String, _ context: WebContext<Station>) async throws -> (CaseFile, [StationNotice]) {
        let found: (CaseFile, [StationNotice])? = try await bench.run(context) { station in
            guard let file = try station.casework().caseFile(household: id) else { return nil }
            return (file, try station.notices().filter { $0.household == id })
        }
        guard let found else { throw HTTPError(.notFound) }
        return found
    }

    /// Search results are shown whole up to this many (a search is narrowed, not paged).
    static let searchLimit = 500

    private func householdList(_ context: WebContext<Station>, search: HouseholdSearch, typed: FormBody?, page: Int,
                               refusal: CaseworkError? = nil) async throws -> Response {
        let summaries = refusal != nil ? [] : try await bench.run(context) { station in try station.casework().householdSummaries(search) }
        let pages = max(1, (summaries.count + Self.pageSize - 1) / Self.pageSize)
        let shown = typed != nil ? Array(summaries.prefix(Self.searchLimit))
            : Array(summaries.dropFirst((min(page, pages) - 1) * Self.pageSize).prefix(Self.pageSize))
        let searchForm = FormView(
            id: "search", action: "/households/search", submit: "搜索 Search", csrf: context.csrf,
            fields: [FormField("q", "姓名或编号", "name or id"), FormField("village", "村", "village"),
                     .choice("status", "申请状态", "application status", ApplicationStatus.self, required: false, blank: "全部 any")],
            typed: typed, refusal: refusal?.description, refusedField: refusal?.field)
        let view = HouseholdsPage(frame: bench.frame("户 Households", context, current: "/households"), search: searchForm,
                                  rows: shown.map(HouseholdsPage.Row.init), total: summaries.count, searched: typed != nil,
                                  page: min(page, pages), pages: pages)
        return bench.pages.page("households", view, status: refusal == nil ? .ok : .unprocessableContent)
    }
}

struct TodayPage {
    struct Item {
        let kind: String
        let due: String
        let overdue: Bool
        let when: String
        let household: String?
        let head: String
        let row: String

        init(_ item: DueItem, head: String?) {
            kind = CodeLabels.label(item.kind)
            due = Display.moment(item.dueAt)
            overdue = item.isOverdue
            when = item.isOverdue ? "已逾期 overdue " + Display.duration(seconds: item.secondsOverdue) : "到期 due"
            household = item.householdID
            self.head = Display.text(head)
            row = item.rowID
        }
    }
    /// The most urgent items shown; the rest are counted (a station back from a week without
    /// power may have hundreds of reviews due, and the first hundred are the day's work).
    static let limit = 100
    let frame: Frame
    let items: [Item]
    // Stored, not computed: Mustache reads a model's stored properties only.
    let empty: Bool
    let total: Int
    let overdueCount: Int
    let more: Int?

    init(frame: Frame, all: [DueItem], heads: [String: String]) {
        self.frame = frame
        items = all.prefix(Self.limit).map { Item($0, head: $0.householdID.flatMap { heads[$0] }) }
        empty = all.isEmpty
        total = all.count
        overdueCount = all.filter(\.isOverdue).count
        more = all.count > Self.limit ? all.count - Self.limit : nil
    }
}

struct HouseholdsPage {
    struct Row {
        let id: String
        let head: String
        let village: String
        let idNumber: String
        let members: Int
        let statuses: String
        let nextReview: String

        init(_ s: HouseholdSummary) {
            id = s.id
            head = Display.text(s.headName)
            village = Display.text(s.village)
            idNumber = Masking.idNumber(s.headIDNumber)
            members = s.memberCount
            statuses = s.applicationStatuses.isEmpty ? "—" : s.applicationStatuses.prefix(3).map { CodeLabels.label($0) }.joined(separator: "，")
            nextReview = Display.date(s.nextReview)
        }
    }
    let frame: Frame
    let search: FormView
    let rows: [Row]
    let total: Int
    let searched: Bool
    let page: Int
    let pages: Int
    let empty: Bool
    let previous: Int?
    let next: Int?
    let truncated: Bool

    init(frame: Frame, search: FormView, rows: [Row], total: Int, searched: Bool, page: Int, pages: Int) {
        self.frame = frame
        self.search = search
        self.rows = rows
        self.total = total
        self.searched = searched
        self.page = page
        self.pages = pages
        empty = rows.isEmpty
        previous = page > 1 && !searched ? page - 1 : nil
        next = page < pages && !searched ? page + 1 : nil
        truncated = searched && total > rows.count
    }
}
