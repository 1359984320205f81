import FieldSyncDomain
import FieldSyncSync
import FieldSyncWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// `fieldsync-bench --pages`: the server time of each page of the workbench (`station ui`)
/// and the review desk (`hub ui`) on a station of 2,000 households made by the sample
/// generator (members, applications, checks, decisions, payments, visits, referrals).
///
/// Each page goes through the whole router in process (guard, session, service, template),
/// and its time is the `Server-Timing` the guard writes: what the server spends, without the
/// network or the browser. The target of issue 9 is under 50 ms for every page.
struct PageBench {
    let households: Int
    let json: Bool
    static let target = 50.0
    static let rounds = 25

    struct Figure: Codable {
        let page: String
        let medianMs: Double
        let maxMs: Double
        let samples: Int
        let bytes: Int
    }

    func say(_ line: String) { if !json { FileHandle.standardOutput.write(Data((line + "\n").utf8)) } }

    func run() throws {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("fieldsync-bench-pages-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        say("generating a station of \(households) households (sample generator, seed 9)…")
        var lastShown = Date.distantPast
        let (county, summary) = try SampleCounty(root: dir, plan: .init(seed: 9, townships: 1, householdsPerTownship: households)) { done, total, _ in
            if Date().timeIntervalSince(lastShown) > 2 { lastShown = Date(); self.say("  \(done)/\(total)") }
        }.generateCounty()
        say("station: \(summary.households) households, \(summary.members) members, \(summary.applications) applications, "
            + "\(summary.checks) checks, \(summary.decisions) decisions, \(summary.payments) payments, \(summary.visits) visits")
        let station = county.stations[0]
        let casework = station.casework()
        let ids = try casework.households().map(\.id)
        let applications = try ids.prefix(200).flatMap { try casework.applications(household: $0).map(\.id) }
        let workbench = try StationWorkbench(folder: station.folder.path)
        let desk = try HubDesk(folder: county.hub.folder.path)
        let figures = try blocking {
            let stationFigures = try await Application(router: workbench.router()).test(.router) { client in
                var figures: [Figure] = []
                let session = Session(client: client)
                try await session.warm("/households")
                let step = max(1, ids.count / Self.rounds)
                let picks = stride(from: 0, to: ids.count, by: step).map { ids[$0] }.prefix(Self.rounds)
                let apps = Array(applications.prefix(Self.rounds))
                figures.append(try await session.time("station /today") { _ in "/today" })
                figures.append(try await session.time("station /households (page 1 of \(ids.count / 50))") { _ in "/households" })
                figures.append(try await session.time("station /households?page=20") { _ in "/households?page=20" })
                figures.append(try await session.time("station search by name (POST)") { _ in "/households/search" } body: { _ in "q=%E9%A9%AC" })
                figures.append(try await session.time("station case page /households/{id}") { "/households/\(picks[$0 % picks.count])" })
                figures.append(try await session.time("station printable summary") { "/households/\(picks[$0 % picks.count])/print" })
                figures.append(try await session.time("station form: add a member") { "/households/\(picks[$0 % picks.count])/members/new" })
                figures.append(try await session.time("station form: decide") { "/applications/\(apps[$0 % apps.count])/decide" })
                figures.append(try await session.time("station /sync (with notices)") { _ in "/sync" })
                return figures
            }
            let hubFigures = try await Application(router: desk.router()).test(.router) { client in
                var figures: [Figure] = []
                let session = Session(client: client)
                try await session.warm("/stations")
                for path in ["/stations", "/conflicts", "/duplicates", "/pending", "/parameters"] {
                    figures.append(try await session.time("hub \(path)") { _ in path })
                }
                return figures
            }
            return stationFigures + hubFigures
        }
        try desk.shutdownBlocking()
        try workbench.shutdownBlocking()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
            return
        }
        say("")
        func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(1, width - s.count)) }
        say(pad("page", 44) + "median ms    max ms     bytes")
        for f in figures {
            say(pad(f.page, 44) + String(format: "%9.2f %9.2f %9d", f.medianMs, f.maxMs, f.bytes)
                + (f.maxMs < Self.target ? "" : "  over the 50 ms target"))
        }
        let worst = figures.map(\.maxMs).max() ?? 0
        say(String(format: "slowest page %.2f ms (max of %d requests each): target under %.0f ms %@", worst, Self.rounds, Self.target,
                   worst < Self.target ? "met" : "NOT met"))
    }

    /// One browser session: its cookie and CSRF token, the pages timed through it.
    final class Session: @unchecked Sendable {
        let client: any TestClientProtocol
        var cookie = ""
        var csrf = ""

        init(client: any TestClientProtocol) { self.client = client }

        func warm(_ path: String) async throws {
            let response = try await client.executeRequest(uri: path, method: .get, headers: [:], body: nil)
            cookie = response.headers[.setCookie].flatMap { $0.split(separator: ";").first.map(String.init) } ?? ""
            let body = String(buffer: response.body)
            if let r = body.range(of: "name=\"_csrf\" value=\"") { csrf = String(body[r.upperBound...].prefix { $0 != "\"" }) }
        }

        /// `rounds` requests of `path(i)` (a POST when `body` is given); the median and
        /// maximum server time, after one request not counted (the first reads a cold cache).
        func time(_ name: String, path: (Int) -> String, body: ((Int) -> String)? = nil) async throws -> Figure {
            var samples: [Double] = []
            var bytes = 0
            for i in 0...PageBench.rounds {
                var headers: HTTPFields = [.cookie: cookie]
                var buffer: ByteBuffer?
                if let body {
                    headers[.contentType] = "application/x-www-form-urlencoded"
                    buffer = ByteBuffer(string: "_csrf=\(csrf)&" + body(i))
                }
                let response = try await client.executeRequest(uri: path(i), method: body == nil ? .get : .post, headers: headers, body: buffer)
                guard response.status == .ok else { throw PageBenchError.status(name, Int(response.status.code)) }
                guard let timing = response.headers[HTTPField.Name("Server-Timing")!],
                      let ms = Double(timing.replacingOccurrences(of: "app;dur=", with: "")) else { throw PageBenchError.noTiming(name) }
                bytes = response.body.readableBytes
                if i > 0 { samples.append(ms) }
            }
            samples.sort()
            return Figure(page: name, medianMs: samples[samples.count / 2], maxMs: samples.last ?? 0, samples: samples.count, bytes: bytes)
        }
    }

    enum PageBenchError: Error, CustomStringConvertible {
        case status(String, Int)
        case noTiming(String)
        var description: String {
            switch self {
            case let .status(page, code): "\(page) answered \(code)"
            case let .noTiming(page): "\(page) has no Server-Timing header"
            }
        }
    }
}

/// Waits on the main thread for async work (the bench's entry point is synchronous).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

/// The result handed from the task to the waiting thread; the semaphore orders the two accesses.
final class BlockingResult<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

extension StationWorkbench {
    func shutdownBlocking() throws { let w = self; try blocking { try await w.shutdown() } }
}

extension HubDesk {
    func shutdownBlocking() throws { let d = self; try blocking { try await d.shutdown() } }
}
