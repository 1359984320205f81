import FieldSyncTestSupport
import Foundation
import XCTest

/// Bounded, checked input everywhere a value enters (issue 6 §4), through the command line
/// as a caseworker or hub operator meets it: names, ids and files over the format's limits,
/// bytes that are not UTF-8, what a stick holds, two commands on one folder, file modes,
/// and exports killed part way.
final class InputBoundsCommandLineTests: CLITestCase {
    // MARK: - Limits of the bundle format, checked where the value enters

    func testRowIDOver255BytesIsRefusedNamingTheFieldAndTheStationStillExports() throws {
        let (_, station) = try enrolledPair()
        let longID = String(repeating: "a", count: 300)
        // Row ids are generated for new rows; an id given by a person enters where a verb names a row.
        let result = try run(["station", "household", "edit", station, longID, "--village", "阳坡村"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("row id of household") && result.stderr.contains("255"), result.stderr)
        XCTAssertTrue(result.stderr.contains("过长"), "in Chinese too: \(result.stderr)")
        XCTAssertFalse(result.stderr.contains(longID), "the value is not repeated")
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        let export = try ok(["station", "export", station, "--out", folder.sub("stick") + "/"])
        XCTAssertTrue(export.stdout.contains("1 changes") || export.stdout.contains("changes"), export.stdout)
        for command in [["station", "delete", station, "household", longID], ["station", "show", station, "household", longID]] {
            let refused = try run(command)
            XCTAssertEqual(refused.status, 1, "\(command[1]): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("row id of household"), refused.stderr)
        }
    }

    func testSeventyThousandByteIDsAndNamesAreRefusedWithoutACrash() throws {
        let (hub, station) = try enrolledPair()
        let huge = String(repeating: "x", count: 70_000)
        let cases: [[String]] = [
            ["station", "household", "edit", station, huge, "--village", "阳坡村"],
            ["station", "delete", station, "household", huge],
            ["station", "show", station, "household", huge],
            ["station", "decide", station, huge, "--approve"],
            ["station", "member", "add", station, huge, "--name", "马明", "--id-number", "639900198003150014", "--relation", "head", "--labour-capacity", "partial"],
            ["station", "init", folder.sub("st2"), "--name", huge, "--township", "630106100", "--request", folder.sub("r2.json")],
            ["hub", "init", folder.sub("hub2"), "--name", huge],
        ]
        for arguments in cases {
            let result = try run(arguments)
            XCTAssertEqual(result.status, 1, "\(arguments.prefix(3).joined(separator: " ")) must fail with a message, not crash: \(result.stderr.prefix(300))")
            XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Backtrace"), String(result.stderr.prefix(300)))
            XCTAssertFalse(result.stderr.contains(huge), "the value is not repeated")
            XCTAssertTrue(result.stderr.contains("70000"), "the size is named: \(result.stderr.prefix(300))")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("st2")), "nothing created")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("hub2")))
        XCTAssertEqual(try ok(["station", "export", station, "--out", folder.sub("stick") + "/"]).status, 0)
        try ok(["hub", "merge", hub, folder.sub("stick")])
    }

    func testTooLongNameInAnEnrollmentRequestIsRefusedBeforeItsSignatureIsChecked() throws {
        let hub = folder.sub("hub")
        try ok(["hub", "init", hub, "--name", "湟中区民政局"])
        try ok(["station", "init", folder.sub("st"), "--name", "鲁沙尔镇社工站", "--township", "630106100", "--request", folder.sub("req.json")])
        let request = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.sub("req.json")))) as? [String: Any])
        for (field, value) in [("name", String(repeating: "名", count: 20_000)), ("name", String(repeating: "n", count: 256)),
                               ("township", String(repeating: "6", count: 60_000)), ("name", String(repeating: "名", count: 23_334))] {
            var forged = request
            forged[field] = value
            try JSONSerialization.data(withJSONObject: forged).write(to: URL(fileURLWithPath: folder.sub("forged.json")))
            let result = try run(["hub", "enroll", hub, folder.sub("forged.json"), "--out", folder.sub("enr.json")])
            XCTAssertEqual(result.status, 1, "\(field): \(result.stderr.prefix(300))")
            let fileSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: folder.sub("forged.json"))[.size] as? Int)
            if fileSize > InputFileLimit.bytes {
                XCTAssertTrue(result.stderr.contains("too large"), "a file over the cap is not parsed: \(result.stderr)")
            } else {
                XCTAssertTrue(result.stderr.contains("(\(field))") && result.stderr.contains("255"), result.stderr)
            }
            XCTAssertFalse(result.stderr.contains(value))
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.sub("enr.json")))
        // The hub name in an enrollment file, likewise, before the hub's signature.
        try ok(["hub", "enroll", hub, folder.sub("req.json"), "--out", folder.sub("enr.json")])
        var enrollment = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.sub("enr.json")))) as? [String: Any])
        enrollment["hubName"] = String(repeating: "h", count: 60_000)
        try JSONSerialization.data(withJSONObject: enrollment).write(to: URL(fileURLWithPath: folder.sub("enr-long.json")))
        let join = try run(["station", "join", folder.sub("st"), folder.sub("enr-long.json")])
        XCTAssertEqual(join.status, 1, String(join.stderr.prefix(300)))
        XCTAssertTrue(join.stderr.contains("(hubName)") && join.stderr.contains("60000"), String(join.stderr.prefix(300)))
        XCTAssertEqual(join.stderr.split(separator: "\n").count, 1)
    }

    func testRequestEnrollmentAndKeyFilesAreReadWithASizeCapAndMustBeRegularFiles() throws {
        let (hub, station) = try enrolledPair()
        let big = folder.sub("big.json")
        try Data(repeating: 0x20, count: 200_000).write(to: URL(fileURLWithPath: big))
        let enroll = try run(["hub", "enroll", hub, big, "--out", folder.sub("e.json")])
        XCTAssertEqual(enroll.status, 1)
        XCTAssertTrue(enroll.stderr.contains("too large"), enroll.stderr)
        let join = try run(["station", "join", station, big])
        XCTAssertEqual(join.status, 1)
        XCTAssertTrue(join.stderr.contains("too large"), join.stderr)
        let inspect = try run(["bundle", "inspect", big, "--key", big])
        XCTAssertEqual(inspect.status, 1)
        let dir = folder.sub("a-folder.json")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let folderRequest = try run(["hub", "enroll", hub, dir, "--out", folder.sub("e.json")])
        XCTAssertEqual(folderRequest.status, 1)
        XCTAssertTrue(folderRequest.stderr.contains("is a folder"), folderRequest.stderr)
        let pipe = folder.sub("pipe.json")
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        let pipeJoin = try run(["station", "join", station, pipe])
        XCTAssertEqual(pipeJoin.status, 1)
        XCTAssertTrue(pipeJoin.stderr.contains("is a pipe"), pipeJoin.stderr)
    }

    // MARK: - Bytes that are not UTF-8

    func testArgumentThatIsNotUTF8IsRefusedNamingItsPositionAndOption() throws {
        let station = folder.sub("st")
        // The shell passes the raw byte 0xFF; Foundation's Process could not.
        let result = try runShell(#""$0" station init "$1" --name "$(printf 'ab\377')" --township 630106100 --request "$2""#,
                                  [Self.binary.path, station, folder.sub("req.json")])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("argument 5") && result.stderr.contains("--name"), result.stderr)
        XCTAssertTrue(result.stderr.contains("UTF-8") && result.stderr.contains("第 5 个参数"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: station), "nothing was created")
        let joined = try runShell(#""$0" hub init "$1" "--name=$(printf '\300\200')""#, [Self.binary.path, folder.sub("hub")])
        XCTAssertEqual(joined.status, 1)
        XCTAssertTrue(joined.stderr.contains("argument 4") && joined.stderr.contains("--name"), joined.stderr)
        let (_, st) = try enrolledPair()
        let record = try runShell(#""$0" station record "$1" household "village=$(printf '\351\230')""#, [Self.binary.path, st])
        XCTAssertEqual(record.status, 1)
        XCTAssertTrue(record.stderr.contains("argument 5"), record.stderr)
        XCTAssertEqual(try json(ok(["station", "status", st, "--json"]).stdout)["changesOwed"] as? Int, 0)
    }

    // MARK: - What a stick holds

    func testBundleFilesOnAStickAreFoundWhateverTheCaseOfFSBAndOddEntriesAreSkippedWithANote() throws {
        let (hub, station) = try enrolledPair()
        let stick = folder.sub("stick")
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        try ok(["station", "export", station, "--out", stick + "/"])
        let written = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: stick).first)
        let upper = (written as NSString).deletingPathExtension + ".FSB"
        try FileManager.default.moveItem(atPath: stick + "/" + written, toPath: stick + "/" + upper)
        try FileManager.default.createDirectory(atPath: stick + "/folder.fsb", withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(stick + "/pipe.fsb", 0o600), 0)
        try Data("partial".utf8).write(to: URL(fileURLWithPath: stick + "/.\(written).0123456789ab.partial"))
        try Data("temp".utf8).write(to: URL(fileURLWithPath: stick + "/.hidden.fsb"))
        try FileManager.default.createSymbolicLink(atPath: stick + "/zz-link.fsb", withDestinationPath: stick + "/" + upper)
        let merge = try run(["hub", "merge", hub, stick])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertTrue(merge.stdout.contains(upper) && merge.stdout.contains("1 applied"), merge.stdout)
        XCTAssertTrue(merge.stdout.contains("zz-link.fsb") && merge.stdout.contains("already imported"), merge.stdout)
        XCTAssertTrue(merge.stderr.contains("skipped") && merge.stderr.contains("folder.fsb") && merge.stderr.contains("a folder"), merge.stderr)
        XCTAssertTrue(merge.stderr.contains("pipe.fsb") && merge.stderr.contains("a pipe"), merge.stderr)
        XCTAssertFalse(merge.stderr.contains(".hidden") || merge.stdout.contains("partial"))
    }

    /// A stick may hold files named anything: what `hub merge` prints of their names (merged,
    /// refused, skipped) carries no escape sequence or bell to the operator's terminal.
    func testFileNamesOnAStickReachTheTerminalWithTheirControlCharactersEscaped() throws {
        let (hub, station) = try enrolledPair()
        let stick = folder.sub("stick")
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        try ok(["station", "export", station, "--out", stick + "/"])
        let written = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: stick).first)
        try FileManager.default.moveItem(atPath: stick + "/" + written, toPath: stick + "/a\u{1B}[2K\n1 applied.fsb")
        try Data("not a bundle".utf8).write(to: URL(fileURLWithPath: stick + "/b\u{1B}]0;title\u{7}.fsb"))
        try FileManager.default.createDirectory(atPath: stick + "/c\u{1B}[31m.fsb", withIntermediateDirectories: false)
        let merge = try run(["hub", "merge", hub, stick])
        XCTAssertNotEqual(merge.status, 0, "one file is refused")
        for output in [merge.stdout, merge.fullStderr] {
            XCTAssertFalse(output.contains("\u{1B}") || output.contains("\u{7}"), output)
        }
        XCTAssertTrue(merge.stdout.contains("a\\u{1B}[2K\\u{A}1 applied.fsb"), merge.stdout)
        XCTAssertTrue(merge.stderr.contains("b\\u{1B}]0;title\\u{7}.fsb"), merge.stderr)
        XCTAssertTrue(merge.stderr.contains("c\\u{1B}[31m.fsb"), merge.stderr)
    }

    func testAPipeOrFolderGivenAsABundleIsRefusedWithoutWaiting() throws {
        let (hub, station) = try enrolledPair()
        let pipe = folder.sub("pipe.fsb")
        XCTAssertEqual(mkfifo(pipe, 0o600), 0)
        let imported = try run(["station", "import", station, pipe])
        XCTAssertEqual(imported.status, 1)
        XCTAssertTrue(imported.stderr.contains("not a regular file (a pipe)"), imported.stderr)
        let merged = try run(["hub", "merge", hub, pipe])
        XCTAssertEqual(merged.status, 1)
        XCTAssertTrue(merged.stderr.contains("is a pipe"), merged.stderr)
        let verified = try run(["bundle", "verify", pipe])
        XCTAssertEqual(verified.status, 1)
        XCTAssertTrue(verified.stderr.contains("a pipe"), verified.stderr)
        let dir = folder.sub("dir.fsb")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let folderImport = try run(["station", "import", station, dir])
        XCTAssertEqual(folderImport.status, 1)
        XCTAssertTrue(folderImport.stderr.contains("a folder"), folderImport.stderr)
    }

    // MARK: - Two commands on one folder

    func testRecordWaitsWhileAnotherProcessWritesTheReplicaAndIsKept() throws {
        let (_, station) = try enrolledPair()
        let holder = try holdWriteLock(on: station + "/replica.sqlite", seconds: 1.5)
        let result = try run(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"], environment: ["FIELDSYNC_BUSY_TIMEOUT": "20"])
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationStatus, 0)
        XCTAssertEqual(result.status, 0, result.stderr)
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(try ok(["station", "show", station, "household", id]).stdout.contains("阳坡村"), "the write was kept")
    }

    func testCommandOnAFolderInUseSaysSoInBothLanguagesAndWritesNothing() throws {
        let (_, station) = try enrolledPair()
        let holder = try holdWriteLock(on: station + "/replica.sqlite", seconds: 4)
        let result = try run(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"], environment: ["FIELDSYNC_BUSY_TIMEOUT": "0.3"])
        holder.waitUntilExit()
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("in use by another FieldSync command") && result.stderr.contains("另一个 FieldSync 命令"), result.stderr)
        XCTAssertFalse(result.stderr.contains("database is locked"), result.stderr)
        XCTAssertEqual(try json(ok(["station", "status", station, "--json"]).stdout)["changesOwed"] as? Int, 0)
    }

    func testTwoMergesOnOneHubAtOnceBothSucceedOneAfterTheOther() throws {
        let (hub, station) = try enrolledPair()
        for stick in ["stick-a", "stick-b"] {
            for _ in 0..<20 { try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"]) }
            try ok(["station", "export", station, "--out", folder.sub(stick) + "/"])
        }
        let merges = try ["stick-a", "stick-b"].map { stick -> (Process, Pipe) in
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["hub", "merge", hub, folder.sub(stick)]
            process.environment = Self.childEnvironment
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return (process, err)
        }
        for (process, err) in merges {
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, message)
            XCTAssertFalse(message.contains("database is locked"), message)
        }
        XCTAssertEqual(try ok(["digest", hub]).stdout, try ok(["digest", station]).stdout, "both merges were kept")
    }

    // MARK: - Messages that say what the file is

    func testStationImportingItsOwnExportIsToldToCarryItToTheHub() throws {
        let (_, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        let path = try XCTUnwrap(json(ok(["station", "export", station, "--out", folder.sub("up") + "/", "--json"]).stdout)["file"] as? String)
        let result = try run(["station", "import", station, path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("own export") && result.stderr.contains("hub"), result.stderr)
        XCTAssertTrue(result.stderr.contains("本站自己导出"), result.stderr)
        XCTAssertFalse(result.stderr.contains("has not enrolled"), result.stderr)
    }

    func testReturnBundleGivenToTheHubIsToldToGoToItsStation() throws {
        let (hub, _) = try enrolledPair()
        try ok(["hub", "export", hub, "--out-dir", folder.sub("down")])
        let result = try run(["hub", "merge", hub, folder.sub("down")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("return bundle this hub wrote") && result.stderr.contains("station import"), result.stderr)
    }

    func testBundlesOfOtherStationsAreNamedForWhatTheyAre() throws {
        let (hub, station) = try enrolledPair()
        let other = folder.sub("other")
        try ok(["station", "init", other, "--name", "田家寨镇社工站", "--township", "630106101", "--request", folder.sub("req2.json")])
        try ok(["hub", "enroll", hub, folder.sub("req2.json"), "--out", folder.sub("enr2.json")])
        try ok(["station", "join", other, folder.sub("enr2.json")])
        try ok(["station", "household", "add", other, "--township", "630106101", "--hukou", "rural", "--village", "阳坡村"])
        let otherExport = try XCTUnwrap(json(ok(["station", "export", other, "--out", folder.sub("up") + "/", "--json"]).stdout)["file"] as? String)
        let wrongStation = try run(["station", "import", station, otherExport])
        XCTAssertEqual(wrongStation.status, 1)
        XCTAssertTrue(wrongStation.stderr.contains("an export of station 田家寨镇社工站") && wrongStation.stderr.contains("carry it to the hub"), wrongStation.stderr)
        XCTAssertFalse(wrongStation.stderr.contains("has not enrolled"), wrongStation.stderr)
        // The hub's return bundle for the other station, given to this one.
        let results = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok(["hub", "export", hub, "--out-dir", folder.sub("down"), "--json"]).stdout.utf8)) as? [[String: Any]])
        let forOther = try XCTUnwrap(results.compactMap { $0["file"] as? String }.first { $0.contains("630106101") })
        let misdelivered = try run(["station", "import", station, forOther])
        XCTAssertEqual(misdelivered.status, 1)
        XCTAssertTrue(misdelivered.stderr.contains("addressed to another station"), misdelivered.stderr)
    }

    // MARK: - Files private to their owner

    func testReplicaIdentityAndBundlesAreOwnerOnlyFromCreation() throws {
        let (hub, station) = try enrolledPair()
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        let path = try XCTUnwrap(json(ok(["station", "export", station, "--out", folder.sub("up") + "/", "--json"]).stdout)["file"] as? String)
        for dir in [hub, station] {
            XCTAssertEqual(try mode(dir + "/replica.sqlite"), 0o600, dir)
            XCTAssertEqual(try mode(dir + "/identity.json"), 0o600, dir)
            for side in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: dir + "/replica.sqlite" + side) {
                XCTAssertEqual(try mode(dir + "/replica.sqlite" + side), 0o600, side)
            }
        }
        XCTAssertEqual(try mode(path), 0o600, "bundles are encrypted, and still not for every local user")
        // A replica made world-readable by an older FieldSync is made private when opened.
        XCTAssertEqual(chmod(station + "/replica.sqlite", 0o644), 0)
        try ok(["station", "status", station])
        XCTAssertEqual(try mode(station + "/replica.sqlite"), 0o600)
    }

    // MARK: - Exports killed part way

    func testExportKilledPartWayLeavesNoPartialFilesAndDoesNotBurnItsNumber() throws {
        let (_, station) = try enrolledPair()
        let stick = folder.sub("stick")
        try ok(["station", "household", "add", station, "--township", "630106100", "--hukou", "rural", "--village", "阳坡村"])
        let first = try XCTUnwrap(json(ok(["station", "export", station, "--out", stick + "/", "--json"]).stdout)["file"] as? String)
        XCTAssertTrue(first.contains("-to-hub-0001-"), first)
        // A crash while writing bundle 2: its hidden partial files stay behind, and an older
        // FieldSync had already counted the number.
        let name2 = (first as NSString).lastPathComponent.replacingOccurrences(of: "-0001-", with: "-0002-")
        for partial in [".\(name2).0123456789ab.partial", ".\(name2).0123456789ab.body.partial"] {
            try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: stick + "/" + partial))
        }
        try sqlite(station + "/replica.sqlite", "UPDATE fs_replica SET export_counter = export_counter + 1")
        // And an export that failed before writing (its folder cannot be made).
        try Data("a file".utf8).write(to: URL(fileURLWithPath: folder.sub("not-a-folder")))
        XCTAssertEqual(try run(["station", "export", station, "--out", folder.sub("not-a-folder") + "/x/"]).status, 1)
        let second = try XCTUnwrap(json(ok(["station", "export", station, "--out", stick + "/", "--json"]).stdout)["file"] as? String)
        XCTAssertTrue(second.contains("-to-hub-0002-"), "the number no bundle was written under is used: \(second)")
        let left = try FileManager.default.contentsOfDirectory(atPath: stick).sorted()
        XCTAssertEqual(left, [(first as NSString).lastPathComponent, (second as NSString).lastPathComponent], "partial files removed")
        let third = try XCTUnwrap(json(ok(["station", "export", station, "--out", stick + "/", "--json"]).stdout)["file"] as? String)
        XCTAssertTrue(third.contains("-to-hub-0003-"), third)
    }

    // MARK: - Helpers

    enum InputFileLimit { static let bytes = 64 * 1024 }

    func run(_ arguments: [String], environment: [String: String]) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = Self.childEnvironment.merging(environment) { $1 }
        return try collect(process)
    }

    /// Runs `/bin/sh -c script` with `arguments` as `$0`, `$1`, …: the shell can pass bytes
    /// that are not UTF-8.
    func runShell(_ script: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script] + arguments
        return try collect(process)
    }

    /// Another process (Python's sqlite3) that holds a write transaction on `path` for
    /// `seconds`; returns once the lock is taken.
    func holdWriteLock(on path: String, seconds: Double) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(float(sys.argv[2]))
            c.execute("COMMIT")
            """, path, String(seconds)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = out.fileHandleForReading.availableData
        XCTAssertEqual(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "locked")
        return process
    }

    func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", path, sql]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func mode(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return Int(st.st_mode & 0o777)
    }
}
