import FieldSyncCore
import FieldSyncStore
import FieldSyncSync
import Foundation
import Logging

/// Return bundles written for download, one per station at a time, under
/// `HUB/returns/<station site hex>/`. A new request replaces the station's previous one:
/// it carries a newer acknowledgement and everything the older one did.
///
/// Every method blocks on disk and the hub: call them on the ``HubWorker`` only.
public struct ReturnStore: Sendable {
    public let root: String
    static let logger = Logger(label: "fieldsync.http.returns")

    public init(hubFolder: String) {
        self.root = (hubFolder as NSString).appendingPathComponent("returns")
    }

    /// Writes `station`'s return bundle and describes it (id = first 32 hex of its SHA-256).
    public func write(for station: Peer, hub: Hub) throws(HTTPRefusal) -> ReturnBundleBody {
        let folder = self.folder(station.site)
        PrivateFile.remove(folder)
        do {
            try PrivateFile.makeFolder(folder)
            let result = try hub.returnBundle(for: station, to: folder + "/")
            chmod(result.path, 0o600)
            let sha = try PrivateFile.sha256(result.path)
            let body = ReturnBundleBody(id: String(sha.prefix(32)), size: PrivateFile.size(result.path) ?? 0, sha256: sha,
                                        name: (result.path as NSString).lastPathComponent)
            try PrivateFile.replace(metaPath(station.site), with: WireJSON.encode(body))
            Self.logger.info("return bundle written", metadata: ["station": "\(station.site.short)", "bytes": "\(body.size)",
                                                                  "changes": "\(result.header.totalChanges)"])
            return body
        } catch let error as SyncError {
            throw .hubFailure(error.description)
        } catch {
            throw .hubFailure("\(error)")
        }
    }

    /// The path and description of `station`'s current return bundle if its id is `id`.
    public func file(_ id: String, for station: SiteID) throws(HTTPRefusal) -> (path: String, body: ReturnBundleBody) {
        guard let data = FileManager.default.contents(atPath: metaPath(station)),
              let body = WireJSON.decode(ReturnBundleBody.self, from: data), body.id == id else {
            throw .notFound(what: "return bundle \(id)")
        }
        return ((folder(station) as NSString).appendingPathComponent(body.name), body)
    }

    private func folder(_ site: SiteID) -> String { (root as NSString).appendingPathComponent(site.hex) }
    private func metaPath(_ site: SiteID) -> String { (root as NSString).appendingPathComponent("\(site.hex).json") }
}
