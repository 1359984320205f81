import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// The hub's answer to an enrollment request: the hub's identity and public keys, and the
/// station it enrolled, signed by the hub. The station joins with it and from then on
/// trusts only bundles signed by that hub key.
public struct Enrollment: Sendable, Equatable {
    public let hubSite: SiteID
    public let hubName: String
    public let hubSigningKey: SigningPublicKey
    public let hubAgreementKey: AgreementPublicKey
    public let stationSite: SiteID
    public let stationSigningKey: SigningPublicKey
    public let enrolledAtMillis: UInt64
    /// For a laptop replacing a lost one (K5): the numbers its site used before, which it
    /// must number past. Signed; nil for every other enrollment (whose signed bytes are
    /// then those of earlier releases).
    public var continuing: NumberingFloor? = nil

    /// Nil when the hub name is too long for its prefix (names are checked first).
    var signedBytes: [UInt8]? {
        var w = ByteWriter()
        w.shortString("FieldSync enrollment v1")
        w.raw(hubSite.bytes)
        guard (try? w.checkedShortString(hubName, "hub name")) != nil else { return nil }
        w.raw(hubSigningKey.rawRepresentation)
        w.raw(hubAgreementKey.rawRepresentation)
        w.raw(stationSite.bytes)
        w.raw(stationSigningKey.rawRepresentation)
        w.u64(enrolledAtMillis)
        if let continuing {
            w.shortString("continues numbering after")
            w.u64(continuing.sequence)
            w.u64(UInt64(continuing.rowNumber))
        }
        return w.bytes
    }

    private struct File: Codable {
        var format = "fieldsync-enrollment-v1"
        var hubSite: String
        var hubName: String
        var hubSigningKey: String
        var hubAgreementKey: String
        var stationSite: String
        var stationSigningKey: String
        var enrolledAtMillis: UInt64
        var signature: String
        /// Only in the enrollment of a replacement laptop.
        var continuesAfterSequence: UInt64?
        var continuesAfterRowNumber: Int?
    }

    public func write(to path: String, signedBy key: SigningPrivateKey) throws(SyncError) {
        guard let signed = signedBytes else { throw .inputTooLong(field: "hub name", size: hubName.utf8.count, limit: BundleFormat.maxNameLength) }
        let signature = (try? key.signature(for: signed)) ?? []
        let file = File(hubSite: hubSite.hex, hubName: hubName, hubSigningKey: Hex.encode(hubSigningKey.rawRepresentation),
                        hubAgreementKey: Hex.encode(hubAgreementKey.rawRepresentation), stationSite: stationSite.hex,
                        stationSigningKey: Hex.encode(stationSigningKey.rawRepresentation),
                        enrolledAtMillis: enrolledAtMillis, signature: Hex.encode(signature),
                        continuesAfterSequence: continuing?.sequence, continuesAfterRowNumber: continuing?.rowNumber)
        try AtomicFile.write(JSON.encode(file), to: path)
    }

    /// Reads an enrollment and checks the hub's signature over it.
    public static func read(from path: String) throws(SyncError) -> Enrollment {
        let file = try JSON.decode(File.self, from: AtomicFile.read(path, what: "enrollment"), what: "enrollment \(path)")
        guard file.format == "fieldsync-enrollment-v1" else { throw .enrollmentInvalid("it is not an enrollment file (unknown format)") }
        // Checked before the signature: the signed bytes carry the name with a 16-bit length.
        do { try InputCheck.name(file.hubName, field: "the hub name (hubName)", stored: true) } catch { throw .enrollmentInvalid("\(error)") }
        guard let hubSite = SiteID(hex: file.hubSite), let stationSite = SiteID(hex: file.stationSite),
              let hs = Hex.decode(file.hubSigningKey), let ha = Hex.decode(file.hubAgreementKey),
              let ss = Hex.decode(file.stationSigningKey), let sig = Hex.decode(file.signature),
              let hubSigningKey = try? SigningPublicKey(rawRepresentation: hs),
              let hubAgreementKey = try? AgreementPublicKey(rawRepresentation: ha),
              let stationSigningKey = try? SigningPublicKey(rawRepresentation: ss)
        else { throw .enrollmentInvalid("an id, key or the signature is malformed") }
        var enrollment = Enrollment(hubSite: hubSite, hubName: file.hubName, hubSigningKey: hubSigningKey,
                                    hubAgreementKey: hubAgreementKey, stationSite: stationSite,
                                    stationSigningKey: stationSigningKey, enrolledAtMillis: file.enrolledAtMillis)
        if let sequence = file.continuesAfterSequence {
            guard let row = file.continuesAfterRowNumber, row >= 0 else { throw .enrollmentInvalid("the numbering to continue is incomplete") }
            enrollment.continuing = NumberingFloor(sequence: sequence, rowNumber: row)
        }
        guard let signed = enrollment.signedBytes, hubSigningKey.isValidSignature(sig, for: signed) else {
            throw .enrollmentInvalid("the hub's signature does not match (the file was changed)")
        }
        return enrollment
    }
}

/// The highest change number and row number a station's site is known to have used under
/// earlier keys (K5): a replacement laptop numbers its own work above both.
public struct NumberingFloor: Sendable, Equatable {
    public let sequence: UInt64
    public let rowNumber: Int

    public init(sequence: UInt64, rowNumber: Int) {
        self.sequence = sequence
        self.rowNumber = rowNumber
    }
}
