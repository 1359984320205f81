import FieldSyncCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback that behaves like a 4G link that drops: for each connection it
/// draws, from a seeded generator, whether to cut it after a random number of bytes (in
/// either direction) and whether to stall it for a while at a random byte. It counts every
/// byte it forwards each way, and every cut and stall, so a test can compare what crossed
/// the link with what had to.
///
/// Plain blocking sockets, two threads per connection: small, and obviously correct.
final class FaultyLinkProxy: @unchecked Sendable {
    struct Faults {
        /// Chance that a connection is cut, and the byte offset range the cut falls in.
        var cutChance: Double = 0.3
        var cutWithin: Int = 24 * 1024
        /// Chance that a connection stalls once, and for how long.
        var stallChance: Double = 0.1
        var stallSeconds: ClosedRange<Double> = 0.2...1.5
        /// At most this many cuts and stalls in all, so every round can finish.
        var maxFaults = 6
        /// The link dies for good once this many bytes went up: every connection is cut there.
        var deadAfterUp: Int64?
    }

    struct Counts: Equatable {
        var up: Int64 = 0
        var down: Int64 = 0
        var cuts = 0
        var stalls = 0
        var connections = 0
    }

    let port: Int
    private let upstreamPort: Int
    private let faults: Faults
    private let listener: Int32
    private let lock = NSLock()
    private var generator: SeededGenerator
    private var counts = Counts()
    private var open: Set<Int32> = []
    private var stopped = false

    init(upstreamPort: Int, seed: UInt64, faults: Faults = Faults()) throws {
        self.upstreamPort = upstreamPort
        self.faults = faults
        self.generator = SeededGenerator(seed: seed)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError.cannotListen
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    enum ProxyError: Error { case cannotListen }

    var snapshot: Counts { lock.withLock { counts } }

    /// Stops accepting and cuts every open connection.
    func stop() {
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

    /// What happens to one connection: a cut after `cutAt` bytes one way, a stall at `stallAt` bytes one way.
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

    private func pump(_ connection: Connection, from source: Int32, to destination: Int32, up: Bool, plan: Plan) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var forwarded = 0
        var stalled = false
        let cutAt = plan.cutUp == up ? plan.cutAt : nil
        let stallAt = plan.stallUp == up ? plan.stallAt : nil
        loop: while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            var slice = Array(buffer[0..<n])
            if let stallAt, !stalled, forwarded + n > stallAt {
                stalled = true
                lock.withLock { counts.stalls += 1 }
                Thread.sleep(forTimeInterval: plan.stallFor)
            }
            var cut = false
            if let cutAt, forwarded + n > cutAt {
                slice = Array(slice.prefix(cutAt - forwarded))
                cut = true
            }
            if up, let dead = faults.deadAfterUp {
                let left = Int(max(0, dead - lock.withLock { counts.up }))
                if slice.count > left {
                    slice = Array(slice.prefix(left))
                    cut = true
                }
            }
            if !sendAll(slice, to: destination) { break }
            forwarded += slice.count
            lock.withLock { if up { counts.up += Int64(slice.count) } else { counts.down += Int64(slice.count) } }
            if cut {
                lock.withLock { counts.cuts += 1 }
                shutdown(connection.client, Int32(SHUT_RDWR))
                shutdown(connection.upstream, Int32(SHUT_RDWR))
                break loop
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

    private func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
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
