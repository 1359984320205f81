import Crypto
import FieldSyncCore
import Foundation

/// The hub's single-use nonces: the replay protection of signed requests.
///
/// A nonce vouches for itself: 16 bytes holding when it was issued (milliseconds on this
/// process's monotonic clock), 3 random bytes, and the first 8 bytes of an HMAC-SHA256 of
/// those 8 under a key drawn when the service starts. Issuing one remembers nothing, so
/// `POST /v1/nonce`, which anyone who reaches the port may call, costs no memory and cannot
/// push a slow station's nonce out of a full store (a flood of them did, when the hub kept
/// every unused nonce, at most 10,000). What the hub remembers is the nonces that *were
/// used*, until they expire; a nonce is used up only by a correctly signed request of an
/// enrolled station (``RequestAuthenticator``), so only such requests fill that memory.
///
/// Freshness is judged on the hub's monotonic clock only (laptop clocks are often wrong):
/// a nonce is good once, within `lifetime` of its issue. A restarted hub draws a new key,
/// so the nonces of the previous process are refused and their stations ask again.
///
/// The used nonces are remembered per station (the signature binds a nonce to the station
/// that signed with it), and memory stays bounded even against an enrolled station that signs
/// request after request: when `capacity` used nonces of one station within their lifetime
/// are remembered, its older half is forgotten and every nonce issued at or before the newest
/// of them is refused for that station from then on (its floor), so a forgotten nonce can
/// never be used a second time. The cost falls on that station alone: a nonce it took before
/// the floor and has not used yet is refused, and it asks for a new one.
public actor NonceStore {
    public let lifetime: Duration
    /// The most used nonces remembered per station.
    public let capacity: Int
    private let key: SymmetricKey
    private let started = ContinuousClock.now
    private var stations: [SiteID: Uses] = [:]

    /// One station's used nonces (their 16 bytes, with the millisecond they were issued at),
    /// and the floor at or below which its nonces are refused: their use may have been forgotten.
    private struct Uses {
        var used: [[UInt8]: UInt64] = [:]
        var floor: UInt64?
    }

    public init(lifetime: Duration = .seconds(300), capacity: Int = 4096) {
        self.lifetime = lifetime
        self.capacity = max(2, capacity)
        key = SymmetricKey(size: .bits256)
    }

    /// A fresh nonce as 32 lowercase hex digits; nothing is kept.
    public func issue() -> String {
        var body = [UInt8](repeating: 0, count: 8)
        let millis = now
        for i in 0..<5 { body[i] = UInt8(truncatingIfNeeded: millis >> (8 * (4 - i))) }
        var rng = SystemRandomNumberGenerator()
        for i in 5..<8 { body[i] = UInt8.random(in: .min ... .max, using: &rng) }
        return Hex.encode(body + tag(of: body))
    }

    /// Uses up `nonce` for `station` (the station whose signature over it was checked): true
    /// once for a nonce this process issued within its lifetime, false for one it never
    /// issued, already used, expired, or older than the station's floor.
    public func consume(_ nonce: String, by station: SiteID) -> Bool {
        guard let bytes = Hex.decode(nonce), bytes.count == 16 else { return false }
        let body = Array(bytes[0..<8])
        // The MAC first, compared in constant time: nothing else of a forged nonce is looked at.
        guard matches(tag: bytes[8..<16], body: body) else { return false }
        let issuedAt = body[0..<5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let current = now
        guard issuedAt <= current, current - issuedAt <= lifetimeMillis else { return false }
        var uses = stations[station] ?? Uses()
        if let floor = uses.floor, issuedAt <= floor { return false }
        guard uses.used[bytes] == nil else { return false }
        makeRoom(in: &uses, at: current)
        uses.used[bytes] = issuedAt
        stations[station] = uses
        return true
    }

    /// How many used nonces are remembered, of every station.
    public var count: Int { stations.values.reduce(0) { $0 + $1.used.count } }

    private var lifetimeMillis: UInt64 { lifetime.wholeMilliseconds }

    /// Milliseconds since this store was made, on the monotonic clock.
    private var now: UInt64 { started.duration(to: .now).wholeMilliseconds }

    private func tag(of body: [UInt8]) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)).prefix(8))
    }

    /// Constant-time comparison of a truncated tag.
    private func matches(tag given: ArraySlice<UInt8>, body: [UInt8]) -> Bool {
        let expected = tag(of: body)
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return given.count == expected.count && difference == 0
    }

    /// Forgets a station's expired uses; when still full, the older half, raising its floor over them.
    private func makeRoom(in uses: inout Uses, at current: UInt64) {
        guard uses.used.count >= capacity else { return }
        let expiry = current > lifetimeMillis ? current - lifetimeMillis : 0
        uses.used = uses.used.filter { $0.value >= expiry }
        guard uses.used.count >= capacity else { return }
        let times = uses.used.values.sorted()
        let newFloor = times[times.count / 2]
        uses.floor = max(uses.floor ?? 0, newFloor)
        uses.used = uses.used.filter { $0.value > newFloor }
    }
}

extension Duration {
    /// The whole milliseconds of a duration, 0 for a negative one: the hub's lifetimes and
    /// ages are counted in milliseconds (uploads, nonces).
    var wholeMilliseconds: UInt64 {
        UInt64(max(0, components.seconds)) * 1000 + UInt64(max(0, components.attoseconds) / 1_000_000_000_000_000)
    }
}
