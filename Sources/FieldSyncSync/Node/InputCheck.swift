import FieldSyncBundle
import FieldSyncCore

/// Checks names and codes where they enter the program (command-line options, request,
/// enrollment and key files) against what a bundle can carry, so nothing accepted there
/// can later stop an export or crash the encoder. Errors name the field, never the value.
///
/// Names and codes are shown on other machines (bundle headers, requests, messages), so a new
/// one may hold no control character (``Swift/String/holdsControlCharacter``).
enum InputCheck {
    /// A name a bundle or a signed file carries: 1 to ``BundleFormat/maxNameLength`` bytes.
    /// `stored`: read back from a file the program wrote (a key file, a hub's enrollment
    /// file), whose name an earlier release may have taken with a control character;
    /// refusing it now would lock the node out, so it is kept and shown escaped.
    static func name(_ value: String, field: String, stored: Bool = false) throws(SyncError) {
        let size = value.utf8.count
        guard size <= BundleFormat.maxNameLength else { throw .inputTooLong(field: field, size: size, limit: BundleFormat.maxNameLength) }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw .inputEmpty(field: field) }
        guard stored || !value.holdsControlCharacter else { throw .inputHoldsControlCharacter(field: field) }
    }

    /// An optional code (a township): at most ``BundleFormat/maxNameLength`` bytes.
    static func code(_ value: String?, field: String, stored: Bool = false) throws(SyncError) {
        guard let value else { return }
        let size = value.utf8.count
        guard size <= BundleFormat.maxNameLength else { throw .inputTooLong(field: field, size: size, limit: BundleFormat.maxNameLength) }
        guard stored || !value.holdsControlCharacter else { throw .inputHoldsControlCharacter(field: field) }
    }
}
