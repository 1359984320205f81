import FieldSyncCore

/// The hub's single-use nonces: the replay protection of signed requests.
///
/// Freshness is judged on the hub's monotonic clock only (laptop clocks are often wrong):
/// a nonce is good once, within `lifetime` of its issue. The store is bounded: when full,
/// expired nonces go first, then the oldest, so a flood of `POST /v1/nonce` costs memory
/// up to `capacity` and at worst makes a slow station ask again.
public actor NonceStore {
    public let lifetime: Duration
    public let capacity: Int
    private var issued: [String: ContinuousClock.Instant] = [:]
    /// Issue order, for evicting the oldest; may hold nonces already used (skipped on eviction).
    private var order: [String] = []
    private var orderStart = 0

    public init(lifetime: Duration = .seconds(300), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// A fresh nonce: 16 random bytes from the system generator, as 32 hex digits.
    public func issue() -> String {
        var rng = SystemRandomNumberGenerator()
        let nonce = Hex.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
        makeRoom()
        issued[nonce] = .now
        order.append(nonce)
        return nonce
    }

    /// Uses up `nonce`: true once for a nonce issued within its lifetime, false for one
    /// never issued, already used, expired or evicted.
    public func consume(_ nonce: String) -> Bool {
        guard let at = issued.removeValue(forKey: nonce) else { return false }
        return at.duration(to: .now) <= lifetime
    }

    public var count: Int { issued.count }

    private func makeRoom() {
        guard issued.count >= capacity else { return }
        let now = ContinuousClock.now
        issued = issued.filter { $0.value.duration(to: now) <= lifetime }
        while issued.count >= capacity, orderStart < order.count {
            issued.removeValue(forKey: order[orderStart])
            orderStart += 1
        }
        // Compact the issue order now and then, so it stays proportional to the store.
        if orderStart > capacity {
            order = order[orderStart...].filter { issued[$0] != nil }
            orderStart = 0
        }
    }
}
