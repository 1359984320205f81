import FieldSyncCore

/// The header of a bundle: who sent it, to whom, under which schema, what it assumes and
/// acknowledges, and how many changes of each table it carries.
///
/// The header is readable by anyone holding the file (after the signature is checked), so
/// that an operator can see what a bundle is without a recipient key. It therefore holds
/// no personal data: no values and no row ids, only counts.
public struct BundleHeader: Sendable, Equatable {
    public var bundleID: BundleID
    public var kind: BundleKind
    public var sender: SiteID
    public var senderName: String
    /// ``senderName`` for a terminal or a log: signed, but by a key that may be nobody's the
    /// reader knows, so its control characters are shown escaped.
    public var shownSenderName: String { senderName.escapingControlCharacters }
    public var created: HybridTimestamp
    public var schemaName: String
    public var schemaVersion: Int
    /// 32 bytes.
    public var schemaFingerprint: [UInt8]
    /// Sorted by site, strictly ascending.
    public var recipients: [BundleRecipient]
    /// The content key wrapped for each recipient, in the order of ``recipients``: 48 bytes each.
    public internal(set) var wrappedKeys: [[UInt8]]
    /// The per-bundle X25519 key the content key was wrapped with.
    public internal(set) var ephemeralKey: AgreementPublicKey
    public var senderVector: VersionVector
    public var assumedVector: VersionVector
    public var acknowledgement: VersionVector?
    /// Changes per table; no table has a count of zero.
    public var tableCounts: [String: Int]
    public var totalChanges: Int
    public var frameCount: Int
}

