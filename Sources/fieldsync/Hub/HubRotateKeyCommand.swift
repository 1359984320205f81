import ArgumentParser
import FieldSyncSync
import Foundation

struct HubRotateKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Give the hub new keys and announce them to every station in its next return bundles, signed by the old key.",
        discussion: """
        Stations switch when they import the announcement, without a trip to the county. \
        Each station's return bundles stay signed with the key it trusts until a bundle \
        merged from it shows it has switched (it was encrypted to the new key); the old \
        keys stay in identity.json (sealed) to open bundles encrypted to them. Back up the \
        hub folder afterwards: identity.json changed. Refused while `fieldsync hub serve` \
        runs for the hub (a running server keeps the keys it loaded): stop it, rotate, start it again.

        Example:
          fieldsync hub rotate-key hub-huangzhong
          fieldsync hub export hub-huangzhong --out-dir /media/usb/return
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    struct RotationJSON: Encodable {
        let announcement: String, signingKey: String, agreementKey: String, previousSigningKey: String, issuedAt: String
        let stationsToSwitch: Int
    }

    func run() throws {
        try reporting {
            let rotation = try passphrase.hub(dir).rotateKeys()
            let a = rotation.announcement
            if output.json {
                printJSON(RotationJSON(announcement: a.rowID, signingKey: a.signingKey.fingerprint, agreementKey: a.agreementKey.fingerprint,
                                       previousSigningKey: a.previousSigningKey.fingerprint, issuedAt: a.issuedAt,
                                       stationsToSwitch: rotation.stationsToSwitch))
            } else {
                print("new hub key \(a.signingKey.fingerprint) (was \(a.previousSigningKey.fingerprint)), announcement \(a.rowID)")
                print("\(rotation.stationsToSwitch) station(s) switch when they import their next return bundle (`fieldsync hub export`)")
            }
        }
    }
}
