import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation
import Logging

/// What a station knows about a disagreement between its own history and the hub's copy
/// of it (rule S13): the replica was restored from an older copy, or the same station is
/// used on two laptops.
public struct RestoreState: Sendable, Equatable {
    /// The last of this station's change numbers on which both histories agree, when
    /// known; `nil` until the hub has sent its copy from before the disagreement.
    public let agreedThrough: UInt64?
    /// How many of this station's changes the hub holds (its acknowledgement).
    public let hubHolds: UInt64

    static let settingKey = "restore_detected"

    var encoded: String { "\(agreedThrough.map(String.init) ?? "?") \(hubHolds)" }

    init(agreedThrough: UInt64?, hubHolds: UInt64) {
        self.agreedThrough = agreedThrough
        self.hubHolds = hubHolds
    }

    init?(encoded: String) {
        let parts = encoded.split(separator: " ")
        guard parts.count == 2, let held = UInt64(parts[1]) else { return nil }
        agreedThrough = UInt64(parts[0])
        hubHolds = held
    }

    /// One line for a caseworker, in Chinese and English.
    public var notice: String {
        let zh = "本工作站的数据与县级中心对本站记录的副本不一致：这台电脑可能是从旧备份恢复的，或本站身份正在另一台电脑上使用。"
        let en = "this station's replica disagrees with the hub's copy of its own changes: it was restored from an older copy, or this station is also used on another laptop."
        let what: String
        if agreedThrough == nil {
            what = "请先导出并交给县级中心，再导入县级中心的下一个返回包 / Export and take the bundle to the hub, then import the hub's next return bundle; that locates the difference."
        } else {
            what = "如果是从备份恢复的，请运行 `fieldsync station repair DIR`；如果另一台电脑也在作为本站工作，请停止使用其中一台，不要修复 / If it was restored from a backup, run `fieldsync station repair DIR`; if another laptop works as this station, stop using one of them and do not repair."
        }
        return "注意 warning: \(zh) / \(en) \(what)"
    }
}

/// What a repair did.
public struct RestoreRepair: Sendable, Equatable {
    /// Changes made on this copy after the histories parted, now numbered after the hub's.
    public let renumbered: Int
    /// Rows created on this copy after the histories parted, given new ids so they can
    /// never merge with rows the other history created under the same ids.
    public let renamedRows: Int
    /// This station's changes the hub holds that this copy will receive on its next import.
    public let toReceive: UInt64
}

/// Rule S13: a station checks what a return bundle says of its *own* changes before
/// taking it.
///
/// A hub's return bundle carries this station's own changes from the one the hub
/// believes the station holds last (the anchor, at `assumedVector[station]`) up to what
/// it holds (`acknowledgement[station]`). In normal operation that is one duplicate. A
/// replica restored from an older copy finds there either changes it lacks (nothing is
/// wrong: they are its own, made before the restore on the same laptop) or changes that
/// differ from its own under the same numbers (its new work reused numbers the hub
/// already holds). Then it applies the rest of the bundle, holds back its own changes
/// and the acknowledgement of them, and waits for `fieldsync station repair`.
enum OwnHistory {
    static let logger = Logger(label: "fieldsync.restore")

    static func plan(for station: Station, header: BundleHeader, readable: ReadableBundle) throws -> ImportPlan {
        let site = station.identity.site
        let replica = station.replica
        var own: [Change] = []
        try readable.forEachBatch { batch in own += batch.filter { $0.origin == site } }
        own.sort { $0.sequence < $1.sequence }
        let acknowledgement = header.acknowledgement ?? header.senderVector
        let verdict = try verify(own, assumed: header.assumedVector[site], hubHolds: acknowledgement[site], replica: replica, site: site)
        // Whatever the verdict: new rows must never take an id the hub's copy of this
        // station already used.
        let highestRow = RowIDGenerator.highestNumber(in: own, site: site)
        let raiseRowCounter: (inout ImportTransaction) throws -> Void = { tx in
            if let highestRow { try tx.raiseSetting(RowIDGenerator.settingKey, toAtLeast: highestRow + 1) }
        }
        let held = try own.first.map { try replica.loggedChanges(origin: site, in: $0.sequence...own.last!.sequence) } ?? [:]
        let comingBack = own.contains { held[$0.sequence] == nil }
        // The hub held every station's changes to the clock bound when it merged them (M5).
        var fromHub = MergeGuard.none
        fromHub.boundsClock = false
        switch verdict {
        case .none:
            return ImportPlan(fromHub, observeCreated: comingBack, inTransaction: { tx in
                try raiseRowCounter(&tx)
                try tx.setSetting(RestoreState.settingKey, nil)
            })
        case let .some(state):
            logger.warning("own history differs from the hub's", metadata: [
                "agreedThrough": "\(state.agreedThrough.map(String.init) ?? "unknown")", "hubHolds": "\(state.hubHolds)",
            ])
            var capped = acknowledgement
            let known = try replica.knownVector(of: header.sender)[site]
            capped[site] = min(acknowledgement[site], state.agreedThrough ?? known)
            fromHub.withheldOrigin = site
            return ImportPlan(fromHub,
                              acknowledgement: capped, observeCreated: true, inTransaction: { tx in
                try raiseRowCounter(&tx)
                try tx.setSetting(RestoreState.settingKey, state.encoded)
            })
        }
    }

