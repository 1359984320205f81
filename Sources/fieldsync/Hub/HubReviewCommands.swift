import ArgumentParser
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation

/// `fieldsync hub conflicts`: the review queue, values of personal fields masked unless `--reveal`.
struct HubConflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List the review queue: edits of reviewed fields that conflicted, were overruled or lost to a delete.",
        discussion: """
        Each conflict shows the field, the case (household), both values, which station (or \
        the hub) wrote each and when, and how it was resolved. The replicas already agree on \
        the kept value; resolve a conflict with `fieldsync hub resolve`. Values of personal \
        fields (income, ID number, …) are masked unless --reveal is given.

        Example:
          fieldsync hub conflicts hub-huangzhong
          fieldsync hub conflicts hub-huangzhong --all --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Flag(help: "Include resolved conflicts.") var all = false
    @Flag(help: "Show the values of personal fields (and resolution notes).") var reveal = false
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let reviews = try hub.conflictReviews(includeResolved: all, reveal: reveal)
            if output.json {
                printJSON(reviews.map { ConflictReviewJSON($0, reveal: reveal) })
            } else if reviews.isEmpty {
                print(all ? "没有冲突 / no conflicts" : "没有待处理的冲突 / no open conflicts")
            } else {
                for review in reviews { ConflictReviewText.print(review, reveal: reveal) }
            }
        }
    }
}

/// `fieldsync hub resolve`: decide a conflict by a new county write that replicates.
struct HubResolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a conflict: keep one side, or enter a new value; the write reaches every station.",
        discussion: """
        --keep takes winner, loser, or the township code or station name of one side. \
        --value takes a new value, checked as the field's type and rule (an invalid value \
        is refused and nothing is written). The hub writes the value on top of the current \
        one (so it is not a new conflict), records who resolved it (--by, default the hub's \
        name), when and why (--note), and tells both stations in their next return bundles.

        Example:
          fieldsync hub resolve hub-huangzhong 3 --keep loser --note 以入户核实为准 --by 李芳
          fieldsync hub resolve hub-huangzhong 4 --keep 630106100
          fieldsync hub resolve hub-huangzhong 5 --value 1200 --note 复核收入证明
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The conflict number (from `fieldsync hub conflicts`).") var conflict: Int64
    @Option(help: "Which side to keep: winner, loser, or a side's township code or station name.") var keep: String?
    @Option(help: "A new value for the field instead of either side.") var value: String?
    @Option(help: "Why it was resolved so (kept with the conflict at the hub; not sent to stations).") var note: String?
    @Option(help: "Who resolved it (default: the hub's name).") var by: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (keep == nil) != (value == nil) else {
            throw ValidationError("请给出 --keep 或 --value 之一 / give exactly one of --keep WHICH or --value X")
        }
    }

    struct ResolvedJSON: Encodable {
        let conflict: ConflictReviewJSON, outcome: String, changes: Int, notified: [String]
    }

    func run() throws {
        try reporting {
            let hub = try passphrase.hub(dir)
            let choice: ConflictChoice = keep.map { .side($0) } ?? .newValue(value ?? "")
            let resolved = try hub.resolve(conflict: conflict, keep: choice, note: note, by: by)
            if output.json {
                printJSON(ResolvedJSON(conflict: ConflictReviewJSON(resolved.review, reveal: false), outcome: resolved.outcome.rawValue,
                                       changes: resolved.changes.count, notified: resolved.notified))
                return
            }
            let review = resolved.review
            print("冲突 #\(review.number) 已处理 / conflict #\(review.number) resolved: \(resolved.outcome.rawValue) (\(review.field.escapingControlCharacters) of \(review.rowID.escapingControlCharacters))")
            print(resolved.changes.isEmpty
                  ? "the kept value is already the row's: nothing new to send"
                  : "\(resolved.changes.count) change for the stations' next return bundles (`fieldsync hub export`)")
            if !resolved.notified.isEmpty { print("notices for township \(resolved.notified.joined(separator: ", "))") }
        }
    }
}

