import FieldSyncDomain

/// One field of a casework form: its name is the column (or argument) the service checks,
/// so a refusal that names a field (``CaseworkError/field``) lands beside the right input.
public struct FormField: Sendable {
    public enum Kind: Sendable {
        case text, number, date, moment, textarea, checkbox, password
        case select([FormOption])
    }

    public let name: String
    public let zh: String
    public let en: String
    public let kind: Kind
    public let required: Bool
    public let hint: String?
    /// The value a new form starts with.
    public let initial: String?

    public init(_ name: String, _ zh: String, _ en: String, _ kind: Kind = .text, required: Bool = false,
                hint: String? = nil, initial: String? = nil) {
        self.name = name
        self.zh = zh
        self.en = en
        self.kind = kind
        self.required = required
        self.hint = hint
        self.initial = initial
    }

    /// A select of a code's values with their Chinese labels; `blank` adds a "not given" choice.
    public static func choice<C: CaseworkCode>(_ name: String, _ zh: String, _ en: String, _ code: C.Type,
                                               required: Bool = true, blank: String? = nil, initial: String? = nil) -> FormField {
        var options = C.allCases.map { FormOption(value: $0.rawValue, label: CodeLabels.label($0)) }
        if let blank { options.insert(FormOption(value: "", label: blank), at: 0) }
        return FormField(name, zh, en, .select(options), required: required, initial: initial)
    }
}

public struct FormOption: Sendable {
    public let value: String
    public let label: String
    public init(value: String, label: String) {
        self.value = value
        self.label = label
    }
}

/// A form as a page shows it: the fields with what was typed and, after a refusal, the
/// message beside its field (or above the form when it is about the case as a whole).
struct FormView {
    struct Field {
        let name: String
        let fieldID: String
        let zh: String
        let en: String
        let fieldValue: String
        let hint: String?
        let fieldError: String?
        let required: Bool
        let inputType: String
        let isInput: Bool
        let isSelect: Bool
        let isTextarea: Bool
        let isCheckbox: Bool
        let checked: Bool
        let options: [Option]
        let autofocus: Bool
    }
    struct Option {
        let optionValue: String
        let label: String
        let selected: Bool
    }

    let id: String
    let action: String
    let submit: String
    let csrf: String
    /// This rendering's key: posted once only (``WebSessions/claim(_:form:)``).
    let formKey: String
    let fields: [Field]
    let formError: String?

    /// `typed`: the refused submission (nil for a new form); `refusal`: why it was refused.
    init(id: String, action: String, submit: String, csrf: String, fields: [FormField], typed: FormBody?, refusal: String?,
         refusedField: String?) {
        self.id = id
        self.action = action
        self.submit = submit
        self.csrf = csrf
        formKey = WebSessions<Never>.formKey()
        let names = Set(fields.map(\.name))
        let placed = refusedField.map { names.contains($0) } ?? false
        self.formError = placed ? nil : refusal
        var focused = false
        self.fields = fields.map { f in
            let value = typed.map { $0[f.name] ?? "" } ?? (f.initial ?? "")
            let error = (placed && refusedField == f.name) ? refusal : nil
            let autofocus = error != nil && !focused
            if autofocus { focused = true }
            var inputType = "text", isInput = true, isSelect = false, isTextarea = false, isCheckbox = false
            var options: [Option] = []
            switch f.kind {
            case .text: break
            case .number: inputType = "text"
            case .date: inputType = "date"
            case .moment: inputType = "datetime-local"
            case .password: inputType = "password"
            case .textarea: isInput = false; isTextarea = true
            case .checkbox: isInput = false; isCheckbox = true
            case let .select(choices):
                isInput = false; isSelect = true
                options = choices.map { Option(optionValue: $0.value, label: $0.label, selected: $0.value == value) }
            }
            let checked = typed.map { $0.flag(f.name) } ?? (f.initial == "on")
            return Field(name: f.name, fieldID: "f-\(f.name)", zh: f.zh, en: f.en, fieldValue: f.kind.isPassword ? "" : value,
                         hint: f.hint, fieldError: error, required: f.required, inputType: inputType, isInput: isInput,
                         isSelect: isSelect, isTextarea: isTextarea, isCheckbox: isCheckbox, checked: checked,
                         options: options, autofocus: autofocus)
        }
    }
}

extension FormField.Kind {
    var isPassword: Bool { if case .password = self { true } else { false } }
}
