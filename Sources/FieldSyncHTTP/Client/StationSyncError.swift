import FieldSyncCore
import FieldSyncSync
import Foundation

/// Why `station sync` did not complete a round. Each says what is done, what remains and
/// what to do; none carries case data (the hub's messages never do either).
public enum StationSyncError: Error, Sendable, CustomStringConvertible {
    /// `--hub` is not `http://HOST:PORT`.
    case badHubURL(String)
    /// The hub refused a request for good (bad signature, revoked key, too large, …).
    case hubAnswered(status: Int, String)
    /// What answered at `--hub` said "200 OK" but not in FieldSync's protocol (a body that
    /// does not decode, a return bundle described with a name or id no hub writes). The link
    /// is plain HTTP, so this may be another server, or someone on the link; nothing was written.
    case unexpectedAnswer(String)
    /// The hub refused the uploaded bundle at merge; nothing of it was applied.
    /// `returnBundleImported`: the round then took the hub's return bundle, which tells a
    /// restored copy what to repair.
    case bundleRefused(String, returnBundleImported: Bool)
    /// The link kept failing until `--timeout` ran out; `at` says how far the round got.
    case gaveUp(at: RoundPosition, lastProblem: String)
    /// The station itself failed (export, import, its folder).
    case station(SyncError)
    /// A file of the round's state could not be read or written.
    case file(String)
    /// Another round of this station is running (the workbench's, or `station sync`'s).
    case roundRunning

    /// What the hub said reaches the caseworker's terminal. The link is plain HTTP, so anyone
    /// on it could answer: the hub's words are shown with their control characters escaped.
    public var description: String {
        switch self {
        case let .badHubURL(url):
            "--hub 应为 http://主机:端口，如 http://10.0.0.5:8440 / --hub must be http://HOST:PORT with no path, e.g. http://10.0.0.5:8440; got \(url.prefix(200))."
        case let .hubAnswered(status, said):
            "县级中心拒绝了请求（HTTP \(status)）/ the hub refused the request (HTTP \(status)): \(said.escapingControlCharacters)"
        case let .unexpectedAnswer(what):
            "--hub 处的回答不符合 FieldSync 协议，本轮未写入任何文件；请确认 --hub 是本县县级中心的地址 / what answered at --hub does not follow FieldSync's protocol (\(what.escapingControlCharacters)); nothing was written. Check that --hub is this county's hub: the link is plain HTTP, so another server, or anyone on the link, may have answered."
        case let .bundleRefused(said, imported):
            "县级中心拒绝合并本站数据包，未做任何更改\(imported ? "；已导入县级中心的回传包，请按 `fieldsync station status` 的提示处理（从旧备份恢复的电脑：运行 `fieldsync station repair`），然后再同步" : "") / the hub refused to merge this station's bundle; nothing of it was applied: \(said.escapingControlCharacters)\(imported ? " The hub's return bundle was imported: do what `fieldsync station status` says (a laptop restored from a copy: `fieldsync station repair`), then sync again." : "")"
        case let .gaveUp(position, lastProblem):
            "连接多次中断，本轮未完成：\(position.chinese)；再次运行同一命令即可从断点继续 / the link kept failing and the round did not complete: \(position.english); run the same command again to resume. Last problem: \(lastProblem.escapingControlCharacters)"
        case let .station(error):
            error.description
        case let .file(reason):
            "同步状态文件读写失败 / cannot keep the sync state in the station folder: \(reason)"
        case .roundRunning:
            "本站另一轮同步正在进行（工作台或 `fieldsync station sync`），请等它结束后再试；本次未做任何操作 / another sync round of this station is running (the workbench's or `fieldsync station sync`'s); wait for it to finish, then try again. Nothing was done."
        }
    }
}

/// How far a round got when it stopped: what a person needs to judge what is left.
public enum RoundPosition: Sendable, Equatable {
    case uploading(done: Int64, total: Int64)
    /// The hub merged the station's bundle; the return bundle is partly downloaded.
    case downloading(done: Int64, total: Int64)

    public var chinese: String {
        switch self {
        case let .uploading(done, total): "已上传 \(Self.size(done)) / \(Self.size(total))"
        case let .downloading(done, total): "本站数据包已合并，回传包已下载 \(Self.size(done)) / \(Self.size(total))"
        }
    }

    public var english: String {
        switch self {
        case let .uploading(done, total): "uploaded \(Self.size(done)) of \(Self.size(total))"
        case let .downloading(done, total): "the hub merged this station's bundle; return bundle downloaded \(Self.size(done)) of \(Self.size(total))"
        }
    }

    /// "3.1 MB", "42.0 KB".
    static func size(_ bytes: Int64) -> String {
        bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1_000_000) : String(format: "%.1f KB", Double(bytes) / 1_000)
    }
}
