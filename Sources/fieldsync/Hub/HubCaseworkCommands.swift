import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `fieldsync hub decide`: a county-level decision (R8), carried to the station in its
/// next return bundle.
struct HubDecide: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decide",
        abstract: "Record a county decision (县级审核确认) on a merged application. Prints its id on its own line.",
        discussion: """
        For what is beyond township authority (R8). The station receives the decision in its \
        next return bundle (fieldsync hub export).

        Example:
          fieldsync hub decide hub 3f9a0c1e-000003 --approve --amount 8000 --reason 重大疾病
        """
    )
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The application id.") var application: String
    @OptionGroup var decision: DecisionOptions
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let id = try hubCasework(dir, passphrase).decide(
                application: application, approve: decision.verdict == .approve, amount: decision.amount,
                reasons: decision.reason, level: .county, startDate: decision.start, at: moment.date)
            printRecorded(id, table: "decision", at: moment.date, json: output.json)
        }
    }
}

/// `fieldsync hub params`: the dated rule parameters (R14), listed or set.
struct HubParams: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List the rule parameters in force, or set one from a date (reaches stations in return bundles).",
        discussion: """
        Without --set: each parameter's value in force on --on (default today), where it \
        comes from (plan: the plan's number; assumption: a built-in default to replace with \
        the published figure; set: a row set here), and the rows set at this hub. With --set: \
        stores NAME=VALUE from --from and prints the row id; setting the same name and date \
        again corrects that row. Yuan values take up to two decimals. Names: \(Choices.list(RuleParameter.self)).

        Example:
          fieldsync hub params hub
          fieldsync hub params hub --set townshipTemporaryCeilingYuan=5000 \\
              --from 2027-01-01 --note 县政府文件
        """
    )
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: ArgumentHelp("Set NAME=VALUE.", valueName: "NAME=VALUE")) var set: String?
    @Option(help: ArgumentHelp("With --set: the first day it applies, YYYY-MM-DD.", valueName: "DATE")) var from: String?
    @Option(help: "With --set: a note (e.g. the document it comes from).") var note: String?
    @Option(help: ArgumentHelp("Without --set: list what is in force on this day, YYYY-MM-DD (default today).", valueName: "DATE"))
    var on: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let set {
            guard set.contains("=") else { throw ValidationError("--set must be NAME=VALUE, e.g. townshipTemporaryCeilingYuan=5000") }
            guard from != nil else { throw ValidationError("--set needs --from DATE (the first day it applies)") }
            guard on == nil else { throw ValidationError("--on is for listing; with --set use --from") }
        } else {
            guard from == nil, note == nil else { throw ValidationError("--from and --note go with --set NAME=VALUE") }
        }
        if let on, CivilDate(on) == nil { throw ValidationError(CaseworkError.invalidDate(field: "--on").description) }
    }

    func run() throws {
        try reporting {
            let casework = try hubCasework(dir, passphrase)
            if let set, let from {
                let eq = set.firstIndex(of: "=")!
                let id = try casework.setParameter(String(set[..<eq]), effectiveFrom: from, value: String(set[set.index(after: eq)...]),
                                                   note: note)
                printRecorded(id, table: "rule_parameter", json: output.json)
                return
            }
            let day = on.flatMap(CivilDate.init) ?? Timestamp(Date()).localDate
            let params = try casework.parameters()
            let inForce = RuleParameter.allCases.map { name in
                let row = params.row(name, on: day)
                return ParameterInForceJSON(name: name.rawValue, unit: name.unit.rawValue, value: name.format(row.value),
                                            effectiveFrom: row.effectiveFrom.description,
                                            source: !row.isDefault ? "set" : name.isAssumption ? "assumption" : "plan")
            }
            let stored = try casework.storedParameters()
            if output.json {
                printJSON(ParametersJSON(on: day.description, inForce: inForce, stored: stored.map(ParameterRowJSON.init)))
                return
            }
            print("在 \(day) 生效的参数 / parameters in force on \(day)")
            var table = TextTable(header: ["参数 name", "值 value", "单位 unit", "起始 from", "来源 source"])
            for p in inForce { table.add([p.name, p.value, p.unit, p.effectiveFrom, p.source]) }
            print(table.render())
            print("")
            if stored.isEmpty {
                print("县中心未设置参数 / no parameters set at this hub")
            } else {
                print("县中心设置的参数 / rows set at this hub")
                var rows = TextTable(header: ["参数 name", "起始 from", "值 value", "说明 note"])
                for r in stored { rows.add([r.rawName ?? "", r.effectiveFrom?.description ?? "", r.value ?? "", r.note ?? ""]) }
                print(rows.render())
            }
        }
    }
}
