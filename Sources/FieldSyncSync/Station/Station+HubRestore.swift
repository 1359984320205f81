import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation

/// A station's side of a hub restored from a backup (protocol §4d, HR4): a return bundle
/// carrying one of the hub's own changes under a number this station holds with other
/// content is refused whole, naming the hub and the number; nothing of it is applied.
///
/// Checked before the merge, over every change of the hub's origin in the bundle, because
/// a bundle that brings nothing new of the station's feed (P7) is otherwise counted as
/// duplicates without being compared, and the station would silently lack the hub's act.
extension HubRestore {
    static func verifyHubChanges(in readable: ReadableBundle, hub: SiteID, replica: Replica, file: String, hubName: String) throws {
        var incoming: [Change] = []
        try readable.forEachBatch { batch in incoming += batch.filter { $0.origin == hub } }
        guard let low = incoming.map(\.sequence).min(), let high = incoming.map(\.sequence).max() else { return }
        let held = try replica.loggedChanges(origin: hub, in: low...high)
        for change in incoming.sorted(by: { $0.sequence < $1.sequence }) {
            if let mine = held[change.sequence], !OwnHistory.same(mine, change) {
                logger.warning("return bundle reuses a number of the hub this station holds", metadata: ["sequence": "\(change.sequence)"])
                throw SyncError.hubReusedNumber(hub: hubName, sequence: change.sequence, file: file)
            }
        }
    }

    static func stationRefusal(hub: String, sequence: UInt64, file: String) -> String {
        "县级中心 \(hub) 的返回包 \(file) 中第 \(sequence) 号修改与本站已有的同号记录内容不同：县级中心从旧备份恢复后、运行 `fieldsync hub repair` 之前写入了新记录。整个包未导入，本站数据未变。请照常导出并交给县级中心，并把这条消息转告县级中心管理员（需由技术支持为县级中心重新编号）/ "
            + "return bundle \(file) from hub \(hub) carries change number \(sequence) with content other than this station's copy of it: the hub was restored from an older backup and wrote county acts before `fieldsync hub repair` was run. Nothing was imported; this replica is unchanged. Export as usual, and give this message to the hub's operator (FieldSync support must renumber the hub's acts)."
    }

}
