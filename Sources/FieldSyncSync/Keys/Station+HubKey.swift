import FieldSyncBundle
import FieldSyncCore
import FieldSyncStore
import Foundation
import Logging

extension Station {
    /// The hub as this station trusts it to have signed a return bundle with `key`: its
    /// current key, or a key the hub announced after it (the `hub_key` rows held, checked as
    /// one chain of signatures from the current key). Nil for any other key; a key the hub
    /// retired before the current one is refused with its own reason.
    func hub(_ hub: Peer, signingWith key: SigningPublicKey, file: String) throws(SyncError) -> Peer? {
        if key.rawRepresentation == hub.signingKey { return hub }
        let chain = try heldHubKeyChain(of: hub, file: file)
        guard let trusted = try? SigningPublicKey(rawRepresentation: hub.signingKey),
              let from = chain.position(of: trusted), let at = chain.position(of: key) else { return nil }
        guard at > from else { throw .hubKey(HubKeyError(file: file, hubName: hub.name, reason: "it is signed by key \(key.fingerprint), which the hub replaced by the key this station now trusts; the hub signs with the new key once it has merged a bundle of this station's written after the switch: export, carry it to the hub, and import the hub's next return bundle")) }
        return hub
    }

    /// Adds the hub key rule to a return bundle's import plan: after its changes, the
    /// announcements held must form one chain through the key this station trusts, and the
    /// station moves its trust (signing and agreement key) to the chain's last key, in the
    /// same transaction. A chain that does not hold refuses the whole bundle.
    func followingHubKeys(_ plan: ImportPlan, hub: Peer, file: String) -> ImportPlan {
        guard replica.schema.table(HubKeyAnnouncement.table) != nil else { return plan }
        var plan = plan
        let earlier = plan.inTransaction
        plan.inTransaction = { tx in
            try earlier?(&tx)
            let chain: HubKeyChain
            do { chain = try HubKeyChain.build(try tx.rows(table: HubKeyAnnouncement.table), hub: hub.site) } catch let fault as HubKeyChain.ChainFault {
                throw HubKeyError(file: file, hubName: hub.name, reason: fault.reason)
            }
            guard let last = chain.links.last else { return }
            let trusted = try SigningPublicKey(rawRepresentation: hub.signingKey)
            guard let from = chain.position(of: trusted) else {
                throw HubKeyError(file: file, hubName: hub.name, reason: "no announcement follows from the hub key this station trusts (\(trusted.fingerprint))")
            }
            guard from < chain.keys.count - 1 else { return }
            try tx.replacePeerKeys(of: hub.site, signingKey: last.signingKey.rawRepresentation, agreementKey: last.agreementKey.rawRepresentation)
            Self.hubKeyLogger.notice("hub key followed", metadata: ["hub": "\(hub.site)", "key": "\(last.signingKey.fingerprint)"])
        }
        return plan
    }

    /// The hub's announcements this station holds, as one chain.
    private func heldHubKeyChain(of hub: Peer, file: String) throws(SyncError) -> HubKeyChain {
        guard replica.schema.table(HubKeyAnnouncement.table) != nil else { return HubKeyChain(links: [], root: nil) }
        let rows = try SyncError.catching { try replica.rows(table: HubKeyAnnouncement.table) }
        do { return try HubKeyChain.build(rows, hub: hub.site) } catch {
            throw .hubKey(HubKeyError(file: file, hubName: hub.name, reason: error.reason))
        }
    }

    static let hubKeyLogger = Logger(label: "fieldsync.hub-key")
}
