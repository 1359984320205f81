import NIOPosix

/// Runs a node's blocking work (SQLite through GRDB, bundle reading) one job at a time on a
/// thread of its own, off the event loops.
///
/// One thread makes the page's writes serial, as the command line's are: a merge or an
/// import never interleaves with a form's write, and a double-clicked button writes twice
/// in order, never at once.
public final class NodeWorker: Sendable {
    private let pool: NIOThreadPool

    public init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive { try body() }
    }

    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
