@testable import FieldSyncSync
@testable import FieldSyncWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import XCTest

/// The desk as `station ui` serves it (the application with its services, on a port): it keeps
/// serving whether or not its keys are sealed, and with sealed keys its idle lock runs beside
/// it. (The test client names the host `localhost` without the port, which the desk refuses
/// with 403, as it would any other host name: an answer is what shows the desk still serves.)
final class DeskLifetimeTests: WebTestCase {
    func testADeskWhoseKeysAreNotSealedKeepsServing() async throws {
        let workbench = try StationWorkbench(folder: stationFolder, lockAfter: 0.2)
        try await workbench.application(listen: WebListen(host: "127.0.0.1", port: 0)) { _ in }.test(.live) { client in
            for _ in 0..<3 {
                let answer = try await client.execute(uri: "/today", method: .get)
                XCTAssertEqual(answer.status, .forbidden, "answered: still serving")
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        try await workbench.shutdown()
    }

    func testADeskWithSealedKeysLocksAnIdleSessionWithNoRequestAndKeepsServing() async throws {
        let passphrase = try Passphrase("青海湖边的社工站2026", source: "test")
        try NodeFolder(stationFolder).protectIdentity(with: passphrase)
        let workbench = try StationWorkbench(folder: stationFolder, lockAfter: 0.3)
        let opened = try Station.open(at: stationFolder, passphrase: passphrase)
        try await workbench.application(listen: WebListen(host: "127.0.0.1", port: 0)) { _ in }.test(.live) { client in
            let session = workbench.sessions.lookup(cookie: nil)
            workbench.sessions.unlock(session.id, with: opened)
            XCTAssertEqual(workbench.sessions.unlockedCount, 1)
            for _ in 0..<40 where workbench.sessions.unlockedCount > 0 { try await Task.sleep(for: .milliseconds(50)) }
            XCTAssertEqual(workbench.sessions.unlockedCount, 0, "locked by the desk's timer, no page asked for")
            let answer = try await client.execute(uri: "/today", method: .get)
            XCTAssertEqual(answer.status, .forbidden, "answered: still serving")
        }
        try await workbench.shutdown()
    }
}
