import ArgumentParser
import FieldSyncHTTP
import FieldSyncSync
import Foundation

/// `fieldsync hub serve`: the hub's HTTP service for stations on a link that drops.
struct HubServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve stations over HTTP: signed, resumable bundle uploads and return-bundle downloads (Protocol/http-api.md).",
        discussion: """
        Stations sync with `fieldsync station sync ST --hub http://HOST:PORT`. Each request is \
        signed with the station's enrolled key over a single-use nonce from this hub; nothing \
        else is needed (no passwords). Merges run one at a time, exactly as `hub merge` does. \
        Partial uploads are kept in HUB/uploads/ and return bundles in HUB/returns/. The log \
        (FIELDSYNC_LOG=info) names routes, stations' site ids and byte counts only. Stop with Ctrl-C.

        Put it behind a TLS-terminating proxy (or a VPN) on an open network: bundles are \
        signed and encrypted, but the requests' metadata is not.

        Example:
          fieldsync hub serve hub-huangzhong --listen 0.0.0.0:8440
        """)
    @Argument(help: "The hub folder.") var dir: String
    @Option(help: "The address and port to listen on.") var listen = "127.0.0.1:8440"
    @Option(name: .customLong("chunk-limit"), help: "The largest upload chunk (request body) in bytes.") var chunkLimit = 1 << 20
    @Option(name: .customLong("bodies-at-once"),
            help: "The most requests held at once, from reading the body until the answer; with --chunk-limit, the memory all requests together can take. Past it a station is told to send again (503).")
    var bodiesAtOnce = 32
    @OptionGroup var passphrase: PassphraseOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let address = ListenAddress.parse(listen) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: --listen 应为 主机:端口，如 127.0.0.1:8440 / --listen must be HOST:PORT, e.g. 127.0.0.1:8440.\n".utf8))
            throw ExitCode(1)
        }
        guard (1024...(64 << 20)).contains(chunkLimit) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: --chunk-limit 应在 1024 到 67108864 字节之间 / --chunk-limit must be between 1024 and 67108864 bytes.\n".utf8))
            throw ExitCode(1)
        }
        guard (1...4096).contains(bodiesAtOnce) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: --bodies-at-once 应在 1 到 4096 之间 / --bodies-at-once must be between 1 and 4096.\n".utf8))
            throw ExitCode(1)
        }
        let (host, port) = address
        let hub = try reporting { try passphrase.hub(dir) }
        // Held until the process exits: `hub rotate-key` refuses while the hub is served.
        guard let lock = try reporting({ try HubServeLock.acquire(folder: hub.folder) }) else {
            FileHandle.standardError.write(Data("fieldsync: 错误 error: 本中心已在提供服务 / this hub is already being served by another `fieldsync hub serve` (it holds \(HubServeLock.fileName) in the hub folder).\n".utf8))
            throw ExitCode(1)
        }
        defer { lock.release() }
        let service = HubHTTPService(worker: HubWorker(hub: hub), limits: .init(chunkBytes: chunkLimit, bodiesAtOnce: bodiesAtOnce))
        let json = output.json
        let name = hub.identity.name
        let app = service.application(host: host, port: port) { bound in
            // Written unbuffered: a script waiting for this line reads it at once.
            let line = json ? "{\"hub\":\(JSONString.quote(name)),\"listening\":\"\(host):\(bound)\"}"
                : "hub \(name.escapingControlCharacters) serving stations on http://\(host):\(bound) (Ctrl-C to stop)"
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        try runBlocking {
            try await app.runService()
            try await service.worker.shutdown()
        }
    }
}

enum JSONString {
    static func quote(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}

enum ListenAddress {
    /// `HOST:PORT` (`[::1]:8440` for IPv6) into its parts; nil unless the port is 0…65535.
    static func parse(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
