import ArgumentParser
import FieldSyncDomain
import FieldSyncSync
import Foundation

/// `fieldsync station member …`: household members (成员).
struct MemberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Add household members (成员).",
        subcommands: [MemberAdd.self]
    )
}

struct MemberAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a member to a household. Prints the member's id on its own line.",
        discussion: """
        The ID card number is checked (GB 11643 check digit, birth date, area code); the \
        birth date and sex are taken from it. A --birth-date given must agree with it and may \
        not be after --at (when the form was filled in; not before the household was \
        registered). Labour capacity counts for the dibao review cycle (R2): the household's \
        next review follows it. If another member held at this station has the same ID \
        number, the member is still added and a warning names the other member and household \
        by row id (on standard error; in --json as `sameIDNumber`).

        Example:
          fieldsync station member add st 3f9a0c1e-000001 --name 马明 \\
              --id-number 639900198003150014 --relation head --labour-capacity full \\
              --at 2026-11-02T09:10:00+08:00
        """
    )
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The household id.") var household: String
    @Option(help: "The member's name.") var name: String
    @Option(name: .customLong("id-number"), help: "The 18-character resident ID card number.") var idNumber: String
    @Option(help: Choices.help("Relation to the head of household.", Relation.self, valueName: "RELATION")) var relation: String
    @Option(name: .customLong("labour-capacity"),
            help: Choices.help("Labour capacity (劳动能力).", LabourCapacity.self, valueName: "CAPACITY")) var labourCapacity: String
    @Option(name: .customLong("birth-date"), help: ArgumentHelp("YYYY-MM-DD; must agree with the ID number.", valueName: "DATE"))
    var birthDate: String?
    @Option(name: .customLong("disability-type"),
            help: Choices.help("Disability type (残疾类别).", DisabilityType.self, valueName: "TYPE")) var disabilityType: String?
    @Option(name: .customLong("disability-grade"), help: ArgumentHelp("Disability grade 1–4 (0: none).", valueName: "N"))
    var disabilityGrade: Int = 0
    @Option(help: "Health, as noted on the form.") var health: String?
    @Flag(help: "In school.") var student = false
    @Option(name: .customLong("care-grade"),
            help: Choices.help("Self-care ability (生活自理能力).", CareGrade.self, valueName: "GRADE")) var careGrade: String?
    @OptionGroup var moment: MomentOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            let casework = try stationCasework(dir, passphrase)
            let added = try casework.addMemberAndCheckIDNumber(household: household, MemberInput(
                name: name, idNumber: idNumber, birthDate: birthDate, relation: relation, labourCapacity: labourCapacity,
                disabilityType: disabilityType, disabilityGrade: disabilityGrade, health: health, student: student,
                careGrade: careGrade), at: moment.date)
            if output.json {
                printJSON(MemberAddedJSON(added, at: moment.date))
            } else {
                print(added.id)
                // On standard error, so that `M=$(fieldsync station member add …)` still takes the id alone.
                if let warning = added.sameIDNumber { FileHandle.standardError.write(Data("fieldsync: \(warning)\n".utf8)) }
            }
        }
    }
}

/// `member add --json`: the recorded id, and the other members with the same ID number.
struct MemberAddedJSON: Encodable {
    struct HolderJSON: Encodable { let member: String, household: String }
    struct WarningJSON: Encodable { let message: String, others: [HolderJSON] }
    let id: String, table: String, at: String
    let sameIDNumber: WarningJSON?

    init(_ added: MemberAddition, at date: Date) {
        id = added.id; table = "member"; at = Timestamp(date).description
        sameIDNumber = added.sameIDNumber.map { w in
            WarningJSON(message: w.description, others: w.others.map { HolderJSON(member: $0.member, household: $0.household) })
        }
    }
}
