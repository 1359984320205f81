import FieldSyncCore

/// A run of the change log as `fs_log_runs` stores it: changes of one origin with the
/// consecutive sequences `low...high`, logged in that order (their arrival numbers rise).
///
/// Why runs and not a row per change (issue 10, store migration v5): a B-tree row per
/// change was the largest single cost of a hub's merge. A station's bundle is one long
/// run of its origin, and a batch of a hub's steady state holds a few hundred consecutive
/// numbers of each station, so a row per run stores the same records in far fewer rows.
/// A run stays under ``maxBytes`` so that it fits in its B-tree page without overflow
/// pages, and reading one change reads at most that much.
///
/// Why each change is written against the one before it (store migration v7): v5 kept
/// every change's canonical record whole, about 85 bytes, where the bundle carries 10.5;
/// the log's runs and their share of the commit were the largest part of what SQLite
/// alone needs to write a merge's records (the bench's floor). Inside a run the origin is
/// the same for every change and the sequence is implied, consecutive changes nearly
/// always share the table and, cell after cell of a new row, the row id, and their stamps
/// are close. So `bytes` holds the origin once (16 bytes), then per change in sequence
/// order:
///
/// | field | encoding |
/// | --- | --- |
/// | arrival step from the previous change's (0 for the first, whose arrival is ``firstArrival``) | uvarint |
/// | shared: leading bytes of the record's *body* equal to the previous change's body (0 for the first) | uvarint |
/// | the rest of the body: its length, then its bytes | uvarint ‖ bytes |
/// | the stamp's step from the previous change's stamp (from 0 for the first), wrapping, zigzag | uvarint |
/// | the base: the record's base flag and, when it is 1, the base stamp and site | 1 or 25 bytes |
///
/// where the body is the record's table, row id, kind, column and value ("Change record"
/// in `Protocol/bundle-format.md`). Reading puts the record back byte for byte (body,
/// stamp, origin, sequence, base), so re-export stays bit-exact by construction; only
/// records of exactly that shape are logged (``LogRecordShape``).
struct LogRun {
    let siteNo: Int64
    let low: UInt64
    private(set) var high: UInt64
    let firstArrival: Int64
    private(set) var lastArrival: Int64
    private(set) var bytes: [UInt8]
    /// The last change's body and stamp: what the next change appended is written against.
    /// Empty in a run read back from its row, which is never appended to (``append``
    /// refuses): the body is never empty once a change is put.
    private var lastBody: [UInt8] = []
    private var lastStamp: UInt64 = 0

    /// The most bytes a run grows to by appending: with its key columns under SQLite's
    /// largest in-page payload of a WITHOUT ROWID table on 4 KiB pages (1,002 bytes). A
    /// larger record is a run by itself.
    static let maxBytes = 940

    /// The origin's bytes at the head of ``bytes``.
    static let originCount = 16

    /// A run of one change. Throws when `record` is not a canonical change record
    /// numbered `sequence`.
    init(siteNo: Int64, sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) throws(StoreError) {
        guard let shape = LogRecordShape(record), shape.sequence == sequence else {
            throw .corrupt(reason: "a change record to log is malformed")
        }
        self.siteNo = siteNo
        low = sequence
        high = sequence
        firstArrival = arrival
        lastArrival = arrival
        bytes = []
        bytes.reserveCapacity(Self.maxBytes)
        bytes.append(contentsOf: record[shape.origin])
        put(record, shape, step: 0, shared: 0)
    }

    /// A run as read back from its row.
    init(siteNo: Int64, low: UInt64, high: UInt64, firstArrival: Int64, bytes: [UInt8]) throws {
        self.siteNo = siteNo
        self.low = low
        self.high = high
        self.firstArrival = firstArrival
        self.bytes = bytes
        lastArrival = firstArrival
        guard high >= low else { throw StoreError.corrupt(reason: "a change log run ends before it starts") }
        guard firstArrival >= 0 else { throw StoreError.corrupt(reason: "a change log run arrived before the first arrival") }
        var count: UInt64 = 0
        try forEachArrival { _, arrival in
            count += 1
            lastArrival = arrival
        }
        guard count == high - low + 1 else { throw StoreError.corrupt(reason: "a change log run holds \(count) changes for \(high - low + 1) numbers") }
    }

    /// Appends the change numbered `high + 1` when it joins the run: logged after its last
    /// change, of the run's origin, and small enough to keep the run under ``maxBytes``.
    /// False leaves the run as is (also for a record that is not canonical: starting a run
    /// with it throws).
    mutating func append(sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) -> Bool {
        join(sequence: sequence, arrival: arrival, record: record, within: Self.maxBytes)
    }

