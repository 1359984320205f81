import FieldSyncDomain
import FieldSyncSync
import Foundation
import Hummingbird

/// One casework verb as a page: its form, and what a submission does.
///
/// `perform` calls the same ``Casework`` method as the command of that verb; a
/// ``CaseworkError`` comes back as the page again with what was typed and the message
/// beside its field, and the service wrote nothing (each verb is one transaction).
struct StationVerb: Sendable {
    /// The route, with `{id}` for the record the verb acts on.
    let path: String
    let heading: String
    let explain: String?
    let submit: String
    /// The form's fields for record `id` (selects may list the case's members).
    let fields: @Sendable (Station, String) throws -> [FormField]
    /// The household the record belongs to (for the link back), or nil when there is no such record.
    let caseOf: @Sendable (Station, String) throws -> String?
    /// Does it; answers where to go next and the line to show there.
    let perform: @Sendable (Station, String, FormBody) throws(CaseworkError) -> (path: String, flash: String)
}

extension StationWorkbench {
    func add(_ verb: StationVerb, to router: Router<WebContext<Station>>) {
        let bench = self.bench
        let path = RouterPath(verb.path)
        @Sendable func page(_ context: WebContext<Station>, id: String, typed: FormBody?, error: CaseworkError?) async throws -> Response {
            let found: ([FormField], String?)? = try await bench.run(context) { station in
                guard let household = try verb.caseOf(station, id) else { return nil }
                return (try verb.fields(station, id), household.isEmpty ? nil : household)
            }
            guard let (fields, household) = found else { throw HTTPError(.notFound) }
            let form = FormView(id: "verb", action: verb.path.replacingOccurrences(of: "{id}", with: id), submit: verb.submit,
                                csrf: context.csrf, fields: fields, typed: typed, refusal: error?.description, refusedField: error?.field)
            let view = VerbPage(frame: bench.frame(verb.heading, context), heading: verb.heading, explain: verb.explain,
                                caseLink: household.map { "/households/\($0)" }, form: form)
            return bench.pages.page("verb", view, status: error == nil ? .ok : .unprocessableContent)
        }
        router.get(path) { _, context in
            try await page(context, id: context.parameters.get("id") ?? "", typed: nil, error: nil)
        }
        router.post(path) { _, context in
            let id = context.parameters.get("id") ?? ""
            let form = context.form
            let outcome: Result<(path: String, flash: String), CaseworkError> = try await bench.run(context) { station in
                do throws(CaseworkError) { return .success(try verb.perform(station, id, form)) } catch { return .failure(error) }
            }
            switch outcome {
            case let .success(next): return bench.redirect(next.path, flash: next.flash, context)
            case let .failure(error): return try await page(context, id: id, typed: form, error: error)
            }
        }
    }
}

struct VerbPage {
    let frame: Frame
    let heading: String
    let explain: String?
    let caseLink: String?
    let form: FormView
}

/// The form fields' values as the service takes them.
extension FormBody {
    /// The `at` field: when it happened (empty: now).
    func moment() throws(CaseworkError) -> Date { try FormMoment.date(text("at")) }

    /// A required field: its value, else the service's own "required" refusal for it.
    func required(_ name: String) throws(CaseworkError) -> String {
        guard let v = text(name) else { throw .missing(field: name) }
        return v
    }
}

/// The `at` field every verb has: when it happened, China time, now by default.
let momentField = FormField("at", "时间", "when (China time)", .moment, hint: "留空为现在 / empty: now", initial: nil)
