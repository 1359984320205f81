import FieldSyncCore

/// Two concurrent, different writes to one reviewed cell (or a second write to an
/// append-only cell): the merge kept `winner` deterministically, and a person should look
/// at `loser` before the case is decided.
public struct ConflictRecord: Sendable, Equatable {
    public var id: Int64
    public var table: String
    public var rowID: String
    public var column: String
    public var winner: CellState
    public var loser: CellState
    public var detectedAtMillis: UInt64
    public var resolved: Bool

    public init(id: Int64, table: String, rowID: String, column: String, winner: CellState, loser: CellState,
                detectedAtMillis: UInt64, resolved: Bool) {
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
