import FieldSyncCore
import FieldSyncStore

extension Peer {
    /// The peer as an operator knows it: its name, and for a station its township code,
    /// e.g. `鲁沙尔镇社工站 (township 630106100)`. Refusals name peers so, never by site id.
    public var operatorName: String {
        // Shown escaped: a name an earlier release stored may hold a control character.
        let name = name.escapingControlCharacters
        return township.map { "\(name) (township \($0))" } ?? name
    }
}
