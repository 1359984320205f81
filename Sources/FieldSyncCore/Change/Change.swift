/// One change record: a write of one cell, or the deletion of one row.
///
/// Changes are the unit of replication. Each is numbered by its origin site
/// (`sequence` 1, 2, 3, … without gaps), which is what version vectors count, and carries
/// the stamp that decides last-writer-wins.
public struct Change: Sendable, Hashable, CustomStringConvertible {
    /// What a change does.
    public enum Kind: UInt8, Sendable, Hashable {
        /// Sets `column` of row `rowID` to `value` (creating the row if needed).
        case set = 1
        /// Deletes row `rowID` (a tombstone; `column` is empty and `value` null).
        case delete = 2
    }

    public var table: String
    public var rowID: String
    public var kind: Kind
    public var column: String
    public var value: Value
    public var stamp: HybridTimestamp
    public var origin: SiteID
    public var sequence: UInt64
    /// For writes to a `reviewed` column: the version of the value this write replaced at
    /// its origin. A write whose base is not what the receiver holds did not see that
    /// value, so the two are concurrent and, if they differ, a conflict to review.
    public var base: CellVersion?

    public init(table: String, rowID: String, kind: Kind, column: String, value: Value,
                stamp: HybridTimestamp, origin: SiteID, sequence: UInt64, base: CellVersion? = nil) {
        self.table = table
        self.rowID = rowID
        self.kind = kind
        self.column = column
        self.value = value
        self.stamp = stamp
        self.origin = origin
        self.sequence = sequence
        self.base = base
    }

    /// A cell write.
    public static func set(_ table: String, _ rowID: String, _ column: String, _ value: Value,
                           stamp: HybridTimestamp, origin: SiteID, sequence: UInt64, base: CellVersion? = nil) -> Change {
        Change(table: table, rowID: rowID, kind: .set, column: column, value: value,
               stamp: stamp, origin: origin, sequence: sequence, base: base)
    }

    /// A row deletion.
    public static func delete(_ table: String, _ rowID: String,
                              stamp: HybridTimestamp, origin: SiteID, sequence: UInt64) -> Change {
        Change(table: table, rowID: rowID, kind: .delete, column: "", value: .null,
               stamp: stamp, origin: origin, sequence: sequence)
    }

    public var version: CellVersion { CellVersion(stamp: stamp, site: origin) }

    /// Where the change comes from: site and sequence, unique across the whole system.
    public var id: ChangeID { ChangeID(origin: origin, sequence: sequence) }

    /// Describes the change without its value, so it can be logged: values may be
    /// personal data.
    public var description: String {
        switch kind {
        case .set: "\(origin.short)#\(sequence) set \(table)/\(rowID).\(column) @\(stamp)"
        case .delete: "\(origin.short)#\(sequence) delete \(table)/\(rowID) @\(stamp)"
        }
    }
}

/// The identity of a change: its origin site and sequence number there.
public struct ChangeID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var origin: SiteID
    public var sequence: UInt64

    public init(origin: SiteID, sequence: UInt64) {
        self.origin = origin
        self.sequence = sequence
    }

    public static func < (lhs: ChangeID, rhs: ChangeID) -> Bool {
        lhs.origin != rhs.origin ? lhs.origin < rhs.origin : lhs.sequence < rhs.sequence
    }

    public var description: String { "\(origin.short)#\(sequence)" }
}

extension Change {
    /// Limit on table, row id and column names when decoding: 255 bytes each.
    public static let maxNameLength = 255

    /// The largest encoded record a bundle can carry: a frame's record block is at most
    /// 1 MiB − 8 KiB (so that it still fits once compressed), 4 bytes of which are the
    /// record count. A record over this could be written to a replica but never exported.
    public static let maxRecordSize = (1 << 20) - 8 * 1024 - 4

    /// The most bytes a record needs besides the payload of its value: three names at
    /// their limit with their length prefixes, kind, value tag and length, stamp, origin,
    /// sequence and base.
    public static let maxRecordOverhead = 3 * (2 + maxNameLength) + 1 + 1 + 4 + 8 + 16 + 8 + 1 + 8 + 16

    /// The longest text (UTF-8 bytes) or blob a local write may store: whatever the names,
    /// the record then fits in a bundle frame.
    public static let maxWritableValueLength = maxRecordSize - maxRecordOverhead

    /// Appends the canonical record encoding (see `Protocol/bundle-format.md`, "Change record").
    public func encode(into w: inout ByteWriter) {
        w.shortString(table)
        w.shortString(rowID)
        w.u8(kind.rawValue)
        w.shortString(column)
        value.encode(into: &w)
        w.u64(stamp.rawValue)
        w.raw(origin.bytes)
        w.u64(sequence)
        if let base {
            w.u8(1)
            w.u64(base.stamp.rawValue)
            w.raw(base.site.bytes)
        } else {
            w.u8(0)
        }
    }

    /// Decodes one record, rejecting malformed names, kinds, flags and deletes that carry a value.
    public static func decode(from r: inout ByteReader) throws(DecodingError) -> Change {
        var decoder = ChangeDecoder()
        return try decoder.decode(from: &r)
    }
}