    /// `nil` when the hub's copy of this station's changes agrees with its own.
    static func verify(_ incoming: [Change], assumed: UInt64, hubHolds: UInt64, replica: Replica,
                       site: SiteID) throws -> RestoreState? {
        // What this replica holds of its own: its log, or past it numbers waived (K8),
        // which the hub holds no more than it does.
        let highest = max(try replica.highestLogged(origin: site), try replica.vector()[site])
        guard !incoming.isEmpty || hubHolds > highest else { return nil }
        let sequences = incoming.map(\.sequence) + (assumed > 0 ? [assumed] : [])
        guard let low = sequences.min(), let high = sequences.max() else { return RestoreState(agreedThrough: nil, hubHolds: hubHolds) }
        let mine = try replica.loggedChanges(origin: site, in: low...high)
        if assumed > 0 {
            if let anchor = incoming.first(where: { $0.sequence == assumed }) {
                // The last change the hub believes this replica holds must be this replica's.
                guard let held = mine[assumed], same(held, anchor) else { return RestoreState(agreedThrough: nil, hubHolds: hubHolds) }
            } else if hubHolds > highest {
                return RestoreState(agreedThrough: nil, hubHolds: hubHolds)
            }
        }
        for change in incoming where change.sequence > assumed {
            if let held = mine[change.sequence], !same(held, change) {
                return RestoreState(agreedThrough: change.sequence - 1, hubHolds: hubHolds)
            }
        }
        return nil
    }

    /// Two changes are the same when their canonical records are (bundle-format.md).
    static func same(_ a: Change, _ b: Change) -> Bool {
        var x = ByteWriter(capacity: 64), y = ByteWriter(capacity: 64)
        a.encode(into: &x)
        b.encode(into: &y)
        return x.bytes == y.bytes
    }
}

extension Station {
    /// What this station knows of a disagreement with the hub's copy of its own
    /// changes, or `nil` when there is none (rule S13).
    public func restoreState() throws(SyncError) -> RestoreState? {
        try SyncError.catching { try replica.setting(RestoreState.settingKey).flatMap(RestoreState.init(encoded:)) }
    }

    /// New ids for the rows that `changes` (made after own change number `shared`, on a
    /// history that parted from the hub's there) created: this station's ids numbered
    /// past every id of the shared history. Rows of the shared history keep theirs.
    func newIDs(forRowsMadeIn changes: [Change], after shared: UInt64) throws -> [String: String] {
        let site = identity.site
        let history = shared == 0 ? [:] : try replica.loggedChanges(origin: site, in: 1...shared)
        let before = RowIDGenerator.highestNumber(in: Array(history.values), site: site) ?? 0
        var renamed: [String: String] = [:]
        for change in changes {
            if let n = RowIDGenerator.number(of: change.rowID, site: site), n > before, renamed[change.rowID] == nil {
                renamed[change.rowID] = try RowIDGenerator.next(for: replica, site: site)
            }
        }
        return renamed
    }

    /// Repairs a replica restored from an older copy (rule S13): the changes made on this
    /// copy after its history parted from the hub's are renumbered after every number the
    /// hub holds, the rows they created get new ids (and every reference to them
    /// follows), and the hub's copy of this station's changes is taken on the next
    /// import. Nothing is lost on either side and no `(origin, sequence)` or row id is
    /// used twice. In one transaction.
    ///
    /// Refused when there is nothing to repair, or while the point where the histories
    /// parted is not known yet (export to the hub and import its next return bundle).
    @discardableResult
    public func repairRestoredCopy() throws(SyncError) -> RestoreRepair {
        guard let state = try restoreState() else { throw .nothingToRepair }
        guard let agreed = state.agreedThrough else { throw .restoreNotLocated }
        guard let hub = try hub() else { throw .notJoined }
        let site = identity.site
        return try SyncError.catching {
            let divergent = try replica.ownChanges(after: agreed)
            let renamed = try newIDs(forRowsMadeIn: divergent, after: agreed)
            try replica.rewriteOwnChanges(after: agreed) { old in
                old.enumerated().map { i, change in
                    OwnHistory.renumbered(change, to: state.hubHolds + UInt64(i) + 1, renamed: renamed,
                                          references: OwnHistory.referenceColumns)
                }
            }
            // What the hub acknowledged of the parted history is not this copy's: owe
            // everything after the agreed point again.
            try replica.lowerKnownVector(of: hub.site, origin: site, to: agreed)
            try replica.setSetting(RestoreState.settingKey, nil)
            try letGoOfCasesTransferredAway()
            OwnHistory.logger.notice("restored copy repaired", metadata: [
                "renumbered": "\(divergent.count)", "renamedRows": "\(renamed.count)",
            ])
            return RestoreRepair(renumbered: divergent.count, renamedRows: renamed.count,
                                 toReceive: state.hubHolds - agreed)
        }
    }
}

