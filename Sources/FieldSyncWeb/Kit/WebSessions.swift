import Crypto
import Foundation
import NIOConcurrencyHelpers

/// The browser sessions of one workbench, and the opened node (station or hub) each holds.
///
/// A session is a random cookie value; its CSRF token is a second random value that only
/// the pages of this session carry in their forms, so a form posted from anywhere else (a
/// page on the internet that the caseworker's browser also has open) is refused.
///
/// Where the node's keys are sealed, a session holds the node only after its passphrase
/// was given, and drops it after `lockAfter` without a request: a laptop left open in a
/// township office locks itself, and the keys are out of memory again. Where the keys are
/// not sealed there is nothing to unlock; every session shares the one node.
public final class WebSessions<Node: Sendable>: Sendable {
    struct Session: Sendable {
        let id: String
        let csrf: String
        var node: Node?
        var lastUse: Date
        var flash: String?
        /// The form keys already posted (newest last, at most ``formMemory``).
        var postedForms: [String] = []
        /// For each form action posted, the last rendering (``formKey()``'s number) issued
        /// before that post: a rendering up to it is refused there (a second tab).
        var postedThrough: [String: UInt64] = [:]
        /// Locked by ``lockIdle()`` while no request came: the next one is told why.
        var lockedIdle = false
    }

    /// What a request finds: its session (maybe new) and whether it is unlocked.
    public struct Lookup: Sendable {
        public let id: String
        public let csrf: String
        public let node: Node?
        public let isNew: Bool
        /// The session was unlocked and locked itself for lack of use just now.
        public let lockedForIdleness: Bool
        public let flash: String?
    }

    public let lockAfter: TimeInterval
    /// The node shared by every session when its keys are not sealed.
    public let sharedNode: Node?
    private let state = NIOLockedValueBox<[String: Session]>([:])
    private let now: @Sendable () -> Date
    /// At most this many sessions are kept (oldest dropped): a loop of cookie-less requests
    /// cannot grow the table without bound.
    static var capacity: Int { 256 }

    public init(lockAfter: TimeInterval, sharedNode: Node?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.lockAfter = lockAfter
        self.sharedNode = sharedNode
        self.now = now
    }

    public var needsUnlock: Bool { sharedNode == nil }

    /// The session of `cookie`, its last use moved to now; a new session when there is none.
    public func lookup(cookie: String?) -> Lookup {
        let t = now()
        return state.withLockedValue { sessions in
            if let cookie, var s = sessions[cookie] {
                var idle = s.lockedIdle
                s.lockedIdle = false
                if isIdleWithKeys(s, at: t) {
                    s.node = nil
                    idle = true
                }
                s.lastUse = t
                let flash = s.flash
                s.flash = nil
                sessions[cookie] = s
                return Lookup(id: s.id, csrf: s.csrf, node: sharedNode ?? s.node, isNew: false, lockedForIdleness: idle, flash: flash)
            }
            if sessions.count >= Self.capacity, let oldest = sessions.values.min(by: { $0.lastUse < $1.lastUse }) {
                sessions[oldest.id] = nil
            }
            let s = Session(id: Self.randomToken(), csrf: Self.randomToken(), node: nil, lastUse: t, flash: nil)
            sessions[s.id] = s
            return Lookup(id: s.id, csrf: s.csrf, node: sharedNode, isNew: true, lockedForIdleness: false, flash: nil)
        }
    }

    public func unlock(_ id: String, with node: Node) {
        state.withLockedValue { $0[id]?.node = node; $0[id]?.lastUse = now() }
    }

    public func lock(_ id: String) {
        state.withLockedValue { $0[id]?.node = nil }
    }

    /// Drops the node of every session unused for longer than `lockAfter`: run on a timer
    /// (``IdleLock``), so the keys leave memory at the minute, not when the browser next asks
    /// for a page (a laptop left open with the page in the background never asks).
    /// Returns how many sessions it locked.
    @discardableResult
    public func lockIdle() -> Int {
        let t = now()
        return state.withLockedValue { sessions in
            var locked = 0
            for (id, s) in sessions where isIdleWithKeys(s, at: t) {
                sessions[id]?.node = nil
                sessions[id]?.lockedIdle = true
                locked += 1
            }
            return locked
        }
    }

    /// Whether `s` holds its own opened node (the keys are sealed) and has not been used for
    /// longer than `lockAfter` at `t`: what locks it, at its next request or by the timer.
    private func isIdleWithKeys(_ s: Session, at t: Date) -> Bool {
        sharedNode == nil && s.node != nil && t.timeIntervalSince(s.lastUse) > lockAfter
    }

