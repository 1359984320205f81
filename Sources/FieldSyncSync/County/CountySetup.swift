import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A hub and its stations in one folder, enrolled and joined: the starting point of the demo,
/// the sample county and the end-to-end tests. Each node is a real folder with its own
/// keys and SQLite replica; enrollment goes through real request and enrollment files.
public struct County: Sendable {
    public let root: String
    public let hub: Hub
    public var stations: [Station]

    /// One station to create: its name and 9-digit township code.
    public struct StationPlan: Sendable {
        public let name: String
        public let township: String
        public init(name: String, township: String) {
            self.name = name
            self.township = township
        }
    }

    /// Creates `root/hub`, `root/stations/<code>` for each plan, and enrolls every station
    /// through request and enrollment files in `root/enrollment/`.
    public static func create(at root: String, hubName: String, stations plans: [StationPlan], schema: Schema = CaseworkSchema.schema,
                              wallClock: @escaping WallClock = SystemWallClock.now,
                              stationClocks: [WallClock]? = nil, seed: UInt64? = nil) throws(SyncError) -> County {
        // With a seed, every identity (site ids, keys) and so every row id is reproducible.
        var seeded = seed.map { SeededGenerator(seed: $0) }
        func identity(_ name: String, _ role: ReplicaRole, _ township: String?) -> NodeIdentity? {
            guard seeded != nil else { return nil }
            return NodeIdentity.make(name: name, role: role, township: township, using: &seeded!)
        }
        let enrollmentDir = (root as NSString).appendingPathComponent("enrollment")
        try NodeFolder(enrollmentDir).create()
        // The county secret too, from a generator of its own so the identities stay as they were.
        var secret: [UInt8]?
        if let seed {
            var source = SeededGenerator(seed: seed &+ 0xC0_5EC7)
            secret = (0..<CountySecret.byteCount).map { _ in UInt8.random(in: 0...255, using: &source) }
        }
        let hub = try Hub.initialize(at: (root as NSString).appendingPathComponent("hub"), name: hubName, schema: schema,
                                     wallClock: wallClock, identity: identity(hubName, .hub, nil), countySecret: secret)
        var stations: [Station] = []
        for (i, plan) in plans.enumerated() {
            let request = (enrollmentDir as NSString).appendingPathComponent("\(plan.township)-request.json")
            let enrollment = (enrollmentDir as NSString).appendingPathComponent("\(plan.township)-enrollment.json")
            let station = try Station.initialize(at: (root as NSString).appendingPathComponent("stations/\(plan.township)"),
                                                 name: plan.name, township: plan.township, schema: schema, requestPath: request,
                                                 wallClock: stationClocks?[i] ?? wallClock,
                                                 identity: identity(plan.name, .station, plan.township))
            try hub.enroll(EnrollmentRequest.read(from: request), out: enrollment)
            try station.join(Enrollment.read(from: enrollment))
            stations.append(station)
        }
        return County(root: root, hub: hub, stations: stations)
    }

    /// Runs full rounds (every station exports, the hub merges all, writes return bundles,
    /// every station imports) until nothing is owed anywhere, at most `maxRounds`.
    /// Returns the number of rounds it took.
    @discardableResult
    public func syncUntilQuiet(stick: String, maxRounds: Int = 4) throws(SyncError) -> Int {
        for round in 1...maxRounds {
            let dir = (stick as NSString).appendingPathComponent("quiet-\(round)")
            try NodeFolder(dir + "/up").create()
            for station in stations { try station.export(to: dir + "/up/") }
            for merged in try hub.merge(paths: [dir + "/up"]) { _ = try merged.result.get() }
            try deliverReturnBundles(via: dir + "/down")
            if try isQuiet() { return round }
        }
        return maxRounds
    }

    /// Writes the hub's return bundles into `folder` and imports each at its station.
    @discardableResult
    public func deliverReturnBundles(via folder: String) throws(SyncError) -> [ImportResult] {
        var results: [ImportResult] = []
        for bundle in try hub.exportReturnBundles(to: folder) {
            guard let station = stations.first(where: { $0.identity.site == bundle.recipientSite }) else {
                preconditionFailure("the hub wrote a return bundle for a station outside this county")
            }
            results.append(try station.importBundle(at: bundle.path))
        }
        return results
    }

    /// True when no station owes the hub anything and the hub owes no station anything.
    public func isQuiet() throws(SyncError) -> Bool {
        for station in stations where try station.status().changesOwed > 0 { return false }
        return try hub.status().peers.allSatisfy { $0.changesPending == 0 }
    }
}
