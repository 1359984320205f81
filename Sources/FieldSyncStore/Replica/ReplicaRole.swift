/// What a replica is for: a township station (edits cases offline) or the county hub
/// (merges every station and sends the merged state back).
public enum ReplicaRole: String, Sendable, Equatable, CaseIterable {
    case station, hub
}