    /// How many sessions hold the opened node now.
    public var unlockedCount: Int { state.withLockedValue { $0.values.filter { $0.node != nil }.count } }

    /// Wrong passphrases typed on the unlock page since the last right one, and when the
    /// next try is allowed: shared by every session, since a guesser makes new ones.
    private let unlockTries = NIOLockedValueBox<(failures: Int, nextAt: Date?)>((0, nil))

    /// Wrong passphrases allowed before tries are spaced out.
    static var freeUnlockTries: Int { 3 }
    /// The longest wait between tries.
    static var longestUnlockWait: TimeInterval { 60 }

    /// Seconds until the unlock page takes another passphrase; nil when it takes one now.
    public func unlockWait() -> Int? {
        let t = now()
        return unlockTries.withLockedValue { tries in
            guard let next = tries.nextAt, next > t else { return nil }
            // Never more than the longest wait, whatever the wall clock did meanwhile: a clock
            // set back by a step would otherwise leave the page shut for the size of the step.
            let wait = min(next.timeIntervalSince(t), Self.longestUnlockWait)
            tries.nextAt = t.addingTimeInterval(wait)
            return Int(wait.rounded(.up))
        }
    }

    /// Records the outcome of a passphrase typed on the unlock page. After
    /// ``freeUnlockTries`` wrong ones, each further wrong one doubles the wait before the
    /// next try (1 s, 2 s, 4 s, … at most ``longestUnlockWait``): scrypt costs each guess a
    /// fraction of a second, and with `--allow-network` anyone who reaches the port could
    /// otherwise guess without pause. A right passphrase clears the count.
    public func recordUnlock(succeeded: Bool) {
        let t = now()
        unlockTries.withLockedValue { tries in
            if succeeded { tries = (0, nil); return }
            tries.failures += 1
            let over = tries.failures - Self.freeUnlockTries
            guard over > 0 else { return }
            tries.nextAt = t.addingTimeInterval(min(Self.longestUnlockWait, pow(2, Double(min(over - 1, 30)))))
        }
    }

    /// How many posted form keys a session remembers: more than a day's forms.
    static var formMemory: Int { 512 }

    /// Marks form `key`, posted to `action`, as posted; false when it was posted before, or
    /// when it was rendered before the last post to the same action in this session. Every
    /// page renders its forms with a new key, so a second post of one rendering (a double
    /// click, a replay) is refused, and so is a post from a second tab opened on the same
    /// form before the first tab posted (two tabs of one payment form are two renderings):
    /// recorded once, not twice. A form shown again after a post (a refused entry shown with
    /// what was typed, the next payment) is a new rendering and posts. Taken under the lock,
    /// so two posts at once cannot both pass.
    public func claim(_ id: String, form key: String, action: String) -> Bool {
        // A key without a rendering's number (not one this process rendered) is held to the
        // first rule only: it guards a person's second post, not a forged client's.
        let rendering = key.split(separator: ".").last.flatMap { UInt64($0) }
        return state.withLockedValue { sessions in
            guard var s = sessions[id], !s.postedForms.contains(key),
                  rendering.map({ $0 > (s.postedThrough[action] ?? 0) }) ?? true else { return false }
            s.postedForms.append(key)
            if s.postedForms.count > Self.formMemory { s.postedForms.removeFirst(s.postedForms.count - Self.formMemory) }
            if s.postedThrough.count >= Self.formMemory, s.postedThrough[action] == nil { s.postedThrough.removeAll() }
            s.postedThrough[action] = FormRenderings.count.withLockedValue { $0 }
            sessions[id] = s
            return true
        }
    }

    /// A one-line message shown on the next page of this session (after a redirect).
    public func flash(_ id: String, _ message: String) {
        state.withLockedValue { $0[id]?.flash = message }
    }

    /// Constant-time comparison of a posted token with the session's.
    static func tokensMatch(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// A fresh key for one rendering of a form: a random token, then the rendering's number
    /// (rising across the process), by which a post refuses renderings older than the last
    /// post to the same action (``claim(_:form:action:)``).
    public static func formKey() -> String {
        let number = FormRenderings.count.withLockedValue { n -> UInt64 in
            n += 1
            return n
        }
        return randomToken() + "." + String(number)
    }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
    }
}

/// How many forms this process has rendered (``WebSessions/formKey()``), for every session.
enum FormRenderings {
    static let count = NIOLockedValueBox<UInt64>(0)
}
