import FieldSyncBundle
import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// What a new station hands the hub to be enrolled: its id, name, township and public keys,
/// signed with its own signing key (proof that it holds the private half).
///
/// The request holds no secret and no case data; it travels on the same stick as bundles.
public struct EnrollmentRequest: Sendable, Equatable {
    public let site: SiteID
    public let name: String
    public let township: String
    public let signingKey: SigningPublicKey
    public let agreementKey: AgreementPublicKey
    public let createdAtMillis: UInt64
    /// The case schema version of the station's FieldSync, so that the hub writes its first
    /// return bundle in a version the station can read. A hint, outside the signature (so
    /// requests of earlier releases, which lack it, stay valid): the signed header of each
    /// bundle from the station overrides it. Nil in a request of an earlier release.
    public var schemaVersion: Int? = nil
    /// What asks to be enrolled: a station (township code, 9 digits) or a county hub asking
    /// its provincial hub (county code, 6 digits; tiers, T2). The code is signed, and the
    /// role must agree with its length, so the role cannot be changed without the signature.
    public var role: ReplicaRole = .station

    /// The bytes the station signs: a fixed label and every field, length-prefixed. Nil
    /// when a name is too long for its prefix (the caller checks names first; this keeps
    /// a forgotten check from trapping).
    var signedBytes: [UInt8]? {
        var w = ByteWriter()
        w.shortString("FieldSync enrollment request v1")
        w.raw(site.bytes)
        guard (try? w.checkedShortString(name, "station name")) != nil,
              (try? w.checkedShortString(township, "township")) != nil else { return nil }
        w.raw(signingKey.rawRepresentation)
        w.raw(agreementKey.rawRepresentation)
        w.u64(createdAtMillis)
        return w.bytes
    }

    private struct File: Codable {
        var format = "fieldsync-enrollment-request-v1"
        var site: String
        var name: String
        var township: String
        var signingKey: String
        var agreementKey: String
        var createdAtMillis: UInt64
        var signature: String
        var schemaVersion: Int?
        /// Absent in requests of stations (and of releases before tiers).
        var role: String?
    }

    /// Refuses a station name or township code a request, and later a bundle, cannot carry.
    static func checkFields(name: String, township: String, role: ReplicaRole = .station) throws(SyncError) {
        do {
            try InputCheck.name(name, field: "the station name (name)", stored: true)
            try InputCheck.code(township, field: "the township code (township)", stored: true)
        } catch {
            throw .requestInvalid("\(error)")
        }
        // Return bundles for the station are named by it: it must be a real code.
        switch role {
        case .station:
            guard TownshipCode.isValid(township) else { throw .requestInvalid("the township code is not a 9-digit administrative code") }
        case .hub:
            guard ScopeCode.isCounty(township) else { throw .requestInvalid("a county hub's request must name its 6-digit county code") }
        }
    }

    /// Makes and signs a request for `identity`.
    /// `county` makes a county hub's request to its provincial hub (T2).
    public static func make(for identity: NodeIdentity, atMillis: UInt64, county: String? = nil) -> (EnrollmentRequest, signature: [UInt8]) {
        var request = EnrollmentRequest(site: identity.site, name: identity.name, township: county ?? identity.township ?? "",
                                        signingKey: identity.signingKey.publicKey, agreementKey: identity.agreementKey.publicKey,
                                        createdAtMillis: atMillis)
        if county != nil { request.role = .hub }
        let signature = request.signedBytes.flatMap { try? identity.signingKey.signature(for: $0) } ?? []
        return (request, signature)
    }

    public static func write(for identity: NodeIdentity, atMillis: UInt64, schemaVersion: Int? = nil, county: String? = nil,
                             to path: String) throws(SyncError) {
        let (request, signature) = make(for: identity, atMillis: atMillis, county: county)
        let file = File(site: request.site.hex, name: request.name, township: request.township,
                        signingKey: Hex.encode(request.signingKey.rawRepresentation),
                        agreementKey: Hex.encode(request.agreementKey.rawRepresentation),
                        createdAtMillis: atMillis, signature: Hex.encode(signature), schemaVersion: schemaVersion,
                        role: county == nil ? nil : ReplicaRole.hub.rawValue)
        try AtomicFile.write(JSON.encode(file), to: path)
    }

    /// Reads a request and checks its self-signature.
    public static func read(from path: String) throws(SyncError) -> EnrollmentRequest {
        let file = try JSON.decode(File.self, from: AtomicFile.read(path, what: "enrollment request"), what: "enrollment request \(path)")
        guard file.format == "fieldsync-enrollment-request-v1" else { throw .requestInvalid("it is not an enrollment request (unknown format)") }
        guard let site = SiteID(hex: file.site) else { throw .requestInvalid("the station id is malformed") }
        guard let role = file.role.map(ReplicaRole.init(rawValue:)) ?? .station else {
            throw .requestInvalid("the role is neither station nor hub")
        }
        // Checked before the signature: the signed bytes carry these with 16-bit lengths.
        try checkFields(name: file.name, township: file.township, role: role)
        guard let sk = Hex.decode(file.signingKey), let ak = Hex.decode(file.agreementKey), let sig = Hex.decode(file.signature),
              let signingKey = try? SigningPublicKey(rawRepresentation: sk),
              let agreementKey = try? AgreementPublicKey(rawRepresentation: ak)
        else { throw .requestInvalid("a key or the signature is malformed") }
        var request = EnrollmentRequest(site: site, name: file.name, township: file.township, signingKey: signingKey,
                                        agreementKey: agreementKey, createdAtMillis: file.createdAtMillis)
        guard let signed = request.signedBytes, signingKey.isValidSignature(sig, for: signed) else {
            throw .requestInvalid("its signature does not match its key (the file was changed)")
        }
        request.schemaVersion = file.schemaVersion
        request.role = role
        return request
    }
}
