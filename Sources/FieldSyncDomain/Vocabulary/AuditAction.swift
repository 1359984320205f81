/// What an audit event records (table `audit_event`, schema version 5): an act of trust or
/// of sync (who enrolled, revoked, imported, merged) or a county act on a case (resolved,
/// transferred, decided).
///
/// Open to more: a new act is a new case here, and needs no schema change (the column is
/// text). A replica that meets a code it does not know (written by a newer FieldSync) shows
/// it as it is rather than refusing it; only the hub's merge checks codes, and the hub is
/// upgraded first.
public enum AuditAction: String, CaseworkCode {
    /// The hub enrolled a station (or a county hub): subject the station's site.
    case enrolled
    /// The hub revoked a station's key: subject the station's site.
    case revoked
    /// The hub accepted a new key for a station (a replacement laptop): subject the station's site.
    case keyReplaced
    /// The hub announced a new key of its own: subject the hub's site.
    case keyRotated
    /// A replica imported a return bundle that brought changes: subject the bundle id.
    case imported
    /// The hub merged a bundle that brought changes: subject the bundle id.
    case merged
    /// A bundle was set aside for the operator (its signer was revoked): subject the bundle id.
    case quarantined
    /// The operator merged a quarantined bundle: subject the bundle id.
    case quarantineAccepted
    /// The operator discarded a quarantined bundle: subject the bundle id.
    case quarantineRejected
    /// The hub resolved a conflict: subject the conflict number.
    case resolved
    /// The county moved a case to another township: subject the household.
    case transferred
    /// An application was decided: subject the application.
    case decided
    /// The hub posted a notice to a station: subject the notice.
    case noticePosted
    /// A replica's file was upgraded to a newer case schema: subject the replica's site.
    case schemaUpgraded
}
