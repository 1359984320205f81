import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import FieldSyncSync
import Foundation
import Hummingbird

/// `fieldsync hub ui`: the county's review desk, over the same ``Hub`` and ``Casework``
/// calls as `hub merge`, `hub conflicts`/`resolve`, `hub duplicates`, `hub pending`,
/// `hub decide`, `hub params` and `hub export`.
public struct HubDesk: Sendable {
    let bench: Workbench<Hub>

    public init(folder: String, lockAfter: TimeInterval = 15 * 60) throws(SyncError) {
        let card = try NodeFolder(folder).identityCard()
        let shared: Hub? = card.isProtected ? nil : try Hub.open(at: folder, passphrase: nil)
        let warning = card.isProtected ? nil
            : "县级中心密钥未加口令保护：拷走本文件夹的人可冒充中心。请用 fieldsync key protect 设置口令 / the hub's keys are not protected by a passphrase: whoever copies the folder can act as the hub. Protect them with `fieldsync key protect`."
        bench = Workbench(
            sessions: WebSessions(lockAfter: lockAfter, sharedNode: shared), nodeLabel: "县级中心 hub \(card.name)",
            nav: [("/stations", "工作站 Stations"), ("/inbox", "合并 Merge inbox"), ("/conflicts", "冲突 Conflicts"),
                  ("/duplicates", "重复 Duplicates"), ("/pending", "待县级审核 For the county"), ("/parameters", "参数 Parameters"),
                  ("/returns", "回传 Return bundles")],
            warning: warning, cookieName: "fieldsync_hub_\(card.site.short)",
            unlock: { passphrase in try Hub.open(at: folder, passphrase: passphrase) })
    }

    public var sessions: WebSessions<Hub> { bench.sessions }

    public func router() -> Router<WebContext<Hub>> {
        let router = bench.router()
        router.get("/") { _, _ in Response.redirect(to: "/stations", type: .found) }
        addStations(to: router)
        addInbox(to: router)
        addConflicts(to: router)
        addCountyWork(to: router)
        return router
    }

    public func application(listen: WebListen, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        bench.application(router: router(), listen: listen, onRunning: onRunning)
    }

    public func shutdown() async throws { try await bench.worker.shutdown() }

    /// The station table and the chart of open items per township.
    func addStations(to router: Router<WebContext<Hub>>) {
        let bench = self.bench
        router.get("/stations") { _, context in
            let status = try await bench.run(context) { hub in try hub.status() }
            return bench.pages.page("hub-home", StationsPage(frame: bench.frame("工作站 Stations", context, current: "/stations"), status: status))
        }
    }

    /// A page with one folder form (the inbox, the return bundles).
    func folderForm(_ id: String, _ action: String, _ submit: String, _ context: WebContext<Hub>, typed: FormBody?, refusal: String?) -> FormView {
        FormView(id: id, action: action, submit: submit, csrf: context.csrf,
                 fields: [FormField("folder", "文件夹", "folder", required: true, hint: "如 / e.g. /media/usb")],
                 typed: typed, refusal: refusal, refusedField: refusal == nil ? nil : "folder")
    }
}

struct StationsPage {
    struct Row {
        let name: String
        let township: String
        let households: Int
        let pending: Int
        let conflicts: Int
        let duplicates: String
        let owed: String
        let lastReceived: String
        let revoked: Bool
    }
    struct Bar {
        let label: String
        let count: Int
        let y: Int
        let width: Int
        let textX: Int
        let textY: Int
    }
    let frame: Frame
    let rows: [Row]
    let bars: [Bar]
    let chartHeight: Int
    let openConflicts: Int
    let empty: Bool

    init(frame: Frame, status: NodeStatus) {
        self.frame = frame
        openConflicts = status.openConflicts
        rows = status.peers.map { p in
            let o = p.overview
            return Row(name: p.peer.name, township: p.peer.township ?? "—", households: o?.householdsInScope ?? 0,
                       pending: o?.pendingDecisions ?? 0, conflicts: o?.openConflicts ?? 0,
                       duplicates: o?.duplicateGroups.map(String.init) ?? "—", owed: String(p.changesPending),
                       lastReceived: o?.lastReceived.map { Display.moment(millis: $0.atMillis) } ?? "—",
                       revoked: p.peer.revokedAtMillis != nil)
        }
        empty = rows.isEmpty
        // Open items per township: conflicts, applications waiting for the county, duplicate groups.
        let counts = rows.map { ($0.township, $0.conflicts + $0.pending + (Int($0.duplicates) ?? 0)) }
        let most = max(1, counts.map(\.1).max() ?? 1)
        bars = counts.enumerated().map { i, c in
            let width = c.1 * 420 / most
            return Bar(label: c.0, count: c.1, y: i * 26 + 4, width: width, textX: 110 + width + 6, textY: i * 26 + 19)
        }
        chartHeight = max(30, counts.count * 26 + 8)
    }
}