    /// Appends the next change without the size limit (``keeping(_:)``, a part of a run
    /// written again: its first change is written whole, so the part may pass the limit
    /// by a few bytes, which costs an overflow page, never a change).
    private mutating func extend(sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer) throws(StoreError) {
        guard join(sequence: sequence, arrival: arrival, record: record, within: nil) else {
            throw .corrupt(reason: "a change log run holds a change that does not follow the one before it")
        }
    }

    /// Puts the change after the run's last one when it follows it (the next number, a
    /// later arrival, a canonical record of the run's origin) and, with `limit`, the run
    /// stays within `limit` bytes; otherwise changes nothing and returns false.
    private mutating func join(sequence: UInt64, arrival: Int64, record: UnsafeRawBufferPointer, within limit: Int?) -> Bool {
        guard sequence == high + 1, arrival > lastArrival, !lastBody.isEmpty, let shape = LogRecordShape(record), shape.sequence == sequence,
              record[shape.origin].elementsEqual(bytes[0..<Self.originCount]) else { return false }
        let (step, shared) = (UInt64(arrival - lastArrival), sharedCount(record, shape))
        if let limit, bytes.count + entrySize(record, shape, step: step, shared: shared) > limit { return false }
        put(record, shape, step: step, shared: shared)
        high = sequence
        lastArrival = arrival
        return true
    }

    /// Calls `body` with each change's sequence, arrival and canonical record, in sequence
    /// order. The record is a slice of a buffer the next change is put back into: keeping
    /// it costs a copy, no more. Throws when the bytes do not hold exactly one well-formed
    /// entry per number.
    func forEach(_ body: (UInt64, Int64, ArraySlice<UInt8>) throws -> Void) throws {
        var record: [UInt8] = []
        record.reserveCapacity(128)
        try walk { sequence, arrival, entry in
            record.removeSubrange(entry.shared...)
            record.append(contentsOf: bytes[entry.suffix])
            let bodyCount = record.count
            Self.putU64(&record, entry.stamp)
            record.append(contentsOf: bytes[0..<Self.originCount])
            Self.putU64(&record, sequence)
            record.append(contentsOf: bytes[entry.base])
            try body(sequence, arrival, record[...])
            // Back to the body only, for the next change to share from.
            record.removeSubrange(bodyCount...)
        }
    }

    /// Calls `body` with each change's sequence and arrival, in sequence order, checking
    /// the entries as ``forEach(_:)`` does without putting their records back (reading a
    /// run's row, and an export in arrival order, which sorts the keys first).
    func forEachArrival(_ body: (UInt64, Int64) throws -> Void) throws {
        try walk { sequence, arrival, _ in try body(sequence, arrival) }
    }

    /// Where one entry's parts lie in ``bytes``, and its stamp.
    private struct EntryParts {
        var shared: Int
        var suffix: Range<Int>
        var stamp: UInt64
        var base: Range<Int>
    }

    private func walk(_ body: (UInt64, Int64, EntryParts) throws -> Void) throws {
        guard bytes.count > Self.originCount else { throw StoreError.corrupt(reason: "a change log run is truncated") }
        var offset = Self.originCount
        var sequence = low
        var arrival = firstArrival
        var stamp: UInt64 = 0
        var bodyCount = 0
        while offset < bytes.count {
            guard sequence <= high else { throw StoreError.corrupt(reason: "a change log run holds more changes than numbers") }
            let step = try Self.uvarint(bytes, &offset)
            let shared = try Self.uvarint(bytes, &offset)
            let suffix = try Self.uvarint(bytes, &offset)
            // The first change arrived at the run's arrival and shares nothing; no body is empty.
            guard step <= UInt64(Int64.max - arrival), sequence != low || step == 0, shared <= UInt64(bodyCount),
                  suffix <= UInt64(bytes.count - offset), shared + suffix > 0 else {
                throw StoreError.corrupt(reason: "a change log run is truncated")
            }
            arrival += Int64(step)
            let suffixRange = offset..<(offset + Int(suffix))
            offset = suffixRange.upperBound
            bodyCount = Int(shared) + Int(suffix)
            stamp &+= UInt64(bitPattern: Self.unzigzag(try Self.uvarint(bytes, &offset)))
            guard offset < bytes.count, bytes[offset] <= 1 else { throw StoreError.corrupt(reason: "a change log run is truncated") }
            let base = offset..<(offset + (bytes[offset] == 0 ? 1 : 1 + 8 + 16))
            guard base.upperBound <= bytes.count else { throw StoreError.corrupt(reason: "a change log run is truncated") }
            offset = base.upperBound
            try body(sequence, arrival, EntryParts(shared: Int(shared), suffix: suffixRange, stamp: stamp, base: base))
            sequence &+= 1
        }
    }

