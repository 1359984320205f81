import FieldSyncStore

extension County {
    /// True when every station's replica equals the hub's replica of the station's township
    /// (its cases, the notices addressed to it and the county-wide rows). Each station holds
    /// only its own township's cases, so stations differ from one another and from the hub's
    /// whole replica: this, not one digest for all, is what convergence means (P1).
    public func stationsMatchTheHub() throws(StoreError) -> Bool {
        for station in stations {
            guard let township = station.identity.township,
                  try station.replica.digest() == (try hub.replica.digest(township: township)) else { return false }
        }
        return true
    }
}
