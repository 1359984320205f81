import FieldSyncBundle
import FieldSyncCore

/// Fuzz target `bundle`: the whole reading sequence a hub or station runs on a bundle
/// file — open (B1–B4), verify (B5–B15), open for the recipient (B20–B22) with its first
/// pass over every frame (B16–B19, B23, B24), then delivery, by frame and by row — on a
/// file that ``BundleAssembler`` built from the fuzz bytes behind a valid signature.
///
/// Besides never trapping, the reader must keep three promises that the
/// harness checks on every input it accepts: it delivers exactly as many records as the
/// header declares (B24, B25), and the row-batched delivery that merges use hands out the
/// same records in the same order as the frame batches, none of them larger than two
/// frames' worth (memory bounded by the frame, not by the bundle).
public enum BundleHarness {
    public static func run(_ bytes: [UInt8]) -> FuzzOutcome {
        let path = ScratchFolder.shared.write(BundleAssembler.assemble(bytes), as: "input.fsb")
        do {
            let verified = try UnverifiedBundle.open(path: path).verify()
            let readable = try verified.open(as: FuzzKeys.recipientSite, key: FuzzKeys.recipientAgreement)
            let byFrame = try Delivery(readable.forEachBatch)
            let byRow = try Delivery(readable.forEachRowBatch)
            invariant(byFrame.records == readable.header.totalChanges,
                      "delivered \(byFrame.records) records, the header declares \(readable.header.totalChanges)")
            invariant(byRow == byFrame, "row batches deliver other records than frame batches")
            invariant(byRow.largestBatch <= 2 * BundleFormat.maxRecordsPerFrame,
                      "a row batch of \(byRow.largestBatch) records: memory grows with the bundle, not the frame")
            return .accepted("\(byFrame.records) records in \(readable.header.frameCount) frames")
        } catch let error as BundleError {
            return .refused(code: error.code)
        } catch {
            // forEachBatch is declared `throws`; nothing but BundleError reaches here today.
            return .refused(code: "\(type(of: error))")
        }
    }

    /// What one delivery pass handed out: how many records, and a fingerprint of them in
    /// order, so two passes compare without holding the records.
    private struct Delivery: Equatable {
        var records = 0
        var largestBatch = 0
        var fingerprint = Hasher()

        init(_ pass: (([Change]) throws -> Void) throws -> Void) throws {
            try pass { batch in
                invariant(!batch.isEmpty, "an empty batch was delivered")
                records += batch.count
                largestBatch = max(largestBatch, batch.count)
                for change in batch { fingerprint.combine(change) }
            }
        }

        static func == (a: Delivery, b: Delivery) -> Bool {
            a.records == b.records && a.fingerprint.finalize() == b.fingerprint.finalize()
        }
    }
}
