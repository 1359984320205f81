import ArgumentParser
import FieldSyncDomain
import FieldSyncSync

/// `fieldsync station visit`: a home visit (访视).
struct StationVisit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "visit",
        abstract: "Record a home visit (访视). Prints its id on its own line.",
        discussion: """
        Example:
          fieldsync station visit st 3f9a0c1e-000001 --visitor 李芳 --note 入户核实 \\
              --at 2026-11-28T15:00:00+08:00
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var household: String
    @Option(help: ArgumentHelp("Who visited.", valueName: "WHO")) var visitor: String?
    @Option(help: "A note.") var note: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase)
                .visit(household: household, visitor: visitor, note: note, at: moment.date)
            printRecorded(id, table: "visit", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station refer`: refer a case to a department (分办/转办, R13).
struct StationRefer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refer",
        abstract: "Refer an application to a department; its feedback becomes due (R13). Prints the referral id.",
        discussion: "Example:\n  fieldsync station refer st 3f9a0c1e-000003 --to medicalInsurance"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @Option(help: Choices.help("The department.", Department.self, valueName: "DEPARTMENT")) var to: String
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase).refer(application: application, to: to, at: moment.date)
            printRecorded(id, table: "referral", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station feedback`: a department's answer to a referral.
struct StationFeedback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Record a department's feedback on a referral (stops its clock). Prints the feedback id.",
        discussion: """
        Example:
          fieldsync station feedback st 3f9a0c1e-000007 --outcome accepted \\
              --detail 已纳入医疗救助
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The referral id.") var referral: String
    @Option(help: Choices.help("The department's answer.", FeedbackOutcome.self, valueName: "OUTCOME")) var outcome: String
    @Option(help: "What the department said.") var detail: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase)
                .feedback(referral: referral, outcome: outcome, detail: detail, at: moment.date)
            printRecorded(id, table: "referral_feedback", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station review`: a periodic review (核查, R1/R2).
struct StationReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Record a periodic review (核查); the next review date follows (R1/R2). Prints the review id.",
        discussion: "Example:\n  fieldsync station review st 3f9a0c1e-000001 --outcome continue --note 收入无变化"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var household: String
    @Option(help: Choices.help("What the review concluded.", ReviewOutcome.self, valueName: "OUTCOME")) var outcome: String
    @Option(help: "A note.") var note: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try stationCasework(dir, passphrase)
                .recordReview(household: household, outcome: outcome, note: note, at: moment.date)
            printRecorded(id, table: "review", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync station due`: what is due or overdue, most urgent first.
struct StationDue: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "due",
        abstract: "List what is due or overdue at a moment, most urgent first.",
        discussion: """
        12-hour replies to temporary assistance (R4), 24-hour emergency help (R5), reviews \
        (R1/R2, shown reviewNoticeDays ahead), referral feedback (R13). Overdue first, the \
        latest most late first; then the rest, soonest first.

        Example:
          fieldsync station due st --at 2026-11-29T18:00:00+08:00
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var moment: AsOfOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let now = moment.date
            let items = try stationCasework(dir, passphrase).due(at: now)
            if output.json {
                printJSON(DueJSON(at: Timestamp(now).description, items: items.map(DueItemJSON.init)))
            } else {
                print(CaseworkText.dueTable(items, at: Timestamp(now)))
            }
        }
    }
}
