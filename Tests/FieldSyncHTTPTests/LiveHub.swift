import FieldSyncHTTP
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the hub's HTTP service on an ephemeral loopback port for the length of `body`,
/// then shuts it down gracefully, as Ctrl-C does to `fieldsync hub serve`.
func withLiveHub<T: Sendable>(_ service: HubHTTPService, _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let (ports, announce) = AsyncStream<Int>.makeStream()
    let app = service.application(host: "127.0.0.1", port: 0) { port in announce.yield(port) }
    let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "fieldsync.test.hub")))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let result: Result<T, Error>
        do { result = .success(try await body(port)) } catch { result = .failure(error) }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}
