import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore

/// Why a station or hub operation was refused. Every case says what is wrong and what to
/// do, names folders, stations and bundles, and never carries case data.
public enum SyncError: Error, Sendable, CustomStringConvertible {
    case folderExists(String)
    case notAFolderOfThisKind(String, expected: ReplicaRole)
    case notJoined
    case requestInvalid(String)
    case enrollmentInvalid(String)
    case alreadyEnrolled(name: String, site: SiteID)
    case unknownSigner(fingerprint: String, file: String)
    case revokedSigner(name: String, file: String)
    case wrongDirection(file: String, expected: BundleKind)
    case senderMismatch(file: String)
    case notAddressedToUs(file: String)
    case schemaMismatch(file: String, bundleVersion: Int, ourVersion: Int)
    /// The bundle was written under a newer case schema than the receiver's FieldSync knows.
    case schemaNewer(file: String, bundleVersion: Int, ourVersion: Int, receiver: ReplicaRole)
    case noBundles(String)
    case io(String)
    case bundle(file: String, BundleError)
    case store(StoreError)
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .folderExists(dir):
            return "\(dir) already holds a FieldSync replica; choose an empty folder."
        case let .notAFolderOfThisKind(dir, role):
            return "\(dir) is not a FieldSync \(role.rawValue) folder (no identity.json or replica.sqlite of a \(role.rawValue)); run `fieldsync \(role.rawValue) init` first."
        case .notJoined:
            return "this station has not joined a hub yet; run `fieldsync station join DIR ENROLLMENT` with the file the hub gave you."
        case let .requestInvalid(reason):
            return "the enrollment request is not valid: \(reason). Ask the station to run `fieldsync station init` again and bring the new request."
        case let .enrollmentInvalid(reason):
            return "the enrollment file is not valid for this station: \(reason)."
        case let .alreadyEnrolled(name, site):
            return "station \(name) (\(site)) is already enrolled with a different key; revoke it before enrolling it again."
        case let .unknownSigner(fingerprint, file):
            return "\(file) is signed by key \(fingerprint), which this hub has not enrolled; it was not applied. Enroll the station first, or check where the file came from."
        case let .revokedSigner(name, file):
            return "\(file) is signed by station \(name), whose key has been revoked; it was not applied."
        case let .wrongDirection(file, expected):
            return "\(file) is a \(expected == .stationToHub ? "return bundle from a hub" : "bundle from a station"); give it to the \(expected == .stationToHub ? "station" : "hub") instead."
        case let .senderMismatch(file):
            return "\(file) names a sender that does not match the key that signed it; it was not applied."
        case let .notAddressedToUs(file):
            return "\(file) is not addressed to this replica; it was not applied. Check that the stick belongs to this station."
        case let .schemaMismatch(file, theirs, ours):
            return "\(file) says it was written under case schema version \(theirs), but its tables are not those of any released version this FieldSync (version \(ours)) knows: it comes from a development build, another program, or a version no longer supported. Nothing was applied; ask the sender to export again with a released FieldSync."
        case let .schemaNewer(file, theirs, ours, receiver):
            return receiver == .hub
                ? "\(file) comes from a station already upgraded to case schema version \(theirs); this hub runs version \(ours) and cannot read it. Nothing was applied. Upgrade FieldSync on the hub (the hub is upgraded before the stations), then merge the file again."
                : "\(file) comes from a hub on case schema version \(theirs); this station runs version \(ours) and cannot read it. Nothing was applied. Upgrade FieldSync on this station, then import the file again."
        case let .noBundles(path):
            return "no .fsb bundle files found in \(path)."
        case let .io(reason):
            return reason
        case let .bundle(file, error):
            return "\(file): \(error)"
        case let .store(error):
            return "\(error)"
        case let .invalidInput(reason):
            return reason
        }
    }
}

extension SyncError {
    /// Runs `body` and states whatever it throws as a `SyncError`: store errors as
    /// ``store(_:)``, bundle errors as ``bundle(file:_:)`` naming `file`, anything else
    /// as ``io(_:)``. One place decides how lower layers' errors reach an operator.
    public static func catching<T>(file: String = "", _ body: () throws -> T) throws(SyncError) -> T {
        do {
            return try body()
        } catch let error as SyncError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch let error as BundleError {
            throw .bundle(file: file, error)
        } catch {
            throw .io(file.isEmpty ? "\(error)" : "\(file): \(error)")
        }
    }
}
