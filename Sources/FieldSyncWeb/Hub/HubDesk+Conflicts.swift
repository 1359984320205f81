import FieldSyncCore
import FieldSyncDomain
import FieldSyncSync
import Foundation
import Hummingbird

/// The review queue side by side: both values, both stations and times, the case; one
/// click keeps a side (`Hub.resolve`, as `hub resolve --keep`), with a note.
extension HubDesk {
    func addConflicts(to router: Router<WebContext<Hub>>) {
        let bench = self.bench
        @Sendable func page(_ context: WebContext<Hub>, refused: (Int64, String)?) async throws -> Response {
            let reviews = try await bench.run(context) { hub in try hub.conflictReviews(includeResolved: false, reveal: true) }
            if let refused, !reviews.contains(where: { $0.number == refused.0 }) {
                // Not open (unknown, or resolved meanwhile): the words go above the list.
                if let id = context.session?.id { bench.sessions.flash(id, refused.1) }
                return Response.redirect(to: "/conflicts", type: .normal)
            }
            let view = ConflictsPage(frame: bench.frame("冲突 Conflicts", context, current: "/conflicts"),
                                     conflicts: reviews.map {
                                         let mine = refused?.0 == $0.number
                                         return ConflictsPage.Item($0, csrf: context.csrf, refusal: mine ? refused?.1 : nil,
                                                                   typed: mine ? context.form : FormBody())
                                     })
            return bench.pages.page("hub-conflicts", view, status: refused == nil ? .ok : .unprocessableContent)
        }
        router.get("/conflicts") { _, context in try await page(context, refused: nil) }
        router.post("/conflicts/{number}/resolve") { _, context in
            guard let number = context.parameters.get("number", as: Int64.self) else { throw HTTPError(.notFound) }
            let form = context.form
            let choice: ConflictChoice
            switch (form.text("keep"), form.text("value")) {
            case let ("value"?, value?): choice = .newValue(value)
            case ("value"?, nil):
                return try await page(context, refused: (number, CaseworkError.missing(field: "value").description))
            case let (side?, _) where ["winner", "loser"].contains(side): choice = .side(side)
            default:
                return try await page(context, refused: (number, "请选择保留哪一方，或填写新值 / choose the side to keep, or enter a new value"))
            }
            let note = form.text("note"), by = form.text("by")
            let outcome: Result<ResolvedConflict, SyncError> = try await bench.run(context) { hub in
                do throws(SyncError) { return .success(try hub.resolve(conflict: number, keep: choice, note: note, by: by)) } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case let .success(resolved):
                return bench.redirect("/conflicts", flash: "冲突 #\(number) 已处理 / conflict #\(number) resolved: \(resolved.outcome.rawValue)", context)
            case let .failure(error):
                return try await page(context, refused: (number, error.description))
            }
        }
    }
}

struct ConflictsPage {
    struct Side {
        let value: String
        let writer: String
        let at: String
    }
    struct Item {
        let number: Int64
        let kind: String
        let field: String
        let row: String
        let household: String
        /// The case's id when the conflict names one (its page at the hub).
        let caseID: String?
        let winner: Side
        let loser: Side
        let personal: Bool
        let csrf: String
        let formKey = WebSessions<Never>.formKey()
        let refusal: String?
        /// What was typed into a refused resolution, kept.
        let typedNote: String
        let typedBy: String
        let typedValue: String

        init(_ r: ConflictReview, csrf: String, refusal: String?, typed: FormBody) {
            typedNote = typed["note"] ?? ""
            typedBy = typed["by"] ?? ""
            typedValue = typed["value"] ?? ""
            number = r.number
            kind = r.kind.rawValue
            field = r.field
            row = r.rowID
            household = r.household ?? "—"
            caseID = r.household
            personal = r.isPersonal
            func side(_ s: ConflictSide) -> Side {
                Side(value: s.value.map(ValueText.show) ?? "（已隐藏 masked）", writer: s.writer.displayName, at: Display.moment(millis: s.atMillis))
            }
            winner = side(r.winner)
            loser = side(r.loser)
            self.csrf = csrf
            self.refusal = refusal
        }
    }
    let frame: Frame
    let conflicts: [Item]
}

enum ValueText {
    static func show(_ value: Value) -> String {
        switch value {
        case .null: "（空 empty）"
        case let .integer(i): String(i)
        case let .real(d): String(d)
        case let .text(s): s
        case let .blob(b): "\(b.count) bytes"
        }
    }
}
