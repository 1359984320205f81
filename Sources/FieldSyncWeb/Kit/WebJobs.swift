import Foundation
import NIOConcurrencyHelpers

/// Long work started from a page (an export, an import, a merge of a folder of sticks): it
/// runs on the node's worker while its page refreshes itself once a second (an HTML
/// `meta refresh`, so no script is needed) and shows how far it got, then the result in words.
public final class WebJobs: Sendable {
    public struct Job: Sendable {
        public enum State: Sendable, Equatable {
            case running
            case finished([String])
            case failed(String)
        }
        public let id: Int
        public let title: String
        /// Where the finished page links back to.
        public let back: String
        public var done: Int = 0
        public var total: Int = 0
        public var current: String = ""
        public var state: State = .running
    }

    private let jobs = NIOLockedValueBox<(next: Int, all: [Int: Job])>((1, [:]))

    public init() {}

    public func start(title: String, back: String) -> Int {
        jobs.withLockedValue { s in
            let id = s.next
            s.next += 1
            s.all[id] = Job(id: id, title: title, back: back)
            // Only the newest jobs are kept: their pages are read once, right after.
            if s.all.count > 64, let oldest = s.all.keys.min() { s.all[oldest] = nil }
            return id
        }
    }

    public func progress(_ id: Int, done: Int, total: Int, current: String) {
        jobs.withLockedValue { s in
            s.all[id]?.done = done
            s.all[id]?.total = total
            s.all[id]?.current = current
        }
    }

    public func finish(_ id: Int, _ state: Job.State) {
        jobs.withLockedValue { $0.all[id]?.state = state }
    }

    public func job(_ id: Int) -> Job? { jobs.withLockedValue { $0.all[id] } }
}

/// A job's page.
struct JobView {
    let title: String
    let running: Bool
    let failed: Bool
    let percent: Int
    let done: Int
    let total: Int
    let current: String
    let lines: [String]
    let message: String?
    let back: String

    init(_ job: WebJobs.Job) {
        title = job.title
        done = job.done
        total = job.total
        current = job.current
        percent = job.total > 0 ? min(100, job.done * 100 / job.total) : 0
        back = job.back
        switch job.state {
        case .running: running = true; failed = false; lines = []; message = nil
        case let .finished(l): running = false; failed = false; lines = l; message = nil
        case let .failed(m): running = false; failed = true; lines = []; message = m
        }
    }
}
