import ArgumentParser
import FieldSyncDomain
import FieldSyncSync

/// `fieldsync station apply`: open an application (申请).
struct StationApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Open an application for a household. Prints its id on its own line.",
        discussion: """
        Temporary assistance starts the 12-hour reply clock (R4) and, with --emergency, the \
        24-hour help clock (R5) at --at. The placeOfResidence channel is for \
        residence-permit holders (R9); tekun needs --applicant.

        Example:
          fieldsync station apply st 3f9a0c1e-000001 --category temporary \\
              --channel window --emergency --amount 800 --at 2026-11-29T09:30:00+08:00
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var household: String
    @Option(help: Choices.help("Assistance category (救助类别).", AssistanceCategory.self, valueName: "CATEGORY")) var category: String
    @Option(help: Choices.help("How it reached the station (受理渠道).", ApplicationChannel.self, valueName: "CHANNEL")) var channel: String
    @Flag(help: "急难: help is due within 24 hours (R5).") var emergency = false
    @Option(help: ArgumentHelp("Amount requested, yuan.", valueName: "YUAN")) var amount: String?
    @Option(help: ArgumentHelp("The applicant member's id (required for tekun).", valueName: "MEMBER")) var applicant: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let casework = try stationCasework(dir, passphrase)
            let id = try casework.apply(household: household, category: category, channel: channel, emergency: emergency,
                                        amount: amount, receivedAt: moment.date, applicant: applicant)
            printRecorded(id, table: "application", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station reply`: the first answer to the applicant (R4).
struct StationReply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply",
        abstract: "Record the first answer to an applicant (stops the 12-hour clock, R4). Prints the application id.",
        discussion: "Example:\n  fieldsync station reply st 3f9a0c1e-000003 --at 2026-11-29T15:00:00+08:00"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            try stationCasework(dir, passphrase).reply(application: application, at: moment.date)
            printRecorded(application, table: "application", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station check`: an economic status check (家庭经济状况核对, 逢救必核).
struct StationCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Record an economic status check, per source (逢救必核, R7). Prints its id on its own line.",
        discussion: """
        One --source SOURCE=RESULT per source queried; sources not given were not queried. \
        Sources: \(Choices.list(CheckSource.self)). Results: \(Choices.list(CheckResult.self)). \
        An inconclusive outcome does not complete the check.

        Example:
          fieldsync station check st 3f9a0c1e-000003 --source tax=none \\
              --source deposits=found --source realEstate=none --outcome withinCriteria
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @Option(name: .customLong("source"),
            help: ArgumentHelp("SOURCE=RESULT, repeated. Sources: \(Choices.list(CheckSource.self)); results: \(Choices.list(CheckResult.self)).",
                               valueName: "SOURCE=RESULT"))
    var sources: [String] = []
    @Option(help: Choices.help("The check's conclusion.", CheckOutcome.self, valueName: "OUTCOME")) var outcome: String
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("give at least one --source SOURCE=RESULT") }
        var seen: Set<Substring> = []
        for s in sources {
            guard let eq = s.firstIndex(of: "=") else { throw ValidationError("--source must be SOURCE=RESULT, e.g. tax=none") }
            guard seen.insert(s[..<eq]).inserted else { throw ValidationError("--source \(s[..<eq]) given twice") }
        }
    }

    func run() throws {
        try reporting {
            var results: [CheckSource: CheckResult] = [:]
            for s in sources {
                let eq = s.firstIndex(of: "=")!
                results[try CheckSource.parse(String(s[..<eq]), field: "source")] =
                    try CheckResult.parse(String(s[s.index(after: eq)...]), field: "source \(s[..<eq])")
            }
            let outcome = try CheckOutcome.parse(outcome, field: "outcome")
            let id = try stationCasework(dir, passphrase)
                .recordCheck(application: application, sources: results, outcome: outcome, at: moment.date)
            printRecorded(id, table: "economic_check", at: moment.date, json: output.json)
        }
    }
}

/// The options of a decision, shared by the station's and the hub's `decide`.
struct DecisionOptions: ParsableArguments {
    @Flag(help: "Approve or reject (exactly one).") var verdict: Verdict
    @Option(help: ArgumentHelp("Amount decided, yuan (default: the amount requested).", valueName: "YUAN")) var amount: String?
    @Option(help: "The reasons, as written on the decision.") var reason: String?
    @Option(help: ArgumentHelp("First day of assistance, YYYY-MM-DD (default: the decision date).", valueName: "DATE")) var start: String?
}

/// `fieldsync station decide`: a township decision (审核确认).
struct StationDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Record a township decision (审核确认). Prints its id on its own line.",
        discussion: """
        Refused without a completed economic status check for dibao, tekun, housing, \
        education and needyWorker (逢救必核, R7), and beyond township authority (R8): those \
        are decided by the county at the hub (fieldsync hub decide).

        Example:
          fieldsync station decide st 3f9a0c1e-000003 --approve \\
              --amount 650 --start 2026-12-01
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @OptionGroup var decision: DecisionOptions
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase).decide(
                application: application, approve: decision.verdict == .approve, amount: decision.amount,
                reasons: decision.reason, level: .township, startDate: decision.start, at: moment.date)
            printRecorded(id, table: "decision", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station give`: assistance given (资金+实物+服务).
struct StationGive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "give",
        abstract: "Record assistance given: cash, in kind or service. Prints its id on its own line.",
        discussion: """
        Allowed after approval, or before the check for small temporary assistance (R6). \
        Cash needs --amount.

        Example:
          fieldsync station give st 3f9a0c1e-000003 --kind cash --amount 650 --by 李芳
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @Option(help: Choices.help("What was given (资金+实物+服务).", AssistanceKind.self, valueName: "KIND")) var kind: String
    @Option(help: ArgumentHelp("Amount, yuan (cash; optional for in kind).", valueName: "YUAN")) var amount: String?
    @Option(name: .customLong("by"), help: ArgumentHelp("Who delivered it.", valueName: "WHO")) var deliveredBy: String?
    @Option(help: "A note.") var note: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase).give(
                application: application, kind: kind, amount: amount, deliveredBy: deliveredBy, note: note, at: moment.date)
            printRecorded(id, table: "assistance", at: moment.date, json: output.json)
        }
    }
}
