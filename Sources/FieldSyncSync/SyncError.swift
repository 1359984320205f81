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
    case noBundles(String)
    case io(String)
    case bundle(file: String, BundleError)
    case store(StoreError)
    case invalidInput(String)
    /// A name or code given on the command line or read from a request, enrollment or key
    /// file is longer than a bundle can carry; `field` names it, the value is not repeated.
    case inputTooLong(field: String, size: Int, limit: Int)
    /// A name or code that must not be empty is empty.
    case inputEmpty(field: String)
    /// A station was given a bundle it wrote itself (for the hub).
    case ownExport(file: String)
    /// A hub was given a return bundle it wrote itself (for a station).
    case ownReturnBundle(file: String)
    /// A station was given a bundle not signed by its hub: `what` says what the file is.
    case notFromOurHub(file: String, what: String, hubName: String)
    /// A hub was given a return bundle signed by another hub.
    case returnBundleOfAnotherHub(file: String, hubName: String)
    /// A hub was given a station's bundle, signed by a station it has not enrolled.
    case unenrolledStation(file: String, stationName: String)

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
            return "\(file) 不是发给本站点的数据包，未导入 / \(file) is addressed to another station or hub, not to this replica; it was not applied. Give it to the replica it is for (fieldsync bundle inspect shows its recipients)."
        case let .schemaMismatch(file, theirs, ours):
            return "\(file) was written under case schema version \(theirs), this replica uses version \(ours); update FieldSync on the older side, then export again."
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
        case let .inputTooLong(field, size, limit):
            return "\(field) 过长（\(size) 字节，上限 \(limit) 字节）/ \(field) is too long: \(size) bytes, the limit is \(limit) bytes; shorten it"
        case let .inputEmpty(field):
            return "\(field) 不能为空 / \(field) is empty; fill it in"
        case let .ownExport(file):
            return "\(file) 是本站自己导出、交给县中心的数据包，不能在本站导入；请带到县中心合并，再导入县中心的回传数据包 / \(file) is this station's own export, to be carried to the hub (fieldsync hub merge there); import the hub's return bundle here instead. Nothing was applied."
        case let .ownReturnBundle(file):
            return "\(file) is a return bundle this hub wrote for a station; carry it to that station (fieldsync station import there), do not merge it at the hub. Nothing was applied."
        case let .notFromOurHub(file, what, hubName):
            return "\(file) 不是本站所属县中心（\(hubName)）的回传数据包，未导入 / \(file) is \(what), not a return bundle from this station's hub \(hubName); it was not applied. Give it to the replica it is for."
        case let .returnBundleOfAnotherHub(file, hubName):
            return "\(file) is a return bundle from another hub, \(hubName), not from this hub; it was not applied. Check where the stick came from."
        case let .unenrolledStation(file, stationName):
            return "\(file) is a bundle from station \(stationName), which this hub has not enrolled; it was not applied. Enroll the station with its request (fieldsync hub enroll), then merge again."
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
