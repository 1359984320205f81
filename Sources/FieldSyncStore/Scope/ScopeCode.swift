import FieldSyncCore
import GRDB

/// A scope code names what a replica below a hub holds (tiers, rule T1 of the sync
/// protocol): a 9-digit township code holds exactly that township; a 6-digit county code
/// holds every township whose code starts with it (a county hub enrolled at a provincial
/// hub). Administrative codes nest this way, so a prefix is the whole county.
public enum ScopeCode {
    /// The length of a county code; a township code is 9 digits and starts with its county's.
    public static let countyLength = 6

    /// Whether `code` is a county code (6 digits).
    public static func isCounty(_ code: String) -> Bool {
        code.utf8.count == countyLength && code.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Whether a replica of scope `code` holds what is placed in `township`: the same
    /// township, or for a county code every township that starts with it.
    public static func covers(_ code: String, _ township: String) -> Bool {
        isCounty(code) ? township.hasPrefix(code) : township == code
    }

    /// An SQL condition on `column` (a feed scope) equivalent to ``covers(_:_:)``, and its
    /// arguments: a range for a county code, so the (scope, position) index still serves it.
    static func condition(_ column: String, _ code: String) -> (sql: String, arguments: [String]) {
        // ':' sorts right after '9', so [code, code + ":") is every string starting with code.
        isCounty(code) ? ("(\(column) >= ? AND \(column) < ?)", [code, code + ":"]) : ("\(column) = ?", [code])
    }
}
