/// Synthetic resident ID numbers in the GB 11643 format: area code 639900 (which does not
/// exist), a birth date, a sequence, and a correct check digit.
public enum SyntheticIDNumber {
    public static func make<G: RandomNumberGenerator>(using rng: inout G) -> String {
        make(year: Int.random(in: 1940...2020, using: &rng), month: Int.random(in: 1...12, using: &rng),
             day: Int.random(in: 1...28, using: &rng), male: Bool.random(using: &rng), using: &rng)
    }

    /// An ID number for a person born on the given day; the sequence's last digit is odd
    /// for men and even for women, as GB 11643 has it.
    public static func make<G: RandomNumberGenerator>(year: Int, month: Int, day: Int, male: Bool, using rng: inout G) -> String {
        var seq = Int.random(in: 1...998, using: &rng)
        if (seq % 2 == 1) != male { seq += 1 }
        func pad(_ v: Int, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: w - s.count) + s }
        let body = "639900\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))\(pad(seq, 3))"
        return body + String(checkDigit(body))
    }

    /// The GB 11643 check character for the first 17 digits.
    public static func checkDigit(_ first17: String) -> Character {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let digits = first17.compactMap { $0.wholeNumberValue }
        let sum = zip(digits, weights).map(*).reduce(0, +)
        return Array("10X98765432")[sum % 11]
    }
}
