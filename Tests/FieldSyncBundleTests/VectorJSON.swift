@testable import FieldSyncBundle
import FieldSyncCore
import Foundation

/// The JSON spelling of records, vectors and keys used by `Protocol/vectors/`.
///
/// 64-bit numbers are decimal strings (JSON numbers lose precision past 2^53), reals are
/// their IEEE-754 bits in hex, and text carries its exact UTF-8 bytes in hex next to a
/// readable copy: the hex is authoritative, so no JSON tool can normalise it away.
enum VectorJSON {
    typealias Object = [String: Any]

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func value(_ v: Value) -> Object {
        switch v {
        case .null: ["type": "null"]
        case let .integer(i): ["type": "integer", "value": String(i)]
        case let .real(d): ["type": "real", "bits": Hex.encode(bytes(d.bitPattern))]
        case let .text(s): ["type": "text", "utf8": Hex.encode(Array(s.utf8)), "text": s]
        case let .blob(b): ["type": "blob", "hex": Hex.encode(b)]
        }
    }

    static func value(from o: Object) throws -> Value {
        switch o["type"] as? String {
        case "null": return .null
        case "integer": return .integer(try parse(Int64.self, o["value"]))
        case "real": return .real(Double(bitPattern: try u64(fromHex: o["bits"])))
        case "text":
            guard let s = String(validating: try hex(o["utf8"]), as: UTF8.self) else { throw Failure("text utf8 is not UTF-8") }
            return .text(s)
        case "blob": return .blob(try hex(o["hex"]))
        default: throw Failure("unknown value type \(String(describing: o["type"]))")
        }
    }

    static func change(_ c: Change) -> Object {
        var o: Object = [
            "table": c.table, "rowID": c.rowID, "kind": c.kind == .set ? "set" : "delete", "column": c.column,
            "value": value(c.value), "stamp": String(c.stamp.rawValue), "origin": c.origin.hex, "sequence": String(c.sequence),
        ]
        o["base"] = c.base.map { ["stamp": String($0.stamp.rawValue), "site": $0.site.hex] } ?? NSNull()
        return o
    }

    static func change(from o: Object) throws -> Change {
        guard let table = o["table"] as? String, let rowID = o["rowID"] as? String, let column = o["column"] as? String,
              let kindName = o["kind"] as? String, let valueObject = o["value"] as? Object
        else { throw Failure("record fields missing") }
        var base: CellVersion?
        if let b = o["base"] as? Object {
            base = CellVersion(stamp: HybridTimestamp(rawValue: try parse(UInt64.self, b["stamp"])), site: try site(b["site"]))
        }
        return Change(table: table, rowID: rowID, kind: kindName == "set" ? .set : .delete, column: column,
                      value: try value(from: valueObject), stamp: HybridTimestamp(rawValue: try parse(UInt64.self, o["stamp"])),
                      origin: try site(o["origin"]), sequence: try parse(UInt64.self, o["sequence"]), base: base)
    }

    static func vector(_ v: VersionVector) -> [Object] {
        v.sorted.map { ["site": $0.site.hex, "sequence": String($0.sequence)] }
    }

    static func vector(from a: Any?) throws -> VersionVector {
        guard let entries = a as? [Object] else { throw Failure("vector missing") }
        var v = VersionVector()
        for e in entries { v[try site(e["site"])] = try parse(UInt64.self, e["sequence"]) }
        return v
    }

    static func hex(_ a: Any?) throws -> [UInt8] {
        guard let s = a as? String, let b = Hex.decode(s) else { throw Failure("bad hex \(String(describing: a))") }
        return b
    }

    static func site(_ a: Any?) throws -> SiteID {
        guard let s = SiteID(bytes: try hex(a)) else { throw Failure("bad site") }
        return s
    }

    static func parse<T: FixedWidthInteger>(_: T.Type, _ a: Any?) throws -> T {
        guard let s = a as? String, let v = T(s) else { throw Failure("bad integer \(String(describing: a))") }
        return v
    }

    static func u64(fromHex a: Any?) throws -> UInt64 {
        let b = try hex(a)
        guard b.count == 8 else { throw Failure("bits must be 8 bytes") }
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func bytes(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    static func write(_ object: Any, to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try (data + Data("\n".utf8)).write(to: url)
    }

    static func read(_ url: URL) throws -> Object {
        guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? Object else { throw Failure("not an object") }
        return o
    }
}
