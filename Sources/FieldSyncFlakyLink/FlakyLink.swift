import FieldSyncCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback that behaves like a 4G link that drops: it forwards a client's
/// connections to `upstreamPort` and cuts or stalls them as its ``Faults`` say. It counts
/// every byte it forwards each way, and every cut and stall, so a caller can set what
/// crossed the link against what had to.
///
/// Why its own target and not a part of FieldSyncHTTP: it is an instrument, not the sync.
/// Nothing in `hub serve` or `station sync` uses it; the tests of the HTTP sync and the
/// demo (`fieldsync demo`, scene ⑨) do. Kept apart, the HTTP library carries no fault
/// injection, and the proxy, which knows nothing of HTTP, depends on nothing but Foundation.
///
/// "Up" is the client's direction (a station's bytes to the hub), "down" the other.
/// Plain blocking sockets, two threads per connection: small, and obviously correct.
public final class FlakyLink: @unchecked Sendable {
    /// What goes wrong on the link.
    public enum Faults: Sendable {
        /// Each connection draws its fate from a generator seeded with `seed`, in the order
        /// the connections come: many different rounds from one seed each (a property test).
        case random(RandomFaults, seed: UInt64)
        /// Faults at fixed offsets of the bytes sent up, counted over all connections in the
        /// order they pass: the same faults at the same bytes of the same exchange every run,
        /// whatever the timing (the demo).
        case scheduled([Fault])
    }

    /// Per-connection chances of a cut or a stall, and a cap so every round can finish.
    public struct RandomFaults: Sendable {
        /// Chance that a connection is cut, and the byte offset range (either way) the cut falls in.
        public var cutChance: Double
        public var cutWithin: Int
        /// Chance that a connection stalls once, and for how long.
        public var stallChance: Double
        public var stallSeconds: ClosedRange<Double>
        /// At most this many cuts and stalls in all.
        public var maxFaults: Int

        public init(cutChance: Double = 0.3, cutWithin: Int = 24 * 1024, stallChance: Double = 0.1,
                    stallSeconds: ClosedRange<Double> = 0.2...1.5, maxFaults: Int = 6) {
            self.cutChance = cutChance
            self.cutWithin = cutWithin
            self.stallChance = stallChance
            self.stallSeconds = stallSeconds
            self.maxFaults = maxFaults
        }
    }

    /// One fault of a schedule, at an offset of the bytes the link has carried up.
    public enum Fault: Sendable, Equatable {
        /// The connection carrying up-byte `offset` is cut just before it (once).
        case cut(atUpByte: Int64)
        /// The bytes at up-byte `offset` are held for `seconds` (once), then go on.
        case stall(atUpByte: Int64, seconds: Double)
        /// From up-byte `offset` on, the link carries nothing up: every connection is cut there.
        case dies(atUpByte: Int64)

        var offset: Int64 {
            switch self {
            case let .cut(offset), let .stall(offset, _), let .dies(offset): offset
            }
        }
    }

    /// What crossed the link, and what went wrong on it.
    public struct Counts: Sendable, Equatable {
        public var up: Int64 = 0
        public var down: Int64 = 0
        public var cuts = 0
        public var stalls = 0
        public var connections = 0
    }

    public let port: Int
    private let upstreamPort: Int
    private let faults: Faults
    private let listener: Int32
    private let lock = NSLock()
    private var generator: SeededGenerator
    /// The scheduled faults not yet met, by offset.
    private var pending: [Fault]
    private var counts = Counts()
    private var open: Set<Int32> = []
    private var stopped = false

