import FieldSyncCore
import GRDB

/// The bookkeeping a local act may have to write together with its rows, in the same
/// transaction: a counter setting (the next row number of a row written inside it) and a
/// peer (an enrollment and the audit event recording it commit together or not at all).
extension LocalTransaction {
    /// A setting's value in this transaction, nil when unset.
    public func setting(_ key: String) throws(StoreError) -> String? {
        try StoreError.catching { try String.fetchOne(db, sql: "SELECT value FROM fs_settings WHERE key = ?", arguments: [key]) }
    }

    /// Sets a setting in this transaction.
    public mutating func setSetting(_ key: String, _ value: String) throws(StoreError) {
        try StoreError.catching {
            try db.execute(sql: "INSERT OR REPLACE INTO fs_settings(key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Inserts or replaces a peer, its known vector included, in this transaction.
    public mutating func savePeer(_ peer: Peer) throws(StoreError) {
        try StoreError.catching { try Replica.savePeer(peer, in: db) }
    }
}

extension ImportTransaction {
    /// Moves this replica's next own change number past `sequence`, the highest of its own
    /// changes a peer says it holds. A hub restored from a backup or rebuilt with its keys
    /// has forgotten how far it numbered; a number is never used twice with other content
    /// (A2), so what it writes next must come after what the stations already hold of it.
    ///
    /// A number further than ``maxNumberingLoss`` past the next is no restore's loss but a
    /// sender's false header (a county hub's, a station's): refused, since numbering past it
    /// would leave the 63-bit counter no room.
    public mutating func numberOwnChanges(after sequence: UInt64) throws(StoreError) {
        try Self.refuseBeyondAnyLoss(sequence, past: meta.nextSequence, what: "this replica's own changes")
        if meta.nextSequence <= sequence { meta.nextSequence = sequence + 1 }
    }

    /// Refuses a number a peer reports (or a change it carries) of this replica's own
    /// numbering when it lies more than ``maxNumberingLoss`` past `held`: no restore lost that
    /// much, and numbering past it would leave the counter no room.
    public static func refuseBeyondAnyLoss(_ claimed: UInt64, past held: UInt64, what: String) throws(StoreError) {
        guard claimed <= held + maxNumberingLoss else { throw .implausibleClaim(what: what, value: claimed) }
    }

    /// How far past what a replica holds a peer's report of its numbering may reach (a hub
    /// restored from a copy, §4d HR1): what it lost is what it numbered since the copy, far
    /// below 2^32 changes or feed positions in a county's lifetime; 2^32 past anything it
    /// holds leaves its 63-bit counters room for ever.
    public static let maxNumberingLoss: UInt64 = 1 << 32
}
