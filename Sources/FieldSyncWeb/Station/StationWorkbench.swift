import FieldSyncDomain
import FieldSyncSync
import Foundation
import Hummingbird

/// `fieldsync station ui`: the township caseworker's workbench, over the same ``Casework``
/// service and ``Station`` the command line calls. No rule is decided here: a form's
/// fields go to the service as the command's options do, and its refusal comes back as
/// the field's message.
public struct StationWorkbench: Sendable {
    let bench: Workbench<Station>
    /// The station's township (new households are registered there), read from its key file.
    let township: String?

    /// The workbench of the station folder `folder`. Keys sealed under a passphrase are
    /// opened only on the unlock page; unprotected keys are opened now, and every page says so.
    public init(folder: String, lockAfter: TimeInterval = 15 * 60) throws(SyncError) {
        let card = try NodeFolder(folder).identityCard()
        let shared: Station? = card.isProtected ? nil : try Station.open(at: folder, passphrase: nil)
        township = card.township
        let warning = card.isProtected ? nil
            : "本机密钥未加口令保护：拷走本文件夹的人可冒充本站。请用 fieldsync key protect 设置口令 / this station's keys are not protected by a passphrase: whoever copies the folder can act as this station. Protect them with `fieldsync key protect`."
        bench = Workbench(
            sessions: WebSessions(lockAfter: lockAfter, sharedNode: shared),
            nodeLabel: "工作站 station \(card.name)" + (card.township.map { " · \($0)" } ?? ""),
            nav: [("/today", "今日待办 Today"), ("/households", "户 Households"), ("/households/new", "登记新户 Register"),
                  ("/sync", "同步 Sync")],
            warning: warning,
            nodeWarnings: { station in
                [station.clockWarning(dir: folder), (try? station.restoreState())??.notice].compactMap { $0 }
            },
            cookieName: "fieldsync_station_\(card.site.short)",
            unlock: { passphrase in try Station.open(at: folder, passphrase: passphrase) })
    }

    public var sessions: WebSessions<Station> { bench.sessions }

    public func router() -> Router<WebContext<Station>> {
        let router = bench.router()
        router.get("/") { _, _ in Response.redirect(to: "/today", type: .found) }
        addCasePages(to: router)
        addVerbs(to: router)
        addSync(to: router)
        return router
    }

    /// The workbench served on `listen` until the process stops.
    public func application(listen: WebListen, onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        bench.application(router: router(), listen: listen, onRunning: onRunning)
    }

    public func shutdown() async throws { try await bench.worker.shutdown() }
}
