extension String {
    /// Whether the text holds a control character (Unicode category Cc: U+0000–U+001F and
    /// U+007F–U+009F).
    ///
    /// Names and row ids that arrive in bundles and requests are shown to people: in
    /// refusal messages on a hub operator's terminal, in the hub's log, in a quarantine
    /// record. A line break there can forge a line of output, an escape sequence can erase
    /// or recolour what follows, and U+0000 ends text read back from SQLite as a C string.
    /// So no new name or row id holding one is accepted where it enters; text that may
    /// still hold one (a file name, a value, a name an earlier release stored) is shown
    /// through ``escapingControlCharacters``.
    public var holdsControlCharacter: Bool {
        // A String holds valid UTF-8, in which C0 controls and DEL are single bytes and C1
        // controls are 0xC2 followed by a continuation byte 0x80–0x9F.
        var afterC2 = false
        for byte in utf8 {
            if byte < 0x20 || byte == 0x7F || (afterC2 && byte <= 0x9F) { return true }
            afterC2 = byte == 0xC2
        }
        return false
    }

    /// The text with each control character written as its escape (`\u{1B}`), for showing
    /// text that came from outside (a file name on a stick, a name a bundle claims, a value)
    /// on a terminal or in a log line without letting it act there. Text without one is
    /// returned as it is.
    public var escapingControlCharacters: String {
        guard holdsControlCharacter else { return self }
        var shown = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar.properties.generalCategory == .control {
                shown.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                shown.append(scalar)
            }
        }
        return String(shown)
    }
}
