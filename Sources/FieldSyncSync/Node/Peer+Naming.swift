import FieldSyncCore
import FieldSyncStore

extension Peer {
    /// The peer as an operator knows it: its name, and for a station its township code,
    /// e.g. `鲁沙尔镇社工站 (township 630106100)`. Refusals name peers so, never by site id.
    public var operatorName: String {
        township.map { "\(shownName) (township \($0))" } ?? shownName
    }

    /// The peer's name as shown anywhere a person reads it: escaped, as a name an earlier
    /// release stored may hold a control character.
    public var shownName: String { name.escapingControlCharacters }
}
