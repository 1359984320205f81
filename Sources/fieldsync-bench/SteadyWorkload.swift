import FieldSyncCore
import FieldSyncDomain
import FieldSyncStore
import Foundation

/// A hub's steady state (issue 10's second workload): single-cell edits, spread at random
/// over the rows of a ``Workload`` the hub already holds, from 15 stations, in the order
/// they were made (stamp order, the 15 origins interleaved). Each edit of a reviewed column
/// names the version it replaced (its `base`), so sequential edits are not conflicts; 1% of
/// the edits are concurrent: another station's edit of the reviewed cell the edit before
/// it changed, made on the value that edit replaced, with a different value, so the merge
/// records a conflict for each.
struct SteadyWorkload {
    static let stations = 15
    let base: Workload
    let edits: [Change]
    let origins: [SiteID]
    /// How many edits were made concurrently with the edit before them (each a conflict).
    let concurrentEdits: Int

    init(base: Workload, edits n: Int, seed: UInt64 = 10) {
        let columns = base.columns
        let width = columns.count
        precondition(base.changes.count == base.rows * width, "the base workload must be whole rows")
        // A household's township is not edited: moving a case is a transfer, not a day's edit.
        let editable = columns.indices.filter { columns[$0].name != "township" }
        let reviewed = columns.indices.filter { columns[$0].policy == .reviewed }
        precondition(!reviewed.isEmpty, "the workload's columns must include a reviewed one")
        let origins = (1...Self.stations).map { SiteID(bytes: Array(repeating: UInt8(0x20 + $0), count: 16))! }
        // The version each cell holds after the edits so far: cell = row × width + column.
        var versions = base.changes.map(\.version)
        var sequences = Array(repeating: UInt64(0), count: origins.count)
        var random = SeededGenerator(seed: seed)
        var out: [Change] = []
        out.reserveCapacity(n)
        var lastReviewedEdit: (cell: Int, replaced: CellVersion, value: Value)?
        var concurrent = 0
        for i in 0..<n {
            let station = i % origins.count
            sequences[station] += 1
            // After the base workload's stamps (a minute later), within the hub's clock bound.
            let stamp = HybridTimestamp(millis: Workload.baseMillis + 60_000 + UInt64(i / 1_000), counter: UInt16(i % 1_000))
            let cell: Int
            let editBase: CellVersion?
            var value: Value
            if i % 100 == 99, let previous = lastReviewedEdit {
                cell = previous.cell
                editBase = previous.replaced
                let column = columns[cell % width]
                var variant = cell / width + i + 1
                repeat {
                    value = Workload.value(for: column, row: variant)
                    variant += 1
                } while value == previous.value
                concurrent += 1
            } else {
                let column = i % 100 == 98 ? reviewed.randomElement(using: &random)! : editable.randomElement(using: &random)!
                cell = Int.random(in: 0..<base.rows, using: &random) * width + column
                editBase = columns[column].policy == .reviewed ? versions[cell] : nil
                value = Workload.value(for: columns[column], row: cell / width + i + 1)
                if i % 100 == 98 { lastReviewedEdit = (cell, versions[cell], value) }
            }
            out.append(.set("household", Workload.rowID(cell / width), columns[cell % width].name, value,
                            stamp: stamp, origin: origins[station], sequence: sequences[station], base: editBase))
            versions[cell] = CellVersion(stamp: stamp, site: origins[station])
        }
        self.base = base
        self.edits = out
        self.origins = origins
        concurrentEdits = concurrent
    }

    func batches(of size: Int) -> [[Change]] {
        stride(from: 0, to: edits.count, by: size).map { Array(edits[$0..<min($0 + size, edits.count)]) }
    }

    /// The edits come from 15 stations in one import, each change still checked as a
    /// station's change against the casework authority.
    static let anyStationGuard = MergeGuard(onlyOrigin: nil, authority: CaseworkAuthority(), writer: .station)
}
