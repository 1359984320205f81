import Foundation
import ServiceLifecycle

/// Locks idle sessions at the minute (``WebSessions/lockIdle()``) while the desk serves:
/// without it a session was locked only when its browser next asked for a page, and the
/// opened keys of a laptop left with the page in the background stayed in memory until then.
/// Checks every `interval` (a tenth of `lockAfter`, at most 30 s), so a session is locked
/// at most that long after its time; stops when the application shuts down.
struct IdleLock<Node: Sendable>: Service {
    let sessions: WebSessions<Node>

    var interval: Duration {
        .milliseconds(Int(min(30, max(0.05, sessions.lockAfter / 10)) * 1000))
    }

    /// Returns only when the application shuts down: Hummingbird's service group takes a
    /// service that returns earlier as a failure and stops the whole desk. Hence the desk
    /// registers it only where the keys are sealed (``Workbench``): elsewhere there is nothing
    /// to lock, and nothing for it to do.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                sessions.lockIdle()
            }
        }
    }
}
