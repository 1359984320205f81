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
    /// S13: `station repair` with nothing to repair.
    case nothingToRepair
    /// S13: the point where the histories parted is not known yet.
    case restoreNotLocated
    /// S13: a second laptop works as the same station.
    case secondLaptop(sender: String, sequence: UInt64, file: String)
    /// §4d: a return bundle of a hub restored from a backup reuses one of the hub's own
    /// change numbers this station holds with other content.
    case hubReusedNumber(hub: String, sequence: UInt64, file: String)
    /// A change of the bundle is malformed for this replica's schema (an unknown table or
    /// column, a value of the wrong type, a number no station can have).
    case contentRefused(sender: String, StoreError, file: String)
    /// The bundle merged, but the transaction it shared with the other files of its batch
    /// (``Hub/merge(paths:progress:skipped:)``) could not be committed: nothing of it was kept.
    case notSaved(file: String, StoreError)
    /// A1: the bundle carries a change whose origin is not its signer.
    case foreignChanges(sender: String, file: String)
    /// A2: a change number of the sender is already held with other content.
    case reusedSequence(sender: String, sequence: UInt64, file: String)
    /// A3–A4: the sender may not write what a change writes.
    case unauthorized(sender: String, AuthorityViolation, file: String)
    /// A bundle held a change stamped too far ahead of this machine's clock (rule M5);
    /// names the sending station (or hub) by name and township.
    case clockAhead(sender: String, township: String?, file: String, ClockError)
    /// `station clock --repair` found the machine's clock itself suspect; nothing changed.
    case clockRepairRefused(ClockRepairRefusal)
    /// A name or code given on the command line or read from a request, enrollment or key
    /// file is longer than a bundle can carry; `field` names it, the value is not repeated.
    case inputTooLong(field: String, size: Int, limit: Int)
    /// A name or code that must not be empty is empty.
    case inputEmpty(field: String)
    /// A name or code holds a line break, tab, escape or other control character, which
    /// would break the lines it is shown in on other machines.
    case inputHoldsControlCharacter(field: String)
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
    /// The hub refused to resolve a conflict (`hub resolve`); nothing was written.
    case review(ConflictReviewError)
    /// The hub's `county-secret` (the key of duplicate matching) exists but cannot be used.
    case countySecretUnusable(path: String, reason: String)
    /// A step of the key lifecycle was refused: revocation, quarantine, a replacement laptop (K1–K7).
    case trust(TrustError)
    /// A key file could not be opened or (re)protected: passphrase, passphrase file, seal.
    case key(KeyError)
    /// A return bundle announced a hub key that does not follow from the key this station
    /// trusts (hub key rotation); nothing of the bundle was applied.
    case hubKey(HubKeyError)

    public var description: String {
        switch self {
        case let .folderExists(dir):
            return "\(dir) 已是 FieldSync 数据目录，请换一个空目录 / \(dir) already holds a FieldSync replica; choose an empty folder."
        case let .notAFolderOfThisKind(dir, role):
            return "\(dir) 不是 FieldSync \(role == .hub ? "县级中心" : "社工站")目录，请先运行 `fieldsync \(role.rawValue) init` / \(dir) is not a FieldSync \(role.rawValue) folder (no identity.json or replica.sqlite of a \(role.rawValue)); run `fieldsync \(role.rawValue) init` first."
        case .notJoined:
            return "本站尚未加入县级中心，请用县级中心给的文件运行 `fieldsync station join DIR ENROLLMENT` / this station has not joined a hub yet; run `fieldsync station join DIR ENROLLMENT` with the file the hub gave you."
        case let .requestInvalid(reason):
            return "登记申请无效，请社工站重新运行 `fieldsync station init` 并带来新的申请 / the enrollment request is not valid: \(reason). Ask the station to run `fieldsync station init` again and bring the new request."
        case let .enrollmentInvalid(reason):
            return "登记文件与本站不符 / the enrollment file is not valid for this station: \(reason)."
        case let .alreadyEnrolled(name, site):
            let name = name.escapingControlCharacters
            return "社工站 \(name) 已用另一把仍受信任的密钥登记 / station \(name) (\(site)) is already enrolled with a different key that is still trusted. If this request comes from the laptop replacing a lost one, revoke the lost laptop's key first: fieldsync hub revoke HUB \(site) --reason TEXT, then enroll the request again."
        case let .unknownSigner(fingerprint, file):
            return "\(file) 的签名密钥未在本中心登记，未合并 / \(file) is signed by key \(fingerprint), which this hub has not enrolled; it was not applied. Enroll the station first, or check where the file came from."
        case let .revokedSigner(name, file):
            let name = name.escapingControlCharacters
            return "\(file) 的签名社工站 \(name) 密钥已吊销，未合并 / \(file) is signed by station \(name), whose key has been revoked; it was not applied."
        case let .wrongDirection(file, expected):
            return "\(file) 方向不对（送县级中心的包与回传包不能互换），未处理 / \(file) is a \(expected == .stationToHub ? "return bundle from a hub" : "bundle from a station"); give it to the \(expected == .stationToHub ? "station" : "hub") instead."
        case let .senderMismatch(file):
            return "\(file) 的发送方与签名密钥不符，未合并 / \(file) names a sender that does not match the key that signed it; it was not applied."
        case let .notAddressedToUs(file):
            return "\(file) 不是发给本站点的数据包，未导入 / \(file) is addressed to another station or hub, not to this replica; it was not applied. Give it to the replica it is for (fieldsync bundle inspect shows its recipients)."
        case let .schemaMismatch(file, theirs, ours):
            return "\(file) 的数据结构版本 \(theirs) 不是任何正式版本，未合并，请发送方用正式版 FieldSync 重新导出 / \(file) says it was written under case schema version \(theirs), but its tables are not those of any released version this FieldSync (version \(ours)) knows: it comes from a development build, another program, or a version no longer supported. Nothing was applied; ask the sender to export again with a released FieldSync."
        case let .schemaNewer(file, theirs, ours, receiver):
            return receiver == .hub
                ? "\(file) 来自已升级的社工站，本中心版本较旧无法读取，未合并：请先升级县级中心 / \(file) comes from a station already upgraded to case schema version \(theirs); this hub runs version \(ours) and cannot read it. Nothing was applied. Upgrade FieldSync on the hub (the hub is upgraded before the stations), then merge the file again."
                : "\(file) 来自更新版本的县级中心，本站无法读取，未导入：请升级本站 FieldSync / \(file) comes from a hub on case schema version \(theirs); this station runs version \(ours) and cannot read it. Nothing was applied. Upgrade FieldSync on this station, then import the file again."
        case let .noBundles(path):
            return "\(path) 中没有 .fsb 数据包 / no .fsb bundle files found in \(path)."
        case let .io(reason):
            return "文件读写失败 / \(reason)"
        case let .bundle(file, error):
            return "\(file): \(error)"
        case let .store(error):
            return "\(error)"
        case let .notSaved(file, error):
            return "\(file) 未能保存，未合并：请再次合并该文件 / \(file) was not merged: the hub could not save it with the other files merged at the same time (\(error)). Nothing of it was kept; merge the file again."
        case let .invalidInput(reason):
            return reason
        case .nothingToRepair:
            return "没有需要修复的内容：本站记录与县级中心一致 / nothing to repair: this station's own changes agree with the hub's copy of them."
        case .restoreNotLocated:
            return "还不知道本站记录从哪里开始与县级中心不一致：请先导出并交给县级中心合并，再导入县级中心的下一个返回包，然后再修复 / the hub has not yet said where its copy of this station's changes parts from this replica's: export, have the hub merge the bundle, import the hub's next return bundle, then repair."
        case let .secondLaptop(sender, sequence, file):
            return "\(file)（\(sender)）重复使用了变更编号 \(sequence)：两台电脑在冒用同一个社工站，此电脑的数据不会被合并；保留一台，另一台登记为新站并重新录入 / \(file) from \(sender) reuses change number \(sequence) after this station was already repaired once from a restored copy: two laptops are working as the same station. Nothing was applied and nothing will be merged from this laptop. Keep one laptop as this station; enroll the other as a new station (`fieldsync station init`) and re-enter its work there."
        case let .hubReusedNumber(hub, sequence, file):
            return HubRestore.stationRefusal(hub: hub.escapingControlCharacters, sequence: sequence, file: file)
        case let .contentRefused(sender, error, file):
            return "\(file)（\(sender)）被拒绝，未合并 / \(file) from \(sender) was refused: \(error). Nothing was applied."
        case let .foreignChanges(sender, file):
            return "\(file)（\(sender)）含有标为其他站的变更，社工站只能发送自己的变更（A1），未合并 / \(file) from \(sender) carries changes labelled as made by another station; a station may only send its own changes (rule A1). Nothing was applied. A station running a FieldSync older than this hub's re-sends other stations' changes after the hub was restored from a backup: upgrade FieldSync on that station. Otherwise the program on that laptop may have been modified: check it before accepting its bundles."
        case let .reusedSequence(sender, sequence, file):
            return "\(file)（\(sender)）的变更编号 \(sequence) 与已收到的内容不同（A2）：该站电脑是从旧备份恢复的，或同一站用在两台电脑上。未合并。请在该站导入县级中心的下一个回传包并按提示运行 `fieldsync station repair`，再导出 / \(file) from \(sender) reuses change number \(sequence) with different content (rule A2): the station's replica was restored from an older copy, or the same station is used on two laptops. Nothing was applied. At the station, import the hub's next return bundle (`fieldsync hub export`) and follow what it says (`fieldsync station repair`), then export again. If this file was written before the laptop was restored, import it at the station instead (`fieldsync station import`): the station takes its work back as new changes. If two laptops share one station, keep one and enroll the other as a new station."
        case let .unauthorized(sender, violation, file):
            return "\(file)（\(sender)）越权被拒绝，未合并 / \(file) from \(sender) was refused: \(violation). Nothing was applied."
        case let .clockAhead(sender, township, file, .remoteStampTooFarAhead(_, stamp, wall, bound)):
            let sender = sender.escapingControlCharacters
            let who = township.map { "\(sender)（乡镇 \($0)）" } ?? sender
            let whoEn = township.map { "\(sender) (township \($0))" } ?? sender
            let ahead = StationClock.span(stamp.millis &- wall)
            return "\(who) 的 \(file) 中有修改的时间戳 \(ISOTime.format(millis: stamp.millis)) 比本机时钟 \(ISOTime.format(millis: wall)) 超前 \(ahead)，超过 \(bound / 3_600_000) 小时上限，整个包未合并。先核对本机日期：若本机时间 \(ISOTime.format(millis: wall)) 有误，请更正本机时钟后重新合并（各站时钟可能是对的）；否则请该站改正日期并运行 `fieldsync station clock DIR --repair` 后重新导出 / \(whoEn) sent \(file) with a change stamped \(ISOTime.format(millis: stamp.millis)), \(ahead) ahead of this machine's clock (\(ISOTime.format(millis: wall))); the limit is \(bound / 3_600_000) hours, so nothing of it was merged. First check this machine's date: if \(ISOTime.format(millis: wall)) is wrong, correct this machine's clock and merge again (the stations' clocks may be right; every station's bundle would be refused the same way). Otherwise have that station correct its date, run `fieldsync station clock DIR --repair`, then export again."
        case let .clockRepairRefused(refusal):
            return refusal.description
        case let .inputTooLong(field, size, limit):
            return "\(field) 过长（\(size) 字节，上限 \(limit) 字节）/ \(field) is too long: \(size) bytes, the limit is \(limit) bytes; shorten it"
        case let .inputEmpty(field):
            return "\(field) 不能为空 / \(field) is empty; fill it in"
        case let .inputHoldsControlCharacter(field):
            return "\(field) 含有换行、制表符或转义符等控制字符，请删去后重试 / \(field) holds a line break, tab, escape or other control character; remove it and try again"
        case let .ownExport(file):
            return "\(file) 是本站自己导出、交给县中心的数据包，不能在本站导入；请带到县中心合并，再导入县中心的回传数据包 / \(file) is this station's own export, to be carried to the hub (fieldsync hub merge there); import the hub's return bundle here instead. Nothing was applied."
        case let .ownReturnBundle(file):
            return "\(file) 是本中心写给社工站的回传包，请拿到该站导入，不要在中心合并 / \(file) is a return bundle this hub wrote for a station; carry it to that station (fieldsync station import there), do not merge it at the hub. Nothing was applied."
        case let .notFromOurHub(file, what, hubName):
            let hubName = hubName.escapingControlCharacters
            return "\(file) 不是本站所属县中心（\(hubName)）的回传数据包，未导入 / \(file) is \(what), not a return bundle from this station's hub \(hubName); it was not applied. Give it to the replica it is for."
        case let .returnBundleOfAnotherHub(file, hubName):
            let hubName = hubName.escapingControlCharacters
            return "\(file) 是另一个县级中心 \(hubName) 的回传包，未导入 / \(file) is a return bundle from another hub, \(hubName), not from this hub; it was not applied. Check where the stick came from."
        case let .unenrolledStation(file, stationName):
            let stationName = stationName.escapingControlCharacters
            return "\(file) 来自本中心未登记的社工站 \(stationName)，未合并，请先登记该站 / \(file) is a bundle from station \(stationName), which this hub has not enrolled; it was not applied. Enroll the station with its request (fieldsync hub enroll), then merge again."
        case let .review(error):
            return error.description
        case let .trust(error):
            return error.description
        case let .countySecretUnusable(path, reason):
            return "县级密钥文件 \(path) 无法使用，无法比对重复申请人；请从备份恢复 / \(path) \(reason), so duplicate applicants cannot be matched. Restore the file from the hub's backup; only if there is none, move it away and run the command again: a new secret is made, and duplicate notices already sent are sent again under new references."
        case let .key(error):
            return error.description
        case let .hubKey(error):
            return error.description
        }
    }
}

