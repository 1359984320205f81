import FieldSyncBundle
import FieldSyncCore

/// Checks names and codes where they enter the program (command-line options, request,
/// enrollment and key files) against what a bundle can carry, so nothing accepted there
/// can later stop an export or crash the encoder. Errors name the field, never the value.
enum InputCheck {
    /// A name a bundle or a signed file carries: 1 to ``BundleFormat/maxNameLength`` bytes.
    static func name(_ value: String, field: String) throws(SyncError) {
        let size = value.utf8.count
        guard size <= BundleFormat.maxNameLength else { throw .inputTooLong(field: field, size: size, limit: BundleFormat.maxNameLength) }
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty else { throw .inputEmpty(field: field) }
    }

    /// An optional code (a township): at most ``BundleFormat/maxNameLength`` bytes.
    static func code(_ value: String?, field: String) throws(SyncError) {
        guard let size = value?.utf8.count else { return }
        guard size <= BundleFormat.maxNameLength else { throw .inputTooLong(field: field, size: size, limit: BundleFormat.maxNameLength) }
    }
}