extension BundleHeader {
    /// The canonical header bytes (the "header" of the file grammar).
    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 512)
        w.raw(bundleID.bytes)
        w.u8(kind.rawValue)
        w.raw(sender.bytes)
        w.shortString(senderName)
        w.u64(created.rawValue)
        w.shortString(schemaName)
        w.u32(UInt32(schemaVersion))
        w.raw(schemaFingerprint)
        w.u8(UInt8(recipients.count))
        for (recipient, wrapped) in zip(recipients, wrappedKeys) {
            w.raw(recipient.site.bytes)
            w.raw(recipient.key.rawRepresentation)
            w.raw(wrapped)
        }
        w.raw(ephemeralKey.rawRepresentation)
        Self.encode(senderVector, into: &w)
        Self.encode(assumedVector, into: &w)
        if let acknowledgement {
            w.u8(1)
            Self.encode(acknowledgement, into: &w)
        } else {
            w.u8(0)
        }
        w.u16(UInt16(tableCounts.count))
        for (name, count) in Self.sortedTables(tableCounts) {
            w.shortString(name)
            w.u64(UInt64(count))
        }
        w.u64(UInt64(totalChanges))
        w.u32(UInt32(frameCount))
        return w.bytes
    }

    static func sortedTables(_ counts: [String: Int]) -> [(String, Int)] {
        counts.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { ($0.key, $0.value) }
    }

    static func encode(_ vector: VersionVector, into w: inout ByteWriter) {
        let entries = vector.sorted
        w.u32(UInt32(entries.count))
        for (site, seq) in entries {
            w.raw(site.bytes)
            w.u64(seq)
        }
    }

    /// Decodes header bytes strictly (rules B8–B15 of the format).
    static func decode(_ bytes: [UInt8]) throws(BundleError) -> BundleHeader {
        var r = ByteReader(bytes)
        do {
            return try decode(from: &r)
        } catch let error as DecodingError {
            throw .headerInvalid(error)
        } catch let error as BundleError {
            throw error
        } catch {
            throw .headerInvalid(.invalid(what: "header", reason: "\(error)"))
        }
    }

    private static func decode(from r: inout ByteReader) throws -> BundleHeader {
        func invalid(_ what: String, _ reason: String) -> DecodingError { .invalid(what: what, reason: reason) }
        func name(_ what: String, allowEmpty: Bool) throws -> String {
            let s = try r.shortString(what)
            guard s.utf8.count <= BundleFormat.maxNameLength else {
                throw DecodingError.tooLarge(what: what, size: s.utf8.count, limit: BundleFormat.maxNameLength)
            }
            guard allowEmpty || !s.isEmpty else { throw invalid(what, "empty") }
            return s
        }
        func site(_ what: String) throws -> SiteID { SiteID(bytes: try r.raw(16, what))! }

        let bundleID = BundleID(bytes: try r.raw(16, "bundle id"))!
        let rawKind = try r.u8("bundle kind")
        guard let kind = BundleKind(rawValue: rawKind) else { throw invalid("bundle kind", "unknown kind \(rawKind)") }
        let sender = try site("sender site")
        let senderName = try name("sender name", allowEmpty: true)
        let created = HybridTimestamp(rawValue: try r.u64("created stamp"))
        let schemaName = try name("schema name", allowEmpty: false)
        let schemaVersion = Int(try r.u32("schema version"))
        let fingerprint = try r.raw(32, "schema fingerprint")

        let recipientCount = Int(try r.u8("recipient count"))
        guard recipientCount >= 1 else { throw invalid("recipient count", "no recipient") }
        guard recipientCount <= BundleFormat.maxRecipients else {
            throw BundleError.tooLarge(what: "recipient count", limit: BundleFormat.maxRecipients)
        }
        var recipients: [BundleRecipient] = []
        var wrapped: [[UInt8]] = []
        for _ in 0..<recipientCount {
            let s = try site("recipient site")
            if let last = recipients.last, !(last.site < s) {
                throw invalid("recipients", "not in strictly ascending site order")
            }
            let keyBytes = try r.raw(32, "recipient key")
            guard let key = try? AgreementPublicKey(rawRepresentation: keyBytes) else { throw invalid("recipient key", "not an X25519 key") }
            recipients.append(BundleRecipient(site: s, key: key))
            wrapped.append(try r.raw(ContentKeyWrap.wrappedSize, "wrapped content key"))
        }
        let ephemeralBytes = try r.raw(32, "ephemeral key")
        guard let ephemeral = try? AgreementPublicKey(rawRepresentation: ephemeralBytes) else {
            throw invalid("ephemeral key", "not an X25519 key")
        }
        let senderVector = try vector(&r, "sender vector")
        let assumedVector = try vector(&r, "assumed vector")
        let acknowledgement: VersionVector?
        switch try r.u8("acknowledgement flag") {
        case 0: acknowledgement = nil
        case 1: acknowledgement = try vector(&r, "acknowledgement vector")
        case let f: throw invalid("acknowledgement flag", "\(f) is neither 0 nor 1")
        }

        let tableCount = Int(try r.u16("table count"))
        guard tableCount <= BundleFormat.maxTables else { throw BundleError.tooLarge(what: "table count", limit: BundleFormat.maxTables) }
        var tables: [String: Int] = [:]
        var previous: [UInt8]?
        var sum = 0
        for _ in 0..<tableCount {
            let table = try name("table name", allowEmpty: false)
            guard Identifier.isValid(table) else { throw invalid("table name", "not a valid identifier") }
            let utf8 = Array(table.utf8)
            if let previous, !previous.lexicographicallyPrecedes(utf8) { throw invalid("table counts", "not in strictly ascending name order") }
            previous = utf8
            let count = try r.u64("table change count")
            guard count > 0 else { throw invalid("table change count", "zero") }
            guard count <= UInt64(BundleFormat.maxTotalChanges) else {
                throw BundleError.tooLarge(what: "change count of a table", limit: BundleFormat.maxTotalChanges)
            }
            tables[table] = Int(count)
            sum += Int(count)
        }
        let total = try r.u64("total changes")
        guard total <= UInt64(BundleFormat.maxTotalChanges) else {
            throw BundleError.tooLarge(what: "total change count", limit: BundleFormat.maxTotalChanges)
        }
        guard Int(total) == sum else { throw invalid("total changes", "differs from the sum of the table counts") }
        let frames = Int(try r.u32("frame count"))
        try checkFrameCount(frames, total: Int(total)).get()
        try r.finish("header")

        return BundleHeader(bundleID: bundleID, kind: kind, sender: sender, senderName: senderName, created: created,
                            schemaName: schemaName, schemaVersion: schemaVersion, schemaFingerprint: fingerprint,
                            recipients: recipients, wrappedKeys: wrapped, ephemeralKey: ephemeral,
                            senderVector: senderVector, assumedVector: assumedVector, acknowledgement: acknowledgement,
                            tableCounts: tables, totalChanges: Int(total), frameCount: frames)
    }

    /// A frame holds 1 … 65,536 records, so `total` changes need between ⌈total / 65,536⌉
    /// and `total` frames, and an empty bundle has none.
    static func checkFrameCount(_ frames: Int, total: Int) -> Result<Void, DecodingError> {
        let least = (total + BundleFormat.maxRecordsPerFrame - 1) / BundleFormat.maxRecordsPerFrame
        guard frames >= least, frames <= total else {
            return .failure(.invalid(what: "frame count", reason: "\(frames) frames cannot hold \(total) changes"))
        }
        return .success(())
    }

    private static func vector(_ r: inout ByteReader, _ what: String) throws -> VersionVector {
        let count = Int(try r.u32(what))
        // Each entry takes 24 bytes: refuse a count the remaining bytes cannot hold before looping.
        guard count <= r.remaining / 24 else { throw DecodingError.truncated(what: what, offset: r.offset) }
        var entries: [SiteID: UInt64] = [:]
        var previous: SiteID?
        for _ in 0..<count {
            let site = SiteID(bytes: try r.raw(16, what))!
            if let previous, !(previous < site) { throw DecodingError.invalid(what: what, reason: "sites not in strictly ascending order") }
            previous = site
            let seq = try r.u64(what)
            guard seq > 0 else { throw DecodingError.invalid(what: what, reason: "zero entry") }
            // No change is numbered above 2^63 − 1 (a replica stores numbers as SQLite
            // integers): a larger entry is no replica's, and a receiver that numbered past
            // it would overflow.
            guard seq <= UInt64(Int64.max) else { throw DecodingError.invalid(what: what, reason: "entry beyond 2^63 - 1") }
            entries[site] = seq
        }
        return VersionVector(entries)
    }
}
