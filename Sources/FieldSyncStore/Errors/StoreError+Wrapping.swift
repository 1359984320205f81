import FieldSyncCore
import GRDB

extension StoreError {
    /// Maps any error thrown inside a database access to a ``StoreError``. SQLite errors
    /// keep their message and extended code; GRDB keeps statement arguments (field values)
    /// out of `message`, so nothing personal leaks into the description.
    init(_ error: any Error) {
        switch error {
        case let error as StoreError: self = error
        case let error as ClockError: self = .clock(error)
        case let error as DatabaseError where error.resultCode == .SQLITE_BUSY:
            self = .busy
        case let error as DatabaseError:
            self = .database(message: error.message ?? "unknown error", code: error.extendedResultCode.rawValue)
        default: self = .database(message: String(describing: type(of: error)), code: 0)
        }
    }

    /// Runs `body`, converting whatever it throws.
    static func catching<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError(error) }
    }
}
