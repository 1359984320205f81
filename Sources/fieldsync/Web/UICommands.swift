import ArgumentParser
import FieldSyncSync
import FieldSyncWeb
import Foundation

/// The options both desks take: where to listen, and when to lock.
struct UIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The address and port to serve the pages on (loopback unless --allow-network; port 0: any free port).",
                               valueName: "HOST:PORT"))
    var listen: String?
    @Flag(name: .customLong("allow-network"), help: "Allow an address other than this computer's loopback (the pages show personal case data).")
    var allowNetwork = false
    @Option(name: .customLong("lock-after"), help: ArgumentHelp("Minutes without use after which a passphrase-protected desk locks.", valueName: "MINUTES"))
    var lockAfter = 15
    @OptionGroup var output: OutputOptions

    func address(default port: Int) throws -> WebListen {
        guard (1...24 * 60).contains(lockAfter) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: --lock-after 应在 1 到 1440 分钟之间 / --lock-after must be 1 to 1440 minutes.\n".utf8))
            throw ExitCode(1)
        }
        do {
            let listen = try WebListen.parse(self.listen ?? "127.0.0.1:\(port)", allowNetwork: allowNetwork)
            if !listen.isLoopback {
                FileHandle.standardError.write(Data("fieldsync: 注意 warning: 页面将在网络地址 \(listen.host) 上提供，同一网络上的人都能打开；请确认这是你要的 / the pages are served on \(listen.host), reachable by anyone on that network; be sure this is what you want.\n".utf8))
            }
            return listen
        } catch {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Serves until stopped; a port that cannot be had says so in words, with the way out.
    func serve(_ listen: WebListen, _ body: @escaping @Sendable () async throws -> Void) throws {
        do {
            try runBlocking(body)
        } catch {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: 无法在 \(listen.host):\(listen.port) 上提供页面（端口可能已被占用）；可换一个端口，或用 --listen 127.0.0.1:0 选任一空闲端口 / cannot serve the pages on \(listen.host):\(listen.port) (the port may be in use); choose another port, or --listen 127.0.0.1:0 for any free one. (\(error))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The line a person (or a script, with --json) reads to open the desk.
    func announce(_ what: String, name: String, host: String, port: Int) {
        let shown = host.contains(":") ? "[\(host)]" : host
        let line = output.json ? "{\"\(what)\":\(JSONString.quote(name)),\"url\":\"http://\(shown):\(port)/\"}"
            : "\(name): 请在浏览器中打开 open http://\(shown):\(port)/ (Ctrl-C 停止 to stop)"
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// `fieldsync station ui`: the caseworker's workbench in the browser.
struct StationUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the caseworker's workbench in the browser: today's list, households, case pages, every casework form, sync.",
        discussion: """
        Serves pages on this computer only (127.0.0.1) and prints the address to open. It \
        works with no network at all: every page, style and form is in the program. The \
        forms call the same casework service as the commands, with the same checks and \
        messages. Where the station's keys are protected by a passphrase, the first page \
        asks for it, and the workbench locks itself after --lock-after minutes without use \
        (whether or not a page is open); after three wrong passphrases the page waits longer \
        before each next try (up to a minute).

        Example:
          fieldsync station ui st-lushaer
          fieldsync station ui st-lushaer --listen 127.0.0.1:8480 --lock-after 10
        """)
    @Argument(help: "The station folder.") var dir: String
    @OptionGroup var options: UIOptions

    func run() throws {
        let listen = try options.address(default: 8480)
        let workbench = try reporting { try StationWorkbench(folder: dir, lockAfter: TimeInterval(options.lockAfter * 60)) }
        let name = (dir as NSString).lastPathComponent
        let ui = options
        let app = workbench.application(listen: listen) { port in ui.announce("station", name: name, host: listen.host, port: port) }
        try options.serve(listen) {
            try await app.runService()
            try await workbench.shutdown()
        }
    }
}

/// `fieldsync hub ui`: the county's review desk in the browser.
struct HubUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the county's review desk in the browser: merge inbox, conflicts, duplicates, county decisions, parameters, return bundles.",
        discussion: """
        Serves pages on this computer only (127.0.0.1) and prints the address to open. \
        Merges and return bundles run as they do with `hub merge` and `hub export`, one at \
        a time, with progress on the page. Where the hub's keys are protected by a \
        passphrase, the first page asks for it, and the desk locks itself after \
        --lock-after minutes without use; after three wrong passphrases the page waits \
        longer before each next try (up to a minute). It may run beside `hub serve` (merges take turns, \
        as two `hub merge` commands do); `hub rotate-key` waits until it is closed.

        Example:
          fieldsync hub ui hub-huangzhong
          fieldsync hub ui hub-huangzhong --listen 127.0.0.1:8481 --json
        """)
    @Argument(help: "The hub folder.") var dir: String
    @OptionGroup var options: UIOptions

    func run() throws {
        let listen = try options.address(default: 8481)
        let desk = try reporting { try HubDesk(folder: dir, lockAfter: TimeInterval(options.lockAfter * 60)) }
        // Held until the process exits: `hub rotate-key` refuses while the desk holds the keys.
        guard let lock = try reporting({ try HubServeLock.acquire(folder: NodeFolder(dir), for: .desk) }) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: 本中心的审核页面已在另一个 fieldsync hub ui 中打开 / this hub's review desk is already open in another `fieldsync hub ui` (it holds \(HubServeLock.Holder.desk.fileName) in the hub folder).\n".utf8))
            throw ExitCode(1)
        }
        defer { lock.release() }
        let name = (dir as NSString).lastPathComponent
        let ui = options
        let app = desk.application(listen: listen) { port in ui.announce("hub", name: name, host: listen.host, port: port) }
        try options.serve(listen) {
            try await app.runService()
            try await desk.shutdown()
        }
    }
}
