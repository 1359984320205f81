import FieldSyncCore
import FieldSyncStore

extension Peer {
    /// The peer as an operator knows it: its name, and for a station its township code,
    /// e.g. `鲁沙尔镇社工站 (township 630106100)`. Refusals name peers so, never by site id.
    public var operatorName: String {
        township.map { "\(name) (township \($0))" } ?? name
    }
}

extension SyncError {
    /// Runs an import (or a dry run of one) and states a clock refusal (rule M5) with the
    /// sender's name and township rather than the site id the store knows.
    static func namingClockRefusal<T>(of sender: Peer?, file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let StoreError.clock(error) {
            guard let sender else { throw StoreError.clock(error) }
            throw SyncError.clockAhead(sender: sender.name, township: sender.township, file: file, error)
        }
    }
}
