import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `fieldsync station household …`: register, show, list and edit households (户).
struct HouseholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "household",
        abstract: "Register, show, list and edit households (户).",
        subcommands: [HouseholdAdd.self, HouseholdShow.self, HouseholdList.self, HouseholdEdit.self]
    )
}

struct HouseholdAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a household. Prints its id on its own line.",
        discussion: """
        Income is whole yuan per month; expenses are yuan per month with up to two decimals. \
        A rural household living long in the city (--long-term-urban) is assessed as urban.

        Example:
          fieldsync station household add st --township 630106100 --hukou rural \\
              --village 阳坡村 --address 阳坡村3社12号 --head-name 马明 --income 1200
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "The township's 9-digit code.") var township: String
    @Option(help: "The village or community.") var village: String?
    @Option(help: "The address.") var address: String?
    @Option(name: .customLong("head-name"), help: "The head of household's name.") var headName: String?
    @Option(help: Choices.help("Household registration (户口性质).", UrbanRural.self, valueName: "HUKOU")) var hukou: String
    @Flag(name: .customLong("residence-permit"), help: "Holds a residence permit where they live (R9).") var residencePermit = false
    @Flag(name: .customLong("long-term-urban"), help: "Rural origin, living long in the city (assessed as urban, R10).") var longTermUrban = false
    @Option(help: ArgumentHelp("Monthly income, whole yuan.", valueName: "YUAN")) var income: String?
    @Option(help: ArgumentHelp("Essential monthly expenses, yuan.", valueName: "YUAN")) var expenses: String?
    @Flag(name: .customLong("irregular-income"), help: "Income is not regular (dibao review every 6 months, R2).") var irregularIncome = false
    @Flag(name: .customLong("able-to-work"), help: "A member is able to work (R2).") var ableToWork = false
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let casework = try stationCasework(dir, passphrase)
            let id = try casework.addHousehold(
                HouseholdInput(township: township, village: village, address: address, headName: headName, hukou: hukou,
                               residencePermitHolder: residencePermit, longTermUrbanResident: longTermUrban,
                               monthlyIncomeYuan: income, essentialExpensesYuan: expenses,
                               irregularIncome: irregularIncome, memberAbleToWork: ableToWork),
                at: moment.date)
            printRecorded(id, table: "household", at: moment.date, json: output.json)
        }
    }
}

struct HouseholdShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a household with its members, applications and decisions.",
        discussion: "Example:\n  fieldsync station household show st 3f9a0c1e-000001 --json"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var id: String
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let casework = try stationCasework(dir, passphrase)
            guard let household = try casework.household(id) else { throw try casework.absence("household", id) }
            let members = try casework.members(household: id)
            let applications = try casework.applications(household: id)
            let decisions = try Dictionary(uniqueKeysWithValues: applications.map { ($0.id, try casework.decisions(application: $0.id)) })
            if output.json {
                printJSON(HouseholdFileJSON(household: HouseholdJSON(household), members: members.map(MemberJSON.init),
                                            applications: applications.map { ApplicationJSON($0, decisions: decisions[$0.id] ?? []) }))
            } else {
                CaseworkText.printHousehold(household, members: members, applications: applications, decisions: decisions)
            }
        }
    }
}

struct HouseholdList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the households this station holds.",
        discussion: "Example:\n  fieldsync station household list st"
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let households = try stationCasework(dir, passphrase).households()
            if output.json {
                printJSON(households.map(HouseholdJSON.init))
            } else if households.isEmpty {
                print("没有户 / no households")
            } else {
                var table = TextTable(header: ["户 household", "村 village", "户主 head", "户口 hukou", "类别 category", "状态 status", "下次核查 next review"])
                for h in households {
                    table.add([h.id, h.village ?? "", h.headName ?? "", h.hukou?.rawValue ?? "", h.category?.rawValue ?? "",
                               h.status ?? "", h.nextReview?.description ?? ""])
                }
                print(table.render())
            }
        }
    }
}

struct HouseholdEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Change fields of a household; fields not given stay as they are. Prints its id.",
        discussion: """
        Yes/no fields take --FLAG or --no-FLAG. --at is when the form was filled in (not \
        before the household was registered); a dibao household's next review follows the \
        new flags and income from that date (R1/R2).

        Example:
          fieldsync station household edit st 3f9a0c1e-000001 \\
              --income 1350 --irregular-income --able-to-work \\
              --at 2026-11-20T10:00:00+08:00
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var id: String
    @Option(help: "The township's 9-digit code.") var township: String?
    @Option(help: "The village or community.") var village: String?
    @Option(help: "The address.") var address: String?
    @Option(name: .customLong("head-name"), help: "The head of household's name.") var headName: String?
    @Option(help: Choices.help("Household registration (户口性质).", UrbanRural.self, valueName: "HUKOU")) var hukou: String?
    @Flag(name: .customLong("residence-permit"), inversion: .prefixedNo, help: "Holds a residence permit where they live.") var residencePermit: Bool?
    @Flag(name: .customLong("long-term-urban"), inversion: .prefixedNo, help: "Rural origin, living long in the city.") var longTermUrban: Bool?
    @Option(help: ArgumentHelp("Monthly income, whole yuan.", valueName: "YUAN")) var income: String?
    @Option(help: ArgumentHelp("Essential monthly expenses, yuan.", valueName: "YUAN")) var expenses: String?
    @Flag(name: .customLong("irregular-income"), inversion: .prefixedNo, help: "Income is not regular.") var irregularIncome: Bool?
    @Flag(name: .customLong("able-to-work"), inversion: .prefixedNo, help: "A member is able to work.") var ableToWork: Bool?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    var changes: HouseholdChanges {
        HouseholdChanges(township: township, village: village, address: address, headName: headName, hukou: hukou,
                         residencePermitHolder: residencePermit, longTermUrbanResident: longTermUrban,
                         monthlyIncomeYuan: income, essentialExpensesYuan: expenses, irregularIncome: irregularIncome,
                         memberAbleToWork: ableToWork)
    }

    func validate() throws {
        let given: [Any?] = [township, village, address, headName, hukou, residencePermit, longTermUrban, income, expenses,
                             irregularIncome, ableToWork]
        guard given.contains(where: { $0 != nil }) else { throw ValidationError("give at least one field to change (see --help)") }
    }

    func run() throws {
        try reporting {
            try stationCasework(dir, passphrase).editHousehold(id, changes, at: moment.date)
            printRecorded(id, table: "household", at: moment.date, json: output.json)
        }
    }
}