    /// The part of the run inside `range`, nil when none of it is.
    func keeping(_ range: ClosedRange<UInt64>) throws -> LogRun? {
        var kept: LogRun?
        try forEach { sequence, arrival, record in
            guard range.contains(sequence) else { return }
            try record.withUnsafeBytes { slice in
                if kept == nil {
                    kept = try LogRun(siteNo: siteNo, sequence: sequence, arrival: arrival, record: slice)
                } else {
                    try kept!.extend(sequence: sequence, arrival: arrival, record: slice)
                }
            }
        }
        return kept
    }

    private func sharedCount(_ record: UnsafeRawBufferPointer, _ shape: LogRecordShape) -> Int {
        let limit = min(lastBody.count, shape.body.count)
        var shared = 0
        while shared < limit, lastBody[shared] == record[shared] { shared += 1 }
        return shared
    }

    private func entrySize(_ record: UnsafeRawBufferPointer, _ shape: LogRecordShape, step: UInt64, shared: Int) -> Int {
        let suffix = shape.body.count - shared
        return Self.uvarintSize(step) + Self.uvarintSize(UInt64(shared)) + Self.uvarintSize(UInt64(suffix)) + suffix
            + Self.uvarintSize(Self.zigzag(Int64(bitPattern: shape.stamp &- lastStamp))) + shape.base.count
    }

    private mutating func put(_ record: UnsafeRawBufferPointer, _ shape: LogRecordShape, step: UInt64, shared: Int) {
        Self.putUVarint(&bytes, step)
        Self.putUVarint(&bytes, UInt64(shared))
        Self.putUVarint(&bytes, UInt64(shape.body.count - shared))
        bytes.append(contentsOf: record[(shape.body.lowerBound + shared)..<shape.body.upperBound])
        Self.putUVarint(&bytes, Self.zigzag(Int64(bitPattern: shape.stamp &- lastStamp)))
        bytes.append(contentsOf: record[shape.base])
        lastBody.removeAll(keepingCapacity: true)
        lastBody.append(contentsOf: record[shape.body])
        lastStamp = shape.stamp
    }

    private static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    private static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }

    private static func putU64(_ bytes: inout [UInt8], _ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    static func uvarintSize(_ value: UInt64) -> Int {
        var v = value, n = 1
        while v >= 0x80 { v >>= 7; n += 1 }
        return n
    }

    static func putUVarint(_ bytes: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    static func uvarint(_ bytes: [UInt8], _ offset: inout Int) throws(StoreError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw .corrupt(reason: "a change log run is truncated")
    }
}

/// Where the parts of a canonical change record lie ("Change record" in
/// `Protocol/bundle-format.md`): the body (table, row id, kind, column, value), then the
/// stamp (8 bytes), the origin (16), the sequence (8) and the base (flag 0, or flag 1 and
/// 24 bytes). Nil for bytes of any other shape. Only lengths are checked here; what the
/// names and values hold is the decoder's to check on the way in.
struct LogRecordShape {
    let body: Range<Int>
    let stamp: UInt64
    let origin: Range<Int>
    let sequence: UInt64
    let base: Range<Int>

    init?(_ record: UnsafeRawBufferPointer) {
        // A cursor of its own rather than closures over a local: a captured variable is
        // boxed and every access to it checked for exclusivity at run time, a cost the
        // profile of a bulk import showed (one parse per change logged).
        var cursor = Cursor(record: record)
        guard cursor.shortString(), cursor.shortString(), cursor.take(1) != nil, cursor.shortString(),
              let tag = cursor.load(UInt8.self) else { return nil }
        switch tag {
        case 0: break
        case 1, 2: guard cursor.take(8) != nil else { return nil }
        case 3, 4: guard let length = cursor.load(UInt32.self), cursor.take(Int(length)) != nil else { return nil }
        default: return nil
        }
        body = 0..<cursor.offset
        guard let stamp = cursor.load(UInt64.self), let origin = cursor.take(16), let sequence = cursor.load(UInt64.self),
              let flag = cursor.load(UInt8.self), flag <= 1, record.count - cursor.offset == (flag == 0 ? 0 : 24) else { return nil }
        self.stamp = stamp
        self.origin = origin..<(origin + 16)
        self.sequence = sequence
        base = (cursor.offset - 1)..<record.count
    }

    private struct Cursor {
        let record: UnsafeRawBufferPointer
        var offset = 0

        /// Moves past `n` bytes and returns where they start; nil when fewer remain.
        mutating func take(_ n: Int) -> Int? {
            guard n >= 0, n <= record.count - offset else { return nil }
            defer { offset += n }
            return offset
        }

        mutating func load<T: FixedWidthInteger>(_: T.Type) -> T? {
            take(MemoryLayout<T>.size).map { T(bigEndian: record.loadUnaligned(fromByteOffset: $0, as: T.self)) }
        }

        mutating func shortString() -> Bool { load(UInt16.self).flatMap { take(Int($0)) } != nil }
    }
}