/// What taking back a stick of this station's own, written before the laptop was restored,
/// recovered (rule S13).
public struct RecoveredExport: Sendable, Equatable {
    /// Changes on the stick that no replica holds, now numbered after this station's own.
    public let recovered: Int
    /// Rows those changes created, given new ids (references follow).
    public let renamedRows: Int
}

extension Station {
    /// Takes back the work on one of this station's own exports that the replica no
    /// longer holds: a stick written before the laptop was restored from an older copy,
    /// delivered late. The hub refuses such a stick (its numbers are used again by the
    /// restored copy's work); its changes would otherwise exist nowhere.
    ///
    /// Changes the replica holds byte for byte are skipped. The others keep their stamps
    /// and content, are numbered after every number of this station the replica or the hub
    /// holds, and the rows they created get new ids (references follow), exactly as
    /// ``repairRestoredCopy()`` does; then they are owed to the hub like any new work.
    /// Returns zero recovered when the replica already holds everything on the stick.
    public func recoverOwnExport(at path: String) throws(SyncError) -> RecoveredExport {
        let site = identity.site
        guard try restoreState() == nil else { throw .invalidInput(try restoreState()!.notice) }
        guard let hub = try hub() else { throw .notJoined }
        let file = BundleFiles.shownName(path)
        return try SyncError.catching(file: file) {
            let unverified = try UnverifiedBundle.open(path: path)
            guard unverified.signerKey == identity.signingKey.publicKey else { throw SyncError.ownExport(file: file) }
            let verified = try unverified.verify()
            guard verified.header.sender == site else { throw SyncError.senderMismatch(file: file) }
            var stick: [Change] = []
            try verified.open(as: site, key: identity.agreementKey).forEachBatch { batch in
                stick += batch.filter { $0.origin == site }
            }
            stick.sort { $0.sequence < $1.sequence }
            guard let low = stick.first?.sequence, let high = stick.last?.sequence else {
                return RecoveredExport(recovered: 0, renamedRows: 0)
            }
            let held = try replica.loggedChanges(origin: site, in: low...high)
            // Taken back already (under new numbers, maybe renamed rows)? A write is known by its
            // stamp, table, column and value; the restored copy's own work has later stamps.
            let mine = Set(try replica.ownChanges(after: 0).map(OwnHistory.writeKey))
            let lost = stick.filter { change in
                (held[change.sequence].map { !OwnHistory.same($0, change) } ?? true) && !mine.contains(OwnHistory.writeKey(change))
            }
            guard let first = lost.first?.sequence else { return RecoveredExport(recovered: 0, renamedRows: 0) }
            if let highest = RowIDGenerator.highestNumber(in: lost, site: site) {
                // New ids must pass every id of the lost work and of the replica alike.
                try RowIDGenerator.reserve(through: highest, for: replica)
            }
            let renamed = try newIDs(forRowsMadeIn: lost, after: first - 1)
            let references = OwnHistory.referenceColumns
            let after = max(try replica.highestLogged(origin: site), try replica.knownVector(of: hub.site)[site])
            try replica.rewriteOwnChanges(after: after) { _ in
                lost.enumerated().map { i, change in
                    OwnHistory.renumbered(change, to: after + UInt64(i) + 1, renamed: renamed, references: references)
                }
            }
            OwnHistory.logger.notice("lost work taken back from an old export", metadata: [
                "recovered": "\(lost.count)", "renamedRows": "\(renamed.count)",
            ])
            return RecoveredExport(recovered: lost.count, renamedRows: renamed.count)
        }
    }
}

extension OwnHistory {
    /// The `table.column`s that hold row ids (declared `.rowReference`): they follow a rename.
    static let referenceColumns: Set<String> = Set(CaseworkAuthority.tables.flatMap { table, rules in
        rules.columns.compactMap { column, rule in
            if case .rowReference = rule { return "\(table).\(column)" } else { return nil }
        }
    })

    /// What identifies one write whatever its number or (renamed) row: when it was made,
    /// where, and what it wrote.
    static func writeKey(_ change: Change) -> String {
        "\(change.stamp.rawValue) \(change.kind.rawValue) \(change.table).\(change.column) \(change.value.encoded)"
    }

    /// `change` under a new number, its row and references renamed by `renamed`.
    static func renumbered(_ change: Change, to sequence: UInt64, renamed: [String: String], references: Set<String>) -> Change {
        var value = change.value
        if case let .text(text) = value, references.contains("\(change.table).\(change.column)"), let new = renamed[text] {
            value = .text(new)
        }
        return Change(table: change.table, rowID: renamed[change.rowID] ?? change.rowID, kind: change.kind,
                      column: change.column, value: value, stamp: change.stamp, origin: change.origin,
                      sequence: sequence, base: change.base)
    }
}
