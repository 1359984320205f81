/// Why a station refused a return bundle's hub key announcement (`hub_key`, hub key
/// rotation): the new key does not follow, signature by signature, from the hub key the
/// station trusts. The whole bundle was refused; nothing of it was applied.
public struct HubKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let hubName: String
    /// What is wrong with the announcement, in English (no personal data: keys are named by fingerprint).
    public let reason: String

    public var description: String {
        "\(file) 中县级中心（\(hubName)）的密钥更换通知无法用本站信任的密钥验证，整个数据包未导入；请联系县级中心核实 / \(file) announces a new key for hub \(hubName) that does not follow from the hub key this station trusts: \(reason). Nothing of the bundle was applied. Call the county hub to check where the file came from before importing anything else from it."
    }
}
