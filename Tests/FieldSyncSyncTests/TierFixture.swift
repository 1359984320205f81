import FieldSyncCore
import FieldSyncStore
@testable import FieldSyncSync
import FieldSyncTestSupport
import Foundation

/// A provincial hub with county hubs enrolled under it, each with its stations: the
/// starting point of the tier tests. Enrollment goes through real request and enrollment
/// files, with the same commands' code a county and a station use.
struct Province {
    let hub: Hub
    var counties: [County]
    /// Each county's 6-digit code, in the order of ``counties``.
    let codes: [String]

    /// Creates `root/province` and, per code, `root/<code>` with `stationsPerCounty`
    /// stations `<code>101`, `<code>102`, …; enrolls each county hub at the province.
    /// With a seed, every identity is reproducible (distinct for each county).
    static func create(at root: String, codes: [String], stationsPerCounty: Int, wallClock: @escaping WallClock,
                       seed: UInt64? = nil) throws -> Province {
        let identity = seed.map { seed in
            var generator = SeededGenerator(seed: seed &* 7)
            return NodeIdentity.make(name: "province", role: .hub, township: nil, using: &generator)
        }
        let province = try Hub.initialize(at: root + "/province", name: "province", wallClock: wallClock, identity: identity)
        var counties: [County] = []
        for (c, code) in codes.enumerated() {
            let county = try County.create(at: root + "/" + code, hubName: "county \(code)",
                                           stations: (1...stationsPerCounty).map { .init(name: "station \(code)-\($0)", township: code + String(format: "%03d", 100 + $0)) },
                                           wallClock: wallClock, seed: seed.map { $0 &* 7 &+ UInt64(c) &+ 1 })
            try enrol(county.hub, code: code, at: province, folder: root + "/enrollment-\(code)")
            counties.append(county)
        }
        return Province(hub: province, counties: counties, codes: codes)
    }

    /// The county hub's request, the province's enrollment, the county's join.
    static func enrol(_ county: Hub, code: String, at province: Hub, folder: String) throws {
        try NodeFolder(folder).create()
        try county.requestUpstream(county: code, to: folder + "/request.json")
        try province.enroll(EnrollmentRequest.read(from: folder + "/request.json"), out: folder + "/enrollment.json")
        try county.joinUpstream(Enrollment.read(from: folder + "/enrollment.json"))
    }

    /// The peer record of county `c` at the province.
    func countyPeer(_ c: Int) throws -> Peer {
        guard let peer = try hub.replica.peer(counties[c].hub.identity.site) else { throw SyncError.notJoined }
        return peer
    }

    /// True when nothing is owed on either level: every station to its county and back,
    /// every county to the province and back.
    func isQuiet() throws -> Bool {
        for county in counties {
            guard try county.isQuiet(), try county.hub.changesOwedUpstream() == 0 else { return false }
        }
        return try hub.status().peers.allSatisfy { $0.changesPending == 0 }
    }

    /// What differs between scopes, for a failure message: station vs county per township,
    /// county vs province per county.
    func mismatches() throws -> [String] {
        var found: [String] = []
        for (c, county) in counties.enumerated() {
            for station in county.stations {
                let township = station.identity.township!
                if try station.replica.digest() != county.hub.replica.digest(township: township) {
                    found.append("station \(township) differs from its county hub: " + (try ConvergencePropertyTests(name: "diff", testClosure: { _ in }).difference(station.replica, county.hub.replica, township: township)))
                }
            }
            if try county.hub.replica.digest(township: codes[c]) != hub.replica.digest(township: codes[c]) {
                found.append("county \(codes[c]) differs from the province: " + (try difference(county.hub.replica, hub.replica, county: codes[c])))
            }
        }
        return found
    }
}

