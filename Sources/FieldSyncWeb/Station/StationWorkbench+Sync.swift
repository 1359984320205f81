import FieldSyncDomain
import FieldSyncHTTP
import FieldSyncSync
import Foundation
import Hummingbird

/// 同步: export to a stick, import the hub's return bundle, sync over HTTP, the hub's notices.
///
/// Each runs as a job (its page shows progress and then the result in words), through the
/// same ``Station`` calls as `station export`, `station import` and `station sync`.
extension StationWorkbench {
    func addSync(to router: Router<WebContext<Station>>) {
        let bench = self.bench
        router.get("/sync") { _, context in try await syncPage(context, typed: nil, refusal: nil) }
        router.post("/sync/export") { _, context in
            guard let folder = context.form.text("folder") else {
                return try await syncPage(context, typed: context.form, refusal: (SyncField.missing("folder"), "folder"))
            }
            // A folder that exists, named in full: never a file to overwrite (the return
            // bundle's path pasted here), never a new file or folder made from a typo.
            var isFolder: ObjCBool = false
            guard folder.hasPrefix("/"), FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                return try await syncPage(context, typed: context.form, refusal: (SyncField.notAFolder, "folder"))
            }
            return try bench.job("导出数据包 Export a bundle", back: "/sync", context) { station, _ in
                let result = try station.export(to: folder)
                return ["已写出 written: \(result.path)",
                        "\(result.header.totalChanges) 条变更，交县级中心合并 / \(result.header.totalChanges) changes for the hub to merge"]
            }
        }
        router.post("/sync/import") { _, context in
            guard let path = context.form.text("bundle") else {
                return try await syncPage(context, typed: context.form, refusal: (SyncField.missing("bundle"), "bundle"))
            }
            return try bench.job("导入回传数据包 Import a return bundle", back: "/sync", context) { station, progress in
                let result = try station.importBundle(at: path) { done in progress(done, 0, "已读 read \(done)") }
                return ImportWords.lines(result)
            }
        }
        router.post("/sync/http") { _, context in
            guard let hub = context.form.text("hub") else {
                return try await syncPage(context, typed: context.form, refusal: (SyncField.missing("hub"), "hub"))
            }
            guard let station = context.node else { throw HTTPError(.forbidden) }
            let job = bench.jobs.start(title: "联网同步 Sync over the network", back: "/sync")
            let jobs = bench.jobs
            Task {
                do {
                    // A page waits for its answer: give up after two minutes and say so (the
                    // next sync resumes where this one stopped), rather than retry unseen.
                    let options = SyncOptions(requestTimeout: .seconds(30), totalTimeout: .seconds(120))
                    let round = try StationSyncRound(station: station, hub: hub, options: options) { progress in
                        let (done, total, words) = SyncWords.progress(progress)
                        jobs.progress(job, done: Int(done), total: Int(total), current: words)
                    }
                    let report = try await round.run()
                    jobs.finish(job, .finished([
                        "已上传 sent \(report.uploadName)：\(report.merge.changes) 条变更 changes，中心采用 applied \(report.merge.applied)",
                        "已导入 imported \(report.importedChanges) 条变更 changes（采用 applied \(report.importedApplied)）",
                    ] + (report.interruptions > 0 ? ["网络中断 \(report.interruptions) 次，已自动续传 / the link failed \(report.interruptions) times; the round resumed each time"] : [])))
                } catch {
                    jobs.finish(job, .failed(String(describing: error)))
                }
            }
            return Response.redirect(to: "/jobs/\(job)", type: .normal)
        }
    }

    private func syncPage(_ context: WebContext<Station>, typed: FormBody?, refusal: (String, String)?) async throws -> Response {
        let notices = try await bench.run(context) { station in try station.notices() }
        let csrf = context.csrf
        func form(_ id: String, _ action: String, _ submit: String, _ field: FormField) -> FormView {
            let mine = refusal?.1 == field.name
            return FormView(id: id, action: action, submit: submit, csrf: csrf, fields: [field], typed: mine ? typed : nil,
                            refusal: mine ? refusal?.0 : nil, refusedField: mine ? field.name : nil)
        }
        let view = SyncPage(
            frame: bench.frame("同步 Sync", context, current: "/sync"),
            export: form("export", "/sync/export", "导出 Export", FormField("folder", "U盘文件夹", "folder on the USB stick", required: true,
                                                                          hint: "如 / e.g. /media/usb")),
            importForm: form("import", "/sync/import", "导入 Import", FormField("bundle", "回传数据包文件", "return bundle file (.fsb)", required: true)),
            http: form("http", "/sync/http", "联网同步 Sync", FormField("hub", "县级中心地址", "the hub's address", required: true,
                                                                    hint: "如 / e.g. http://10.20.0.5:8440")),
            notices: notices.map { CasePage.NoticeView(kind: CodeLabels.label($0.kind), zh: $0.wordsZh, en: $0.wordsEn, created: $0.created) })
        return bench.pages.page("sync", view, status: refusal == nil ? .ok : .unprocessableContent)
    }
}

struct SyncPage {
    let frame: Frame
    let export: FormView
    let importForm: FormView
    let http: FormView
    let notices: [CasePage.NoticeView]
}

enum SyncField {
    static func missing(_ field: String) -> String { CaseworkError.missing(field: field).description }
    static let notAFolder = "字段 folder：请填写U盘上已存在的文件夹的完整路径（如 /media/usb），不能是文件 / field folder: enter the full path of a folder that exists on the USB stick (e.g. /media/usb), not a file"
}

/// A bundle import's result in words (station import and hub merge alike).
enum ImportWords {
    static func lines(_ result: ImportResult) -> [String] {
        let r = result.report
        if result.outcome == .alreadyImported {
            return ["\((result.path as NSString).lastPathComponent)：已导入过，未重复导入 / already imported; nothing done again"]
        }
        return ["\((result.path as NSString).lastPathComponent)：来自 from \(result.senderName)",
                "采用 applied \(r.applied)，过时 stale \(r.stale)，重复 duplicate \(r.duplicate)，冲突 conflicts \(r.conflicts)"
                    + (r.withheld > 0 ? "，暂缓 withheld \(r.withheld)" : "")]
    }
}

/// A sync round's progress in words.
enum SyncWords {
    static func progress(_ p: SyncProgress) -> (Int64, Int64, String) {
        switch p {
        case let .exported(name, bytes): (0, bytes, "已导出 exported \(name)")
        case let .uploading(done, total): (done, total, "上传中 uploading")
        case .waitingForMerge: (0, 0, "等待中心合并 waiting for the hub's merge")
        case let .merged(body): (0, 0, "中心已合并 merged: \(body.applied) applied")
        case let .downloading(done, total): (done, total, "下载回传包 downloading the return bundle")
        case let .imported(applied, changes): (Int64(changes), Int64(changes), "已导入 imported \(applied)/\(changes)")
        case let .retrying(after, _): (0, 0, "网络中断，\(Int(after)) 秒后重试 / the link failed; retrying in \(Int(after)) s")
        }
    }
}
