/// Where a sync round stands, for a progress bar or a log line. Byte counts only.
public enum SyncProgress: Sendable, Equatable {
    case exported(name: String, bytes: Int64)
    case uploading(done: Int64, total: Int64)
    case waitingForMerge
    case merged(MergeResultBody)
    case downloading(done: Int64, total: Int64)
    case imported(applied: Int, changes: Int)
    /// A request failed; the round pauses `seconds` and tries again.
    case retrying(after: Double, problem: String)
}

/// What one completed round did, and what the link cost.
public struct SyncRoundReport: Sendable, Equatable {
    public var uploadName: String
    public var uploadBytes: Int64
    public var merge: MergeResultBody
    public var downloadBytes: Int64
    public var importedChanges: Int
    public var importedApplied: Int
    /// Chunk bytes sent in PATCH requests, the repeats after a cut included.
    public var chunkBytesSent: Int64
    /// Body bytes of return-bundle downloads received, the repeats included.
    public var downloadBytesReceived: Int64
    /// Requests that failed on the link (cut, stalled past the timeout, refused to connect).
    public var interruptions: Int
}

/// How hard a round tries: the chunk size, one request's time limit, the whole round's
/// limit, and the exponential backoff (with jitter) between failed requests.
public struct SyncOptions: Sendable {
    public var chunkBytes: Int
    public var requestTimeout: Duration
    public var totalTimeout: Duration
    public var backoffBase: Duration
    public var backoffCap: Duration

    public init(chunkBytes: Int = 1 << 20, requestTimeout: Duration = .seconds(30), totalTimeout: Duration = .seconds(600),
                backoffBase: Duration = .milliseconds(250), backoffCap: Duration = .seconds(15)) {
        self.chunkBytes = chunkBytes
        self.requestTimeout = requestTimeout
        self.totalTimeout = totalTimeout
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
    }
}

/// Exponential backoff with full jitter, bounded by the round's deadline.
struct Backoff {
    let options: SyncOptions
    let deadline: ContinuousClock.Instant
    var failures = 0

    init(options: SyncOptions) {
        self.options = options
        self.deadline = .now + options.totalTimeout
    }

    var expired: Bool { ContinuousClock.now >= deadline }

    /// The next pause: base × 2^failures, capped, then a random half to whole of it (so
    /// stations cut by the same outage do not all come back at once), never past the deadline.
    mutating func nextPause() -> Duration? {
        guard !expired else { return nil }
        let exponent = min(failures, 16)
        failures += 1
        let full = min(options.backoffBase * (1 << exponent), options.backoffCap)
        let pause = full * Double.random(in: 0.5...1.0)
        let left = ContinuousClock.now.duration(to: deadline)
        return min(pause, left)
    }

    mutating func succeeded() { failures = 0 }
}
