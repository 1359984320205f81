/// A closed list of codes stored as text (category, channel, department, …).
///
/// Codes are the stable identifiers written into the replica; a form's value is checked
/// against the list with ``parse(_:field:)``, whose error lists the allowed codes.
public protocol CaseworkCode: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {}

extension CaseworkCode {
    /// The code for `raw`, or ``CaseworkError/notAChoice(field:allowed:)`` naming `field`.
    public static func parse(_ raw: String, field: String) throws(CaseworkError) -> Self {
        guard !raw.isEmpty else { throw .missing(field: field) }
        guard let value = Self(rawValue: raw) else { throw .notAChoice(field: field, allowed: allCases.map(\.rawValue)) }
        return value
    }
}