/// Decodes a run of change records, reusing the names and site ids of earlier records
/// when their bytes repeat.
///
/// Consecutive records nearly always share the table, the origin and, cell after cell,
/// the row id, and cycle through a few column names: building a fresh `String` and
/// `SiteID` (an allocation and a UTF-8 validation each) for every field of every record
/// was most of the cost of reading a bundle. A field is reused only when its encoded
/// bytes, length prefix included, equal those of an earlier field that passed the very
/// same checks, so a decoder accepts and rejects exactly what ``Change/decode(from:)``
/// does and returns equal changes.
public struct ChangeDecoder: Sendable {
    private struct Entry<T: Sendable>: Sendable {
        var encoded: [UInt8]
        var value: T
    }

    /// A few recent entries per field; a miss replaces the oldest.
    private struct Recent<T: Sendable>: Sendable {
        let capacity: Int
        var entries: [Entry<T>] = []
        var nextSlot = 0

        init(capacity: Int) { self.capacity = capacity }

        func lookUp(_ r: inout ByteReader) -> T? {
            for entry in entries where r.skip(ifNext: entry.encoded) { return entry.value }
            return nil
        }

        mutating func remember(_ encoded: [UInt8], _ value: T) {
            if entries.count < capacity {
                entries.append(Entry(encoded: encoded, value: value))
            } else {
                entries[nextSlot] = Entry(encoded: encoded, value: value)
                nextSlot = (nextSlot + 1) % capacity
            }
        }
    }

    private var tables = Recent<String>(capacity: 4)
    private var rowIDs = Recent<String>(capacity: 2)
    private var columns = Recent<String>(capacity: 32)
    private var sites = Recent<SiteID>(capacity: 4)

    /// Whether a table or column name holding a control character is refused: so for records
    /// of a bundle sent to a hub (bundle format B19). A replica's own log and a hub's return
    /// bundle are read without it, so that what an earlier release stored still reads. Row ids
    /// are not held to it here: a county hub's upstream bundle relays rows an earlier release
    /// merged, and whether a row id is refused depends on who wrote it, which the receiver's
    /// store decides (`Protocol/sync-protocol.md` §5).
    public let refusesControlCharacters: Bool

    public init(refusingControlCharacters: Bool = false) {
        refusesControlCharacters = refusingControlCharacters
    }

    /// Decodes one record like ``Change/decode(from:)``.
    public mutating func decode(from r: inout ByteReader) throws(DecodingError) -> Change {
        let table = try Self.name(&r, "change table", nonEmpty: true, refusingControlCharacters: refusesControlCharacters, &tables)
        let rowID = try Self.name(&r, "change row id", nonEmpty: true, refusingControlCharacters: false, &rowIDs)
        let rawKind = try r.u8("change kind")
        guard let kind = Change.Kind(rawValue: rawKind) else { throw .invalid(what: "change kind", reason: "unknown kind \(rawKind)") }
        let column = try Self.name(&r, "change column", nonEmpty: false, refusingControlCharacters: refusesControlCharacters, &columns)
        let value = try Value.decode(from: &r, "change value")
        switch kind {
        case .set:
            guard !column.isEmpty else { throw .invalid(what: "change column", reason: "empty in a cell write") }
        case .delete:
            guard column.isEmpty, value == .null else { throw .invalid(what: "change", reason: "a delete carries a column or value") }
        }
        let stamp = HybridTimestamp(rawValue: try r.u64("change stamp"))
        let origin = try site(&r, "change origin")
        let sequence = try r.u64("change sequence")
        guard sequence > 0 else { throw .invalid(what: "change sequence", reason: "zero") }
        let base: CellVersion?
        switch try r.u8("change base flag") {
        case 0: base = nil
        case 1:
            let stamp = HybridTimestamp(rawValue: try r.u64("change base stamp"))
            base = CellVersion(stamp: stamp, site: try site(&r, "change base site"))
        case let f: throw .invalid(what: "change base flag", reason: "\(f) is neither 0 nor 1")
        }
        return Change(table: table, rowID: rowID, kind: kind, column: column, value: value,
                      stamp: stamp, origin: origin, sequence: sequence, base: base)
    }

    /// A short string of at most ``Change/maxNameLength`` bytes, empty only when allowed.
    private static func name(_ r: inout ByteReader, _ what: String, nonEmpty: Bool, refusingControlCharacters: Bool,
                             _ recent: inout Recent<String>) throws(DecodingError) -> String {
        if let known = recent.lookUp(&r) { return known }
        let start = r.offset
        let s = try r.shortString(what)
        guard s.utf8.count <= Change.maxNameLength else { throw .tooLarge(what: what, size: s.utf8.count, limit: Change.maxNameLength) }
        if nonEmpty, s.isEmpty { throw .invalid(what: what, reason: "empty") }
        // Names reach messages and logs (an unknown table or column is named in the refusal).
        if refusingControlCharacters, s.holdsControlCharacter { throw .invalid(what: what, reason: "holds a control character") }
        recent.remember(Array(r.bytes[start..<r.offset]), s)
        return s
    }

    private mutating func site(_ r: inout ByteReader, _ what: String) throws(DecodingError) -> SiteID {
        if let known = sites.lookUp(&r) { return known }
        let site = SiteID(bytes: try r.raw(16, what))!
        sites.remember(site.bytes, site)
        return site
    }
}
