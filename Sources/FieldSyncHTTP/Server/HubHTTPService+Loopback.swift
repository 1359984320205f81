import Hummingbird
import Logging
import ServiceLifecycle

extension HubHTTPService {
    /// Serves on an ephemeral loopback port for the length of `body` (which gets the port),
    /// then shuts the service down gracefully, as Ctrl-C does to `fieldsync hub serve`.
    ///
    /// For whoever drives a hub and its stations in one process: the demo's HTTP scene and
    /// the HTTP tests. The port is 0 so that runs never collide; nothing listens beyond
    /// 127.0.0.1.
    public func servingOnLoopback<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, announce) = AsyncStream<Int>.makeStream()
        let app = application(host: "127.0.0.1", port: 0) { port in announce.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [],
                                                      logger: Logger(label: "fieldsync.http.loopback")))
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
}
