import FieldSyncCore
import FieldSyncStore
import Foundation
import XCTest

/// A settable wall clock for tests.
///
/// `@unchecked Sendable` is sound: the only state is `millis`, and every access holds `lock`.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64

    init(_ millis: UInt64 = 1_800_000_000_000) { self.millis = millis }

    var now: UInt64 {
        get { lock.withLock { millis } }
        set { lock.withLock { millis = newValue } }
    }

    func advance(_ delta: UInt64) { lock.withLock { millis += delta } }

    var closure: @Sendable () -> UInt64 { { [self] in now } }
}

func makeReplica(_ n: UInt8, role: ReplicaRole = .station, clock: TestClock = TestClock()) throws -> Replica {
    try Replica.inMemory(schema: TestSchema.schema, siteID: TestSchema.site(n), name: "replica \(n)", role: role, wallClock: clock.closure)
}

/// Every change of the replica's log not covered by `since`, in export order.
func exportAll(_ replica: Replica, since: VersionVector = .empty, batchSize: Int = 1000) throws -> [Change] {
    try replica.exportSnapshot { snapshot in
        var all: [Change] = []
        try snapshot.forEachBatch(since: since, batchSize: batchSize) { all += $0 }
        return all
    }
}

@discardableResult
func apply(_ changes: [Change], to replica: Replica) throws -> ApplyReport {
    try replica.importChanges { tx in try tx.apply(changes) }.1
}

func temporaryPath(_ name: String = "replica") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fieldsync-store-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name).sqlite").path
}
