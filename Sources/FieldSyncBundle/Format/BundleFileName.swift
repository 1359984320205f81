import FieldSyncCore

/// The conventional name of a bundle file: who, which way, which one, and when — never
/// anything about a case.
///
/// `630122101-to-hub-0007-20261129.fsb` is station 630122101's seventh bundle for the hub,
/// written on 29 November 2026 (UTC); `hub-to-630122101-0003-20261129.fsb` is the hub's third
/// return bundle for that station. The name is a convenience for people: readers trust the
/// signed header, not the name.
public enum BundleFileName {
    /// The file extension, without the dot.
    public static let fileExtension = "fsb"

    /// - Parameters:
    ///   - senderCode: the station's code (for ``BundleKind/stationToHub``) or the
    ///     destination station's code (for ``BundleKind/hubToStation``). Characters other
    ///     than ASCII letters, digits, `-` and `_` are replaced by `_`.
    ///   - sequence: printed with at least 4 digits.
    ///   - createdMillis: milliseconds since 1970; the UTC date is printed as YYYYMMDD.
    public static func make(senderCode: String, kind: BundleKind, sequence: Int, createdMillis: UInt64) -> String {
        let code = String(senderCode.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_") ? Character(s) : "_"
        })
        let seq = String(sequence)
        let paddedSequence = String(repeating: "0", count: max(0, 4 - seq.count)) + seq
        let date = ISOTime.format(millis: createdMillis).prefix(10).filter { $0 != "-" }
        switch kind {
        case .stationToHub: return "\(code)-to-hub-\(paddedSequence)-\(date).\(fileExtension)"
        case .hubToStation: return "hub-to-\(code)-\(paddedSequence)-\(date).\(fileExtension)"
        }
    }
}
