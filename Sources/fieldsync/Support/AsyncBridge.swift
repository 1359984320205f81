import Foundation

/// Runs async work to its end from a synchronous command's `run()`.
///
/// The program's entry point and every other command are synchronous; the two HTTP
/// commands (`hub serve`, `station sync`) wait here on the main thread while their work
/// runs on Swift's concurrency threads and NIO's event loops.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let outcome = AsyncOutcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { outcome.result = .success(try await body()) } catch { outcome.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try outcome.result!.get()
}

/// The result handed from the task to the waiting thread; the semaphore orders the two accesses.
private final class AsyncOutcome<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
