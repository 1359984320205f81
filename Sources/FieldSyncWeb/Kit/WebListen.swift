import Foundation

/// Where a workbench listens, and whether that is this machine only.
///
/// The pages show families' personal data and accept casework from whoever can reach them;
/// the keys' passphrase is asked in the page. So the default is loopback, and any other
/// address needs `--allow-network` and earns a warning: a township's office network is not
/// a place to publish the case files on.
public struct WebListen: Sendable, Equatable {
    public let host: String
    public let port: Int

    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case malformed(String)
        case notLoopback(String)

        public var description: String {
            switch self {
            case let .malformed(text):
                "--listen 应为 主机:端口，如 127.0.0.1:8480 / --listen must be HOST:PORT, e.g. 127.0.0.1:8480 (got \(text))"
            case let .notLoopback(host):
                "\(host) 不是本机回环地址：页面上有个案的个人信息，只应在本机打开；确需在网络上提供请加 --allow-network / \(host) is not a loopback address: the pages show personal case data and belong on this computer only; add --allow-network if you really mean to serve them on a network"
            }
        }
    }

    /// `HOST:PORT` (`[::1]:8480` for IPv6); refuses a host other than loopback unless `allowNetwork`.
    public static func parse(_ text: String, allowNetwork: Bool) throws(Refusal) -> WebListen {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw .malformed(text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .malformed(text) }
        guard allowNetwork || isLoopback(host) else { throw .notLoopback(host) }
        return WebListen(host: host, port: port)
    }

    public var isLoopback: Bool { Self.isLoopback(host) }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".")
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