extension SyncError {
    /// Runs `body` (an import of `peer`'s bundle `file`) and states the store's refusals of
    /// its content in the operator's terms: which station, by name and township, and why.
    static func naming<T>(_ peer: Peer?, file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            guard let peer else { throw error }
            switch error {
            case .foreignOrigin: throw SyncError.foreignChanges(sender: peer.displayName, file: file)
            case let .reusedSequence(_, sequence): throw SyncError.reusedSequence(sender: peer.displayName, sequence: sequence, file: file)
            case let .unauthorized(violation): throw SyncError.unauthorized(sender: peer.displayName, violation, file: file)
            case let .clock(clock): throw SyncError.clockAhead(sender: peer.name, township: peer.township, file: file, clock)
            case .invalidChange, .unknownTable, .unknownColumn, .typeMismatch, .appendOnlyDelete, .implausibleClaim:
                throw SyncError.contentRefused(sender: peer.displayName, error, file: file)
            default: throw error
            }
        }
    }

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
        } catch let error as KeyError {
            throw .key(error)
        } catch let error as HubKeyError {
            throw .hubKey(error)
        } catch {
            throw .io(file.isEmpty ? "\(error)" : "\(file): \(error)")
        }
    }
}

extension Peer {
    /// How an operator knows a peer: `station 鲁沙尔镇社工站 (township 630106100)`, or `hub 湟中区民政局`.
    public var displayName: String {
        "\(role.rawValue) \(operatorName)"
    }
}