    /// Listens on an ephemeral loopback port (``port``) and forwards to `upstreamPort` on loopback.
    public init(upstreamPort: Int, faults: Faults) throws(FlakyLinkError) {
        self.upstreamPort = upstreamPort
        self.faults = faults
        switch faults {
        case let .random(_, seed):
            generator = SeededGenerator(seed: seed)
            pending = []
        case let .scheduled(schedule):
            generator = SeededGenerator(seed: 0)
            pending = schedule.sorted { $0.offset < $1.offset }
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let failure = errno
            close(fd)
            throw .cannotListen(errno: failure)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    public var snapshot: Counts { lock.withLock { counts } }

    /// Stops accepting and cuts every open connection.
    public func stop() {
        lock.withLock {
            stopped = true
            for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            let plan = lock.withLock { () -> Plan? in
                guard !stopped else { return nil }
                open.insert(client)
                open.insert(upstream)
                counts.connections += 1
                return drawPlan()
            }
            guard let plan else {
                close(client)
                close(upstream)
                continue
            }
            let connection = Connection(client: client, upstream: upstream)
            Thread { [self] in pump(connection, from: client, to: upstream, up: true, plan: plan) }.start()
            Thread { [self] in pump(connection, from: upstream, to: client, up: false, plan: plan) }.start()
        }
    }

    /// What happens to one connection under random faults: a cut after `cutAt` bytes one
    /// way, a stall at `stallAt` bytes one way. Empty under a schedule.
    struct Plan {
        var cutAt: Int?
        var cutUp = true
        var stallAt: Int?
        var stallUp = true
        var stallFor = 0.0
    }

    /// Draws under the lock, in connection order, from the seeded generator.
    private func drawPlan() -> Plan {
        var plan = Plan()
        guard case let .random(faults, _) = faults else { return plan }
        let budget = faults.maxFaults - counts.cuts - counts.stalls
        if budget > 0, Double.random(in: 0..<1, using: &generator) < faults.cutChance {
            plan.cutAt = Int.random(in: 0..<faults.cutWithin, using: &generator)
            plan.cutUp = Bool.random(using: &generator)
        } else if budget > 0, Double.random(in: 0..<1, using: &generator) < faults.stallChance {
            plan.stallAt = Int.random(in: 0..<faults.cutWithin, using: &generator)
            plan.stallUp = Bool.random(using: &generator)
            plan.stallFor = Double.random(in: faults.stallSeconds, using: &generator)
        }
        return plan
    }

    /// Both directions of one connection; the sockets close when both are done.
    final class Connection: @unchecked Sendable {
        let client: Int32
        let upstream: Int32
        private var finished = 0
        private let lock = NSLock()
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        /// True for the second direction to finish.
        func finish() -> Bool { lock.withLock { finished += 1; return finished == 2 } }
    }

    /// What to do with the next bytes read on one direction of a connection.
    struct Step {
        /// How many of them to forward (all, or the ones before a cut).
        var forward: Int
        var cut = false
        var stallFor: Double?
    }

    /// The step for `n` bytes read on a connection that has forwarded `forwarded` bytes this
    /// way: the connection's random plan, then the link's schedule (up only, by link offset).
    private func step(_ n: Int, forwarded: Int, up: Bool, plan: Plan, stalled: Bool) -> Step {
        var step = Step(forward: n)
        if let stallAt = plan.stallUp == up ? plan.stallAt : nil, !stalled, forwarded + n > stallAt {
            step.stallFor = plan.stallFor
        }
        if let cutAt = plan.cutUp == up ? plan.cutAt : nil, forwarded + n > cutAt {
            step.forward = cutAt - forwarded
            step.cut = true
        }
        guard up else { return step }
        return lock.withLock {
            let start = counts.up
            while let fault = pending.first, fault.offset < start + Int64(step.forward) {
                switch fault {
                case let .stall(_, seconds):
                    // Holds the bytes read with the one at the offset: a link stalls between packets.
                    pending.removeFirst()
                    step.stallFor = seconds
                case let .cut(offset):
                    pending.removeFirst()
                    step.forward = min(step.forward, Int(max(0, offset - start)))
                    step.cut = true
                case let .dies(offset):
                    // Stays in the schedule: every later connection is cut here too.
                    step.forward = min(step.forward, Int(max(0, offset - start)))
                    step.cut = true
                    return step
                }
            }
            return step
        }
    }

    private func pump(_ connection: Connection, from source: Int32, to destination: Int32, up: Bool, plan: Plan) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var forwarded = 0
        var stalled = false
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            let step = step(n, forwarded: forwarded, up: up, plan: plan, stalled: stalled)
            if let seconds = step.stallFor {
                stalled = true
                lock.withLock { counts.stalls += 1 }
                Thread.sleep(forTimeInterval: seconds)
            }
            if !sendAll(buffer[0..<step.forward], to: destination) { break }
            forwarded += step.forward
            lock.withLock { if up { counts.up += Int64(step.forward) } else { counts.down += Int64(step.forward) } }
            if step.cut {
                lock.withLock { counts.cuts += 1 }
                shutdown(connection.client, Int32(SHUT_RDWR))
                shutdown(connection.upstream, Int32(SHUT_RDWR))
                break
            }
        }
        // One direction ended: tell the other side no more bytes come this way.
        shutdown(destination, Int32(SHUT_WR))
        if connection.finish() {
            lock.withLock {
                open.remove(connection.client)
                open.remove(connection.upstream)
            }
            close(connection.client)
            close(connection.upstream)
        }
    }

    private func sendAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}

/// Why a ``FlakyLink`` could not start.
public enum FlakyLinkError: Error, CustomStringConvertible {
    case cannotListen(errno: Int32)

    public var description: String {
        switch self {
        case let .cannotListen(code):
            "the flaky link could not listen on a loopback port: \(String(cString: strerror(code)))"
        }
    }
}
