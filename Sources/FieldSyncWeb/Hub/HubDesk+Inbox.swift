import FieldSyncSync
import Foundation
import Hummingbird

/// The merge inbox and the return bundles: a folder in, a folder out, each as a job with a
/// line per file (the same `Hub.merge(paths:)` and `Hub.exportReturnBundles(to:)` as
/// `hub merge` and `hub export`).
extension HubDesk {
    func addInbox(to router: Router<WebContext<Hub>>) {
        let bench = self.bench
        /// The inbox: its folder form (with what was typed and why it was refused, if it
        /// was) and, once a folder was read, its bundles.
        @Sendable func page(_ context: WebContext<Hub>, typed: FormBody? = nil, refusal: String? = nil,
                            folder: String? = nil, files: [String] = [], skipped: [String] = []) -> Response {
            bench.pages.page("hub-inbox", InboxPage(
                frame: bench.frame("合并 Merge inbox", context, current: "/inbox"),
                form: folderForm("inbox", "/inbox", "查看 List the bundles", context, typed: typed, refusal: refusal),
                folder: folder, files: files, skipped: skipped, csrf: context.csrf),
                status: refusal == nil ? .ok : .unprocessableContent)
        }
        router.get("/inbox") { _, context in page(context) }
        // The bundles a folder holds, before merging them.
        router.post("/inbox") { _, context in
            let form = context.form
            guard let folder = form.text("folder") else { return page(context, typed: form, refusal: SyncField.missing("folder")) }
            let listing: Result<([String], [String]), SyncError> = try await bench.run(context) { _ in
                var skipped: [String] = []
                do throws(SyncError) {
                    let files = try BundleFiles.expand([folder]) { path, reason in skipped.append("\((path as NSString).lastPathComponent)：\(reason)") }
                    return .success((files, skipped))
                } catch { return .failure(error) }
            }
            switch listing {
            case let .failure(error):
                return page(context, typed: form, refusal: error.description)
            case let .success((files, skipped)):
                return page(context, typed: form, folder: folder, files: files.map { ($0 as NSString).lastPathComponent }, skipped: skipped)
            }
        }
        router.post("/inbox/merge") { _, context in
            guard let folder = context.form.text("folder") else { return Response.redirect(to: "/inbox", type: .normal) }
            return try bench.job("合并数据包 Merging bundles", back: "/inbox", context) { hub, progress in
                let results = try hub.merge(paths: [folder], progress: { i, n, file in
                    progress(i - 1, n, (file as NSString).lastPathComponent)
                })
                return results.flatMap { file, result -> [String] in
                    switch result {
                    case let .success(r): ImportWords.lines(r)
                    case let .failure(e):
                        if case .notSaved = e { ["\((file as NSString).lastPathComponent)：未保存 not saved — \(e.description)"] }
                        else { ["\((file as NSString).lastPathComponent)：已拒绝 refused — \(e.description)"] }
                    }
                } + ["共 \(results.count) 个文件 / \(results.count) files"]
            }
        }
        router.get("/returns") { _, context in
            bench.pages.page("hub-returns", ReturnsPage(frame: bench.frame("回传 Return bundles", context, current: "/returns"),
                                                        form: folderForm("returns", "/returns", "写出回传数据包 Write return bundles", context,
                                                                         typed: nil, refusal: nil)))
        }
        router.post("/returns") { _, context in
            guard let folder = context.form.text("folder") else {
                return bench.pages.page("hub-returns", ReturnsPage(
                    frame: bench.frame("回传 Return bundles", context, current: "/returns"),
                    form: folderForm("returns", "/returns", "写出回传数据包 Write return bundles", context, typed: context.form,
                                     refusal: SyncField.missing("folder"))), status: .unprocessableContent)
            }
            return try bench.job("写出回传数据包 Writing return bundles", back: "/returns", context) { hub, progress in
                let results = try hub.exportReturnBundles(to: folder) { i, n, name in progress(i - 1, n, name) }
                return results.map { "\($0.recipientName)：\(($0.path as NSString).lastPathComponent)，\($0.header.totalChanges) 条变更 changes" }
                    + ["已写入 written to \(folder)"]
            }
        }
    }
}

struct InboxPage {
    let frame: Frame
    let form: FormView
    let folder: String?
    let files: [String]
    let skipped: [String]
    let csrf: String
    let formKey = WebSessions<Never>.formKey()
}

struct ReturnsPage {
    let frame: Frame
    let form: FormView
}
