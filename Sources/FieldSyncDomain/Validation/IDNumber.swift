/// A resident ID card number that passed the GB 11643-1999 checks.
///
/// 18 characters: area code (6 digits), birth date (YYYYMMDD), sequence (3 digits; the
/// last odd for men), and a check character `"10X98765432"[Σ dᵢ·wᵢ mod 11]` with weights
/// 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2. A lowercase `x` is accepted and stored as `X`:
/// people type it that way and it names the same check value; rejecting it would only
/// make staff retype a correct number. The area code is checked for shape (a known
/// province prefix), not against the current list, because an ID keeps the code of the
/// place it was issued and codes change; the synthetic area 639900 passes.
public struct IDNumber: Sendable, Hashable, CustomStringConvertible {
    /// The normalised 18 characters (uppercase X).
    public let text: String
    /// The birth date in digits 7–14.
    public let birthDate: CivilDate

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters = Array("10X98765432")
    /// Province-level prefixes of the national area codes (GB/T 2260).
    static let provinces: Set<Int> = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
                                      41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
                                      71, 81, 82]

    /// Validates `input`; `field` names the column in the error.
    public init(_ input: String, field: String = "id_number") throws(CaseworkError) {
        let chars = Array(input.uppercased().utf8)
        guard !input.isEmpty else { throw .missing(field: field) }
        guard input.unicodeScalars.count == 18 else { throw .idNumberLength(field: field) }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard chars.count == 18, chars[0..<17].allSatisfy(isDigit), isDigit(chars[17]) || chars[17] == UInt8(ascii: "X") else {
            throw .idNumberCharacters(field: field)
        }
        guard let province = Digits.value(chars[0..<2]), IDNumber.provinces.contains(province) else {
            throw .idNumberAreaCode(field: field)
        }
        guard let y = Digits.value(chars[6..<10]), let m = Digits.value(chars[10..<12]), let d = Digits.value(chars[12..<14]),
              y >= 1900, let birth = CivilDate(year: y, month: m, day: d) else { throw .idNumberBirthDate(field: field) }
        guard IDNumber.checkCharacter(String(decoding: chars[0..<17], as: UTF8.self)) == Character(UnicodeScalar(chars[17])) else {
            throw .idNumberCheckDigit(field: field)
        }
        self.text = String(decoding: chars, as: UTF8.self)
        self.birthDate = birth
    }

    /// The check character for 17 digits.
    public static func checkCharacter(_ first17: String) -> Character {
        let digits = first17.utf8.map { Int($0) - 48 }
        return checkCharacters[zip(digits, weights).map(*).reduce(0, +) % 11]
    }

    /// `male` if the 17th digit is odd, else `female`.
    public var sex: Sex { (Array(text.utf8)[16] - 48) % 2 == 1 ? .male : .female }

    /// Never the number itself: descriptions end up in logs.
    public var description: String { "IDNumber(redacted)" }
}

/// Township (乡镇/街道) administrative codes: 9 digits (6-digit county code + 3-digit township).
public enum TownshipCode {
    public static func isValid(_ code: String) -> Bool {
        code.utf8.count == 9 && Digits.all(Substring(code).utf8)
    }

    /// Returns `code` if valid, else the typed error naming `field`.
    public static func validated(_ code: String, field: String) throws(CaseworkError) -> String {
        guard !code.isEmpty else { throw .missing(field: field) }
        guard isValid(code) else { throw .invalidTownshipCode(field: field) }
        return code
    }
}
