import FieldSyncCore
import FieldSyncDomain

/// What an act to be recorded says: the act, the township it concerns, what it concerns
/// and how it came out. ``AuditLog`` adds who and when. Never a personal value: `subject`
/// is a row id, a site or a bundle id, and `detail` holds codes and counts.
public struct AuditEntry: Sendable, Equatable {
    public var action: AuditAction
    /// The township concerned (its station receives the event), a county code, or
    /// ``CaseworkScope/countyWide`` for every replica.
    public var township: String
    public var subject: String?
    /// Codes and counts, e.g. `from=… applied=12 conflicts=1`.
    public var detail: String?
    /// The operator who acted (`--by`), when not the node itself.
    public var actor: String?

    public init(_ action: AuditAction, township: String, subject: String? = nil, detail: String? = nil, actor: String? = nil) {
        self.action = action
        self.township = township
        self.subject = subject
        self.detail = detail
        self.actor = actor
    }
}

/// One recorded event, as `fieldsync audit` lists it.
public struct AuditEvent: Sendable, Equatable {
    public let id: String
    public let township: String
    /// The writer's wall clock, Unix milliseconds.
    public let atMillis: UInt64
    public let actorSite: String
    /// Who acted: for an event of a station (this station's own, or one the hub has
    /// enrolled), the station's name as this replica knows it, whatever the event says
    /// (L2: a station's stored `actor_name` is shown only where it matches); for a hub's
    /// act, the name it recorded (the hub, or the operator named with `--by`).
    public internal(set) var actorName: String
    /// The action code as written: a newer FieldSync may write one this one does not know.
    public let action: String
    public let subject: String?
    public let detail: String?

    /// The event of an `audit_event` row, nil when the row lacks what every event has.
    init?(_ row: [String: Value]) {
        guard case let .text(id)? = row["id"], case let .text(township)? = row["township"],
              case let .integer(at)? = row["at"], at >= 0, case let .text(site)? = row["actor_site"],
              case let .text(action)? = row["action"] else { return nil }
        func text(_ column: String) -> String? { if case let .text(s)? = row[column] { s } else { nil } }
        self.id = id
        self.township = township
        atMillis = UInt64(at)
        actorSite = site
        actorName = text("actor_name") ?? ""
        self.action = action
        subject = text("subject")
        detail = text("detail")
    }

    /// The action, when this FieldSync knows its code.
    public var knownAction: AuditAction? { AuditAction(rawValue: action) }
}
