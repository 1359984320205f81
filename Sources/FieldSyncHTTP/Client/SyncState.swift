import Foundation

/// What a round has done so far, kept in the station folder (`sync/state.json`, 0600) so
/// that a new process resumes it: the exported bundle and its upload, whether the hub has
/// merged it, and the return bundle being downloaded (its bytes in `sync/incoming/`).
struct SyncState: Codable, Equatable {
    struct Upload: Codable, Equatable {
        var path: String
        var name: String
        var size: Int64
        var sha256: String
        var id: String?
    }
    var upload: Upload?
    var merge: MergeResultBody?
    var download: ReturnBundleBody?

    /// The files of the state, under `STATION/sync/`.
    struct Files {
        let folder: String
        init(station: String) { folder = (station as NSString).appendingPathComponent("sync") }
        var state: String { (folder as NSString).appendingPathComponent("state.json") }
        var outgoing: String { (folder as NSString).appendingPathComponent("outgoing") }
        var incoming: String { (folder as NSString).appendingPathComponent("incoming") }
        func partial(_ download: ReturnBundleBody) -> String { (incoming as NSString).appendingPathComponent("\(download.id).part") }

        func load() throws(StationSyncError) -> SyncState {
            guard let data = FileManager.default.contents(atPath: state) else { return SyncState() }
            guard let decoded = WireJSON.decode(SyncState.self, from: data) else {
                throw .file("\(state) is damaged; delete the folder \(folder) and run again (the round starts over, nothing is lost)")
            }
            return decoded
        }

        func save(_ value: SyncState) throws(StationSyncError) {
            do {
                try PrivateFile.makeFolder(folder)
                try PrivateFile.replace(state, with: WireJSON.encode(value))
            } catch { throw .file(error.description) }
        }

        /// Ends the round: the state and its files go (the bundles were merged and imported).
        func clear() { PrivateFile.remove(folder) }
    }
}
