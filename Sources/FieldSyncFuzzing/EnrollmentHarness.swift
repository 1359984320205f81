import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import FieldSyncSync

/// Fuzz target `enrollment`: the small JSON files that carry trust between a station and
/// its hub — the station's enrollment request, the hub's signed enrollment, and a
/// replica's identity (key) file — read as `fieldsync hub enroll`, `station join` and every
/// command that opens a replica read them.
///
/// The first byte chooses the form (``Form``). Three forms hand the rest of the input to a
/// reader as the file's bytes: JSON parsing, field checks and signature checks. Two build
/// the file from fuzzed fields with the program's own writer and the fixed keys, so the
/// signature is valid and the fields are what is fuzzed; there the harness also checks
/// that what was written and accepted reads back unchanged.
public enum EnrollmentHarness {
    enum Form: UInt8, CaseIterable {
        case requestFile = 0, enrollmentFile, identityFile, signedRequest, savedIdentity
    }

    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        var input = FuzzInput(bytes)
        let form = Form(rawValue: input.u8() % UInt8(Form.allCases.count))!
        do throws(SyncError) {
            switch form {
            case .requestFile:
                let request = try EnrollmentRequest.read(from: ScratchFolder.shared.write(input.rest(), as: "request.json"))
                return .accepted("request of a \(request.role.rawValue)")
            case .enrollmentFile:
                _ = try Enrollment.read(from: ScratchFolder.shared.write(input.rest(), as: "enrollment.json"))
                return .accepted("enrollment")
            case .identityFile:
                let identity = try NodeIdentity.load(from: ScratchFolder.shared.write(input.rest(), as: "identity.json"))
                return .accepted("identity of a \(identity.role.rawValue)")
            case .signedRequest:
                return try signedRequest(&input)
            case .savedIdentity:
                return try savedIdentity(&input)
            }
        } catch {
            return .refused(code: error.code)
        }
    }

    /// A request written by the station's own code from fuzzed fields — name, township or
    /// county code, role, schema version, time — and read back as the hub reads it.
    private static func signedRequest(_ input: inout FuzzInput) throws(SyncError) -> FuzzOutcome {
        let name = input.text()
        let code = input.text()
        let options = input.u8()
        let county = options & 1 != 0 ? code : nil
        let schemaVersion = options & 2 != 0 ? Int(Int32(bitPattern: input.u32())) : nil
        let millis = input.u64()
        let identity = NodeIdentity(site: FuzzKeys.recipientSite, name: name, role: .station, township: code,
                                    signingKey: FuzzKeys.senderSigning, agreementKey: FuzzKeys.recipientAgreement)
        let path = ScratchFolder.shared.fresh("signed-request.json")
        try EnrollmentRequest.write(for: identity, atMillis: millis, schemaVersion: schemaVersion, county: county, to: path)
        let request = try EnrollmentRequest.read(from: path)
        invariant(request.site == identity.site && request.name == name && request.township == code
                  && request.signingKey == identity.signingKey.publicKey && request.agreementKey == identity.agreementKey.publicKey
                  && request.createdAtMillis == millis && request.schemaVersion == schemaVersion
                  && request.role == (county == nil ? .station : .hub),
                  "a request read back differs from the one written")
        return .accepted("signed request of a \(request.role.rawValue)")
    }

    /// An identity saved by the program from fuzzed name, role and township, and loaded back.
    private static func savedIdentity(_ input: inout FuzzInput) throws(SyncError) -> FuzzOutcome {
        let name = input.text()
        let options = input.u8()
        let township = options & 2 != 0 ? input.text() : nil
        let identity = NodeIdentity(site: FuzzKeys.otherSite, name: name, role: options & 1 != 0 ? .hub : .station,
                                    township: township, signingKey: FuzzKeys.senderSigning,
                                    agreementKey: FuzzKeys.otherAgreement)
        let path = ScratchFolder.shared.fresh("saved-identity.json")
        try identity.save(to: path)
        let loaded = try NodeIdentity.load(from: path)
        invariant(loaded.site == identity.site && loaded.name == name && loaded.role == identity.role
                  && loaded.township == township
                  && loaded.signingKey.rawRepresentation == identity.signingKey.rawRepresentation
                  && loaded.agreementKey.rawRepresentation == identity.agreementKey.rawRepresentation,
                  "an identity loaded back differs from the one saved")
        return .accepted("saved identity of a \(loaded.role.rawValue)")
    }
}

extension SyncError {
    /// The case name, for outcomes (messages name paths and fields; the case is enough).
    var code: String { Mirror(reflecting: self).children.first?.label ?? "SyncError" }
}