/// The JSON of one conflict. Its first fields are those `hub conflicts --json` always had
/// (`id`, `table`, `row`, `column`, `resolved`, `winner`, `winnerVersion`, `loser`,
/// `loserVersion`); the rest were added with the review queue.
struct ConflictReviewJSON: Encodable {
    struct WriterJSON: Encodable {
        let site: String, name: String, township: String?, hub: Bool
    }
    struct ResolutionJSON: Encodable {
        let at: String, by: String, resolution: String, note: String?
    }
    let id: Int64, table: String, row: String, column: String, resolved: Bool
    let winner: ValueJSON, winnerVersion: String, loser: ValueJSON, loserVersion: String
    let kind: String, field: String, household: String?, personal: Bool, masked: Bool
    let winnerBy: WriterJSON, winnerAt: String, loserBy: WriterJSON, loserAt: String
    let detected: String
    let resolution: ResolutionJSON?

    init(_ r: ConflictReview, reveal: Bool) {
        func writer(_ w: ConflictWriter) -> WriterJSON { WriterJSON(site: w.site.hex, name: w.name, township: w.township, hub: w.isHub) }
        id = r.number; table = r.table; row = r.rowID; column = r.column; resolved = r.isResolved
        winner = ValueJSON(value: r.winner.value ?? .text(ConflictReviewText.masked)); winnerVersion = r.winner.version.description
        loser = ValueJSON(value: r.loser.value ?? .text(ConflictReviewText.masked)); loserVersion = r.loser.version.description
        kind = r.kind.rawValue; field = r.field; household = r.household; personal = r.isPersonal; masked = r.winner.isMasked
        winnerBy = writer(r.winner.writer); winnerAt = ISOTime.format(millis: r.winner.atMillis)
        loserBy = writer(r.loser.writer); loserAt = ISOTime.format(millis: r.loser.atMillis)
        detected = ISOTime.format(millis: r.detectedAtMillis)
        resolution = r.resolution.map {
            ResolutionJSON(at: ISOTime.format(millis: $0.atMillis), by: $0.by, resolution: $0.resolution,
                           note: reveal ? $0.note : $0.note.map { _ in ConflictReviewText.masked })
        }
    }
}

/// The text of one conflict: a heading line, one line per side, and the resolution.
enum ConflictReviewText {
    static let masked = "‹personal›"

    static func print(_ r: ConflictReview, reveal: Bool) {
        Swift.print("#\(r.number)  \(r.kind)  \(r.field.escapingControlCharacters)  row \(r.rowID.escapingControlCharacters)  户 case \(r.household.map(\.escapingControlCharacters) ?? "?")  detected \(ISOTime.format(millis: r.detectedAtMillis))")
        Swift.print("  winner \(value(r.winner, isDelete: r.kind == .lostToDelete))  by \(r.winner.writer.displayName)  at \(ISOTime.format(millis: r.winner.atMillis))")
        Swift.print("  loser  \(value(r.loser, isDelete: false))  by \(r.loser.writer.displayName)  at \(ISOTime.format(millis: r.loser.atMillis))")
        if let s = r.resolution {
            let note = s.note.map { "; note: \(reveal ? $0.escapingControlCharacters : masked)" } ?? ""
            Swift.print("  resolved \(ISOTime.format(millis: s.atMillis)) by \(s.by.escapingControlCharacters): \(s.resolution)\(note)")
        } else if r.isResolved {
            Swift.print("  marked reviewed (no resolution recorded)")
        } else {
            Swift.print("  open: fieldsync hub resolve HUB \(r.number) --keep winner|loser | --value X")
        }
    }

    /// The side's value as shown; the winning side of an edit lost to a delete is the delete.
    static func value(_ side: ConflictSide, isDelete: Bool) -> String {
        if isDelete { return "(删除 deleted)" }
        return side.value?.description.escapingControlCharacters ?? masked
    }
}
