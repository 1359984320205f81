/// Which way a bundle travels.
public enum BundleKind: UInt8, Sendable, Hashable {
    /// A station's changes, carried to the hub.
    case stationToHub = 1
    /// A hub's return bundle: acknowledgements and changes for one station.
    case hubToStation = 2
}
