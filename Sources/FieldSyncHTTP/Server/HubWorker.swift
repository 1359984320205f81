import FieldSyncSync
import NIOPosix

/// Runs the hub's blocking work one job at a time on a thread of its own.
///
/// The Hub API is synchronous (SQLite through GRDB) and a merge may take seconds: it must
/// not run on an event loop or hold a Swift concurrency thread. One thread also makes
/// merges, upload bookkeeping and return-bundle writing strictly serial, so an upload
/// completed twice at once is still merged once, and a return bundle never interleaves
/// with a merge.
public final class HubWorker: Sendable {
    public let hub: Hub
    private let pool: NIOThreadPool

    public init(hub: Hub) {
        self.hub = hub
        self.pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Runs `body` on the hub's thread after every job queued before it.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Hub) throws -> T) async throws -> T {
        let hub = self.hub
        return try await pool.runIfActive { try body(hub) }
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