extension Province {
    /// Full rounds on both levels, in order (stations → counties → province → counties →
    /// stations), until nothing is owed; every merge must succeed. Returns the rounds taken.
    @discardableResult
    func syncUntilQuiet(stick: String, maxRounds: Int = 5) throws -> Int {
        for round in 1...maxRounds {
            let dir = stick + "/round-\(round)"
            for county in counties {
                for station in county.stations { try county.hub.merge(bundleAt: station.export(to: dir + "/up/").path) }
                try hub.merge(bundleAt: county.hub.exportUpstream(to: dir + "/county/").path)
            }
            for result in try hub.exportReturnBundles(to: dir + "/province") {
                try counties.first { $0.hub.identity.site == result.recipientSite }!.hub.importUpstream(at: result.path)
            }
            for county in counties { try county.deliverReturnBundles(via: dir + "/down-\(county.hub.identity.site.short)") }
            if try isQuiet() { return round }
        }
        return maxRounds
    }
}

extension Province {
    /// Opens the province created by ``create(at:codes:stationsPerCounty:wallClock:seed:)`` at `root`
    /// (or a copy of that folder) with `wallClock`.
    static func open(at root: String, codes: [String], wallClock: @escaping WallClock) throws -> Province {
        let province = try Hub.open(at: root + "/province", wallClock: wallClock)
        let counties = try codes.map { code in
            let hub = try Hub.open(at: root + "/\(code)/hub", wallClock: wallClock)
            let stations = try FileManager.default.contentsOfDirectory(atPath: root + "/\(code)/stations").sorted().map {
                try Station.open(at: root + "/\(code)/stations/\($0)", wallClock: wallClock)
            }
            return County(root: root + "/\(code)", hub: hub, stations: stations)
        }
        return Province(hub: province, counties: counties, codes: codes)
    }
}

extension Province {
    /// For a failure message: the rows of `county` that differ between two hubs, the
    /// townships whose digests differ, and the first case the two place in different
    /// townships with every township write and delete each hub logged of it.
    func difference(_ a: Replica, _ b: Replica, county: String) throws -> String {
        func inCounty(_ r: Replica, _ row: [String: Value]?) throws -> Bool {
            guard let row else { return false }
            if case let .text(t)? = row["township"] { return t.hasPrefix(county) }
            if case let .text(h)? = row["household_id"], case let .text(t)? = try r.row(table: "household", rowID: h)?["township"] { return t.hasPrefix(county) }
            return false
        }
        var lines: [String] = []
        for table in ["household", "visit", "case_release", "case_transfer", "notice"] {
            for id in Set(try a.rowIDs(table: table, limit: nil)).union(try b.rowIDs(table: table, limit: nil)).sorted() {
                let (x, y) = (try a.row(table: table, rowID: id), try b.row(table: table, rowID: id))
                if x != y, try inCounty(a, x) || inCounty(b, y) { lines.append("\(table) \(id) differs") }
            }
        }
        for t in 101...103 where try a.digest(township: county + "\(t)") != b.digest(township: county + "\(t)") {
            lines.append("township \(county)\(t) differs")
        }
        for table in ["case_transfer", "visit", "case_release"] {
            for id in try a.rowIDs(table: table, limit: nil) {
                guard case let .text(h)? = try a.row(table: table, rowID: id)?["household_id"],
                      try a.township(ofCase: h) != b.township(ofCase: h) else { continue }
                lines.append("case \(h): \(try a.township(ofCase: h) ?? "-") vs \(try b.township(ofCase: h) ?? "-")")
                let sites = [hub.identity.site] + counties.flatMap { [$0.hub.identity.site] + $0.stations.map(\.identity.site) }
                for (label, r) in [("first", a), ("second", b)] {
                    var moves: [String] = []
                    for site in sites {
                        for change in try r.loggedChanges(origin: site, in: 1...max(1, try r.highestLogged(origin: site))).values
                        where change.rowID == h && (change.column == "township" || change.kind == .delete) {
                            moves.append("\(site.short)#\(change.sequence) \(change.kind == .delete ? "delete" : "\(change.value)")")
                        }
                    }
                    lines.append("\(label): " + moves.sorted().joined(separator: ", "))
                }
                return lines.joined(separator: "; ")
            }
        }
        return lines.prefix(20).joined(separator: "; ")
    }
}
