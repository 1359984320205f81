import FieldSyncCore

/// Two writes to one cell a person should look at before the case is decided: concurrent
/// and different on a reviewed cell (or a second write to an append-only cell), a stale
/// write overruled by precedence (M7), or an edit a concurrent delete removed (see
/// ``ConflictKind``). The merge kept `winner` deterministically; `loser` did not take effect.
public struct ConflictRecord: Sendable, Equatable {
    public var id: Int64
    public var table: String
    public var rowID: String
    public var column: String
    public var winner: CellState
    public var loser: CellState
    public var detectedAtMillis: UInt64
    public var resolved: Bool
    /// Why it was recorded. For ``ConflictKind/lostToDelete`` the winner is the delete:
    /// its version, and the value null.
    public var kind: ConflictKind

    public init(id: Int64, table: String, rowID: String, column: String, winner: CellState, loser: CellState,
                detectedAtMillis: UInt64, resolved: Bool, kind: ConflictKind = .concurrent) {
        self.kind = kind
        self.id = id
        self.table = table
        self.rowID = rowID
        self.column = column
        self.winner = winner
        self.loser = loser
        self.detectedAtMillis = detectedAtMillis
        self.resolved = resolved
    }
}
