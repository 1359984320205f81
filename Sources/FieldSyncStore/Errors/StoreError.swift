import FieldSyncCore

/// Why the replica store refused an operation.
///
/// Every case names what an operator needs to act (file, table, column, station) and never
/// a field value: values are personal data (ID numbers, incomes), so they stay out of error
/// messages and therefore out of logs.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `create` found a file already at the path; a replica is never overwritten.
    case fileExists(path: String)
    /// `open` found no file at the path.
    case fileMissing(path: String)
    /// The file is not a FieldSync replica (no replica metadata in it).
    case notAReplica(path: String)
    /// The file was created by a newer FieldSync (it holds migrations this build does not know).
    case newerFileFormat(path: String)
    /// The replica holds another schema family, or a version of it this program never knew
    /// (older than the first it can upgrade).
    case schemaMismatch(storedName: String, storedVersion: Int, expectedName: String, expectedVersion: Int)
    /// Same schema name and version, but different tables, columns or policies.
    case schemaFingerprintMismatch(name: String, version: Int)
    /// The replica was written under a newer version of the schema than this program knows.
    case newerSchema(path: String, fileVersion: Int, programVersion: Int)
    /// The copy made before upgrading a replica could not be written; nothing was changed.
    case backupFailed(path: String, reason: String)
    /// A table the schema does not declare.
    case unknownTable(String)
    /// A column the table does not declare.
    case unknownColumn(table: String, column: String)
    /// A value of the wrong type for its column (the value itself is not reported).
    case typeMismatch(table: String, column: String, expected: ColumnType)
    /// A change that is malformed (e.g. a cell write without a column).
    case invalidChange(table: String, reason: String)
    /// A table name, column name or row id longer than a bundle can carry (`what` names
    /// it, e.g. "row id of household"; the name itself is not repeated).
    case nameTooLong(what: String, size: Int, limit: Int)
    /// A text or blob value longer than a bundle can carry.
    case valueTooLong(table: String, column: String, size: Int, limit: Int)
    /// Another process holds the replica for writing and did not finish within the busy
    /// timeout (SQLite's `database is locked`). Nothing was written.
    case busy
    /// A write to a row that has been deleted; deletes win and are never undone.
    case rowDeleted(table: String, rowID: String)
    /// The row does not exist.
    case rowNotFound(table: String, rowID: String)
    /// An existing row of an append-only table may not be changed.
    case appendOnlyRowCannotChange(table: String, rowID: String)
    /// Rows of an append-only table may not be deleted.
    case appendOnlyDelete(table: String)
    /// A received change carries a stamp the local clock refuses.
    case clock(ClockError)
    /// A bundle carried a change whose origin is not the replica that signed it (rule A1).
    case foreignOrigin(origin: SiteID, sequence: UInt64)
    /// A change numbered (origin, sequence) is already held with other content: the
    /// origin reused a sequence number (rule A2), e.g. a replica restored from a copy.
    case reusedSequence(origin: SiteID, sequence: UInt64)
    /// The domain's write authority refuses a change (rules A3–A4).
    case unauthorized(AuthorityViolation)
    /// A bundle's header claims a number no replica can reach (2^63 − 1 or more of the
    /// receiver's own changes or feed positions): taking it would leave the receiver
    /// unable to number anything after it.
    case implausibleClaim(what: String, value: UInt64)
    /// A bundle was recorded as imported twice.
    case bundleAlreadyRecorded(bundleID: String)
    /// No conflict with that id.
    case conflictNotFound(id: Int64)
    /// The conflict was already resolved; a decision is recorded once.
    case conflictAlreadyResolved(id: Int64)
    /// The stored metadata could not be read back (damaged or hand-edited file).
    case corrupt(reason: String)
    /// Local writes are held (``Replica/localWritesHeldKey``) until the replica imports its
    /// first bundle; `reason` says why and what to do, as the layer that set the hold wrote it.
    case localWritesHeld(reason: String)
    /// SQLite failed; `code` is the SQLite extended result code.
    case database(message: String, code: Int32)

    public var description: String {
        switch self {
        case let .fileExists(path):
            "a file already exists at \(path); choose another path or move that file away (a replica is never overwritten)"
        case let .fileMissing(path):
            "no replica file at \(path); check the path, or create the replica first"
        case let .notAReplica(path):
            "\(path) is an SQLite file but not a FieldSync replica"
        case let .newerFileFormat(path):
            "\(path) was written by a newer version of FieldSync; update this program before opening it"
        case let .schemaMismatch(storedName, storedVersion, expectedName, expectedVersion) where storedName == expectedName:
            "the replica file holds case schema version \(storedVersion), which this FieldSync (schema version \(expectedVersion)) cannot open or upgrade: version \(storedVersion) was never released or is no longer supported. The file was not changed; open it with the FieldSync it was made with and export its changes, or ask for a current replica"
        case let .schemaMismatch(storedName, storedVersion, expectedName, _):
            "the file holds data of schema \(storedName) version \(storedVersion), not \(expectedName): it is not a replica of this kind of FieldSync. The file was not changed; check the path"
        case let .schemaFingerprintMismatch(name, version):
            "the replica file says schema \(name) version \(version), but its tables differ from the released version \(version) (it was made by a development build or altered). The file was not changed; restore the replica from a backup or open it with the build that made it"
        case let .newerSchema(path, fileVersion, programVersion):
            "\(path) was written by a newer FieldSync (case schema version \(fileVersion)); this FieldSync knows versions up to \(programVersion). Upgrade FieldSync on this computer, then open it again; the file was not changed"
        case let .backupFailed(path, reason):
            "cannot write the copy \(path) that is kept before upgrading the replica (\(reason)); nothing was changed. Free disk space or make the folder writable, then open it again"
        case let .unknownTable(table):
            "table \(table.escapingControlCharacters) is not part of the schema"
        case let .unknownColumn(table, column):
            "table \(table.escapingControlCharacters) has no column \(column.escapingControlCharacters)"
        case let .typeMismatch(table, column, expected):
            "column \(table).\(column) holds \(expected.rawValue) values; the value given has another type"
        case let .invalidChange(table, reason):
            "a change to table \(table.escapingControlCharacters) is invalid: \(reason)"
        case let .nameTooLong(what, size, limit):
            "\(what) 过长（\(size) 字节，上限 \(limit) 字节），未保存 / \(what) is \(size) bytes, over the limit of \(limit) bytes; nothing was read or saved — shorten it"
        case let .valueTooLong(table, column, size, limit):
            "字段 \(table).\(column) 过长（\(size) 字节，上限 \(limit) 字节），未保存 / field \(table).\(column) is \(size) bytes, over the limit of \(limit) bytes a bundle can carry; nothing was saved — shorten it"
        case .busy:
            "该文件夹正被另一个 FieldSync 命令使用，请等它结束后再试；本次未写入任何内容 / the folder is in use by another FieldSync command; try again when it finishes (nothing was written)"
        case let .rowDeleted(table, rowID):
            "row \(rowID.escapingControlCharacters) of \(table) has been deleted; deleted rows cannot be edited or deleted again"
        case let .rowNotFound(table, rowID):
            "row \(rowID.escapingControlCharacters) of \(table) does not exist"
        case let .appendOnlyRowCannotChange(table, rowID):
            "row \(rowID.escapingControlCharacters) of \(table) already exists and \(table) is append-only; record a new row instead"
        case let .appendOnlyDelete(table):
            "rows of \(table) cannot be deleted: the table is append-only"
        case let .clock(error):
            error.description
        case let .foreignOrigin(origin, sequence):
            "a change labelled as made by another replica (\(origin), number \(sequence)) was carried in this bundle; a station may only send its own changes"
        case let .reusedSequence(origin, sequence):
            "change number \(sequence) of \(origin) is already held with different content: the same number was used twice"
        case let .unauthorized(violation):
            violation.description
        case let .implausibleClaim(what, value):
            "the bundle says it holds \(what) up to \(value), more than 2^32 past anything this replica numbered: no replica reaches such a number (the sender's program may have been modified); refused, nothing was merged"
        case let .bundleAlreadyRecorded(bundleID):
            "bundle \(bundleID) is already recorded"
        case let .conflictNotFound(id):
            "there is no conflict number \(id)"
        case let .conflictAlreadyResolved(id):
            "冲突 #\(id) 已经处理过 / conflict #\(id) was already resolved; `fieldsync hub conflicts HUB --all` shows how"
        case let .corrupt(reason):
            "the replica file is damaged: \(reason)"
        case let .localWritesHeld(reason):
            reason
        case let .database(message, code):
            "database error \(code): \(message)"
        }
    }
}
