import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `--at TIME`: the moment a command records, for a paper form entered after the fact.
struct MomentOptions: ParsableArguments {
    @Option(name: .customLong("at"),
            help: ArgumentHelp("When it happened, ISO-8601 with offset, e.g. 2026-11-29T09:30:00+08:00 (default: now; at most \(Casework.futureToleranceMinutes) minutes ahead of this computer's clock).",
                               valueName: "TIME"))
    var at: String?

    func validate() throws {
        if let at, Timestamp(at) == nil { throw ValidationError(CaseworkError.invalidTimestamp(field: "--at").description) }
    }

    /// The moment given, or now.
    var date: Date { at.flatMap(Timestamp.init)?.date ?? Date() }
}

/// `--at TIME` of a listing (`due`): the moment to list for, which may lie ahead.
struct AsOfOptions: ParsableArguments {
    @Option(name: .customLong("at"),
            help: ArgumentHelp("The moment to list for, ISO-8601 with offset, e.g. 2026-11-29T09:30:00+08:00 (default: now; may be ahead, to see what will be due).",
                               valueName: "TIME"))
    var at: String?

    func validate() throws {
        if let at, Timestamp(at) == nil { throw ValidationError(CaseworkError.invalidTimestamp(field: "--at").description) }
    }

    /// The moment given, or now.
    var date: Date { at.flatMap(Timestamp.init)?.date ?? Date() }
}

/// Help text for a code option: the allowed values come from the domain's code list.
enum Choices {
    static func list<C: CaseworkCode>(_: C.Type) -> String { C.allCases.map(\.rawValue).joined(separator: ", ") }

    static func help<C: CaseworkCode>(_ what: String, _ type: C.Type, valueName: String) -> ArgumentHelp {
        ArgumentHelp("\(what) One of: \(list(type)).", valueName: valueName)
    }
}

/// `--approve` or `--reject`, exactly one.
enum Verdict: String, EnumerableFlag {
    case approve, reject

    static func help(for value: Verdict) -> ArgumentHelp? {
        value == .approve ? "Approve (批准)." : "Reject (不予批准)."
    }
}

/// Prints a writing verb's result: the id alone on stdout, or a JSON object with it.
func printRecorded(_ id: String, table: String, at: Date? = nil, json: Bool) {
    if json {
        printJSON(RecordedJSON(id: id, table: table, at: at.map { Timestamp($0).description }))
    } else {
        print(id)
    }
}

/// The casework service over the station replica in `dir`, recording decisions in its audit log.
func stationCasework(_ dir: String, _ passphrase: PassphraseOptions) throws(SyncError) -> Casework {
    try passphrase.station(dir).casework()
}

/// The casework service over the hub replica in `dir` (county decisions, parameters), with its audit log.
func hubCasework(_ dir: String, _ passphrase: PassphraseOptions) throws(SyncError) -> Casework {
    try passphrase.hub(dir).casework()
}
