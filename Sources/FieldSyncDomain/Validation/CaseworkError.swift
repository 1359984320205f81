import FieldSyncStore

/// Why the casework service refused an input or an action.
///
/// Every message names the field (a column name such as `id_number`) or the rule, says
/// what to do, and reads in Chinese then English, because station staff read Chinese and
/// the county's IT support may not. No message ever repeats a field value: values are
/// personal data (ID numbers, incomes, names) and errors end up in logs and screenshots.
/// Row ids are not personal (they are `<site>-<counter>`) and may be named.
public enum CaseworkError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Input
    /// A required field is empty or missing.
    case missing(field: String)
    /// An ID card number is not 18 characters long.
    case idNumberLength(field: String)
    /// An ID card number has a character other than digits (and a final X).
    case idNumberCharacters(field: String)
    /// The first six digits are not a plausible administrative area code.
    case idNumberAreaCode(field: String)
    /// Digits 7–14 are not a real date of birth.
    case idNumberBirthDate(field: String)
    /// The 18th character does not match the GB 11643 check digit.
    case idNumberCheckDigit(field: String)
    /// The ID number's birth date differs from the birth date entered.
    case idNumberBirthDateMismatch(field: String)
    /// Not a date in the form YYYY-MM-DD.
    case invalidDate(field: String)
    /// Not a moment in the form 2026-11-29T09:30:00+08:00.
    case invalidTimestamp(field: String)
    /// Not an amount in yuan with at most two decimals, at least 0.
    case invalidAmount(field: String)
    /// A field kept in whole yuan (v1 `monthly_income`) was given fen or is out of range.
    case invalidWholeYuan(field: String)
    /// Not a nine-digit township code.
    case invalidTownshipCode(field: String)
    /// Not one of the allowed codes; the allowed codes are listed (they are not personal).
    case notAChoice(field: String, allowed: [String])
    /// A number (months, hours, grade) outside its range.
    case outOfRange(field: String, range: ClosedRange<Int>)

    // MARK: Time
    /// A moment later than the machine's clock by more than ``Casework/futureTolerance``:
    /// a typo in the year or a wrong clock, never a form already filled in.
    case momentInTheFuture(field: String)
    /// A birth date (given, or read from the ID number) after the moment the form was filled in.
    case birthDateAfterEntry(field: String)
    /// A moment earlier than the record it belongs to or depends on (`table`.`column`),
    /// e.g. a reply before the application was received, a review before the household
    /// was registered: the later event cannot have happened first.
    case momentBeforeRecord(field: String, table: String, column: String)

    // MARK: Records
    /// No row with that id in that table.
    case notFound(table: String, id: String)
    /// The row existed and was deleted (a deletion reaches every replica and stays).
    case deleted(table: String, id: String)
    /// The household was transferred to another township's station (P8): its case is no
    /// longer held here.
    case transferred(household: String, township: String)
    /// The application already has a decision; record a new application or a review.
    case alreadyDecided(application: String)

    // MARK: Rules
    /// R7 逢救必核: this category needs a completed economic status check before approval.
    case economicCheckRequired(category: String)
    /// R7: the latest completed check found the family outside the criteria.
    case economicCheckExceedsCriteria(category: String)
    /// R7: a completed check exists, but only after the decision's moment; a decision
    /// counts only checks completed at or before it.
    case economicCheckAfterDecision(category: String)
    /// R8: above township authority; the county decides at the hub.
    case beyondTownshipAuthority(category: String, ceiling: Money?)
    /// A station tried to record a county-level decision.
    case countyDecisionOnlyAtHub
    /// R3: tekun needs the applicant to be without labour capacity (or under 18).
    case tekunApplicantHasLabourCapacity
    /// Tekun decisions need the applicant member named on the application.
    case tekunApplicantMissing
    /// R6: payment before the check only for temporary assistance up to the ceiling.
    case paymentBeforeCheckNotAllowed(ceiling: Money)
    /// Payment on an application that was rejected or not yet approved (outside R6).
    case paymentWithoutApproval(application: String)
    /// Payment dated before the approval it needs (outside R6): the application is
    /// approved, but later than the payment's moment.
    case paymentBeforeApproval(application: String)
    /// R9: the place-of-residence channel needs a residence-permit holder.
    case placeOfResidenceNeedsResidencePermit
    /// Rule parameters are set at the hub only.
    case parametersOnlyAtHub
    /// The replica refused the write (its message names table and column, never a value).
    case store(StoreError)

    public var description: String {
        switch self {
        case let .missing(f):
            "字段 \(f) 不能为空，请填写 / field \(f): required; fill it in"
        case let .idNumberLength(f):
            "身份证号应为18位，请核对后重新输入 / field \(f): an ID card number has 18 characters; check the number and enter it again"
        case let .idNumberCharacters(f):
            "身份证号只能包含数字，最后一位可为X，请核对后重新输入 / field \(f): only digits, and X as the last character, are allowed; check the number and enter it again"
        case let .idNumberAreaCode(f):
            "身份证号前6位地区码不正确，请核对后重新输入 / field \(f): the area code (first 6 digits) is not valid; check the number and enter it again"
        case let .idNumberBirthDate(f):
            "身份证号第7至14位出生日期不正确，请核对后重新输入 / field \(f): digits 7 to 14 are not a valid birth date; check the number and enter it again"
        case let .idNumberCheckDigit(f):
            "身份证号校验位不正确，请核对后重新输入 / field \(f): the check digit is wrong; check the number and enter it again"
        case let .idNumberBirthDateMismatch(f):
            "身份证号中的出生日期与填写的出生日期不一致，请核对两者 / field \(f): the birth date in the ID number differs from birth_date; check both"
        case let .invalidDate(f):
            "字段 \(f) 的日期格式不正确，请按 YYYY-MM-DD 填写（如 2026-07-01） / field \(f): not a valid date; write it as YYYY-MM-DD, e.g. 2026-07-01"
        case let .invalidTimestamp(f):
            "字段 \(f) 的时间格式不正确，请按 2026-11-29T09:30:00+08:00 的格式填写 / field \(f): not a valid time; write it like 2026-11-29T09:30:00+08:00, with the UTC offset"
        case let .invalidAmount(f):
            "字段 \(f) 的金额不正确，请填写 0 至 1 亿元、最多两位小数的元数（如 1200.50） / field \(f): not a valid amount; enter yuan from 0 to 100,000,000, at most two decimals, e.g. 1200.50"
        case let .invalidWholeYuan(f):
            "字段 \(f) 以整元记录，请填写 0 至 1 亿之间的整数元（如 1200） / field \(f): kept in whole yuan; enter a whole number of yuan from 0 to 100,000,000, e.g. 1200"
        case let .invalidTownshipCode(f):
            "字段 \(f) 应为9位乡镇(街道)行政区划代码，请核对 / field \(f): a township code has 9 digits; check it"
        case let .notAChoice(f, allowed):
            "字段 \(f) 的取值不在允许范围内，请从以下选择：\(allowed.joined(separator: ", ")) / field \(f): not an allowed value; choose one of: \(allowed.joined(separator: ", "))"
        case let .outOfRange(f, range):
            "字段 \(f) 应在 \(range.lowerBound) 到 \(range.upperBound) 之间，请修改 / field \(f): must be between \(range.lowerBound) and \(range.upperBound); correct it"
        case let .momentInTheFuture(f):
            "字段 \(f) 的时间晚于本机当前时间，请核对年月日和本机时钟 / field \(f): the time is in the future (more than \(Casework.futureToleranceMinutes) minutes past this computer's clock); check the date and the computer's clock"
        case let .birthDateAfterEntry(f):
            "字段 \(f) 的出生日期晚于填表时间，请核对身份证号、出生日期和 --at / field \(f): the birth date is after the time the form was filled in; check the ID number, the birth date and --at"
        case let .momentBeforeRecord(f, table, column):
            "字段 \(f) 的时间早于 \(table) 记录的 \(column)，事情不能先于其所属或所依据的记录发生，请核对时间 / field \(f): earlier than the \(table)'s \(column); an event cannot precede the record it belongs to or depends on; check the time"
        case let .notFound(table, id):
            "找不到 \(table) 记录 \(id)，请核对编号 / \(table) \(id) does not exist; check the id"
        case let .transferred(household, township):
            "户 \(household) 已由县级中心移交至乡镇 \(township)，本站不再保存该个案，请由该乡镇社工站办理 / household \(household) was transferred by the county to township \(township); this station no longer holds the case, and that township's station records its casework now"
        case let .deleted(table, id):
            "\(table) 记录 \(id) 已被删除，删除会同步到所有副本且不能撤销 / \(table) \(id) was deleted; a deletion reaches every replica and cannot be undone"
        case let .alreadyDecided(a):
            "申请 \(a) 已审核确认，不能重复决定；如需变更请办理复核 / application \(a) is already decided; record a review to change it"
        case let .economicCheckRequired(c):
            "逢救必核：\(c) 须先完成家庭经济状况核对才能批准，请先录入核对结果 / rule R7: \(c) cannot be approved without a completed economic status check; record the check first"
        case let .economicCheckExceedsCriteria(c):
            "逢救必核：最近一次家庭经济状况核对结论为不符合条件，\(c) 不能批准；可作不予批准决定或重新核对 / rule R7: the latest economic status check found the family outside the criteria, so \(c) cannot be approved; reject, or record a new check"
        case let .economicCheckAfterDecision(c):
            "逢救必核：家庭经济状况核对的完成时间晚于决定时间，\(c) 只能依据决定时或之前完成的核对批准；请核对 --at 或在核对之后再作决定 / rule R7: the economic status check was completed after the decision's time; \(c) is approved only on a check completed at or before the decision; check --at, or decide after the check"
        case let .beyondTownshipAuthority(c, ceiling):
            if let ceiling {
                "超出乡镇审核确认权限：\(c) 金额超过 \(ceiling) 元，由县级民政部门在县中心审核确认 / rule R8: \(c) above \(ceiling) yuan is beyond township authority; the county decides at the hub (fieldsync hub decide)"
            } else {
                "超出乡镇审核确认权限：\(c) 由县级民政部门在县中心审核确认 / rule R8: \(c) is beyond township authority; the county decides at the hub (fieldsync hub decide)"
            }
        case .countyDecisionOnlyAtHub:
            "县级审核确认只能在县中心录入，乡镇工作站请以乡镇级别决定或报县级 / field level: county decisions are recorded at the hub; decide at township level or refer the case to the county"
        case .tekunApplicantHasLabourCapacity:
            "特困供养：申请人须无劳动能力（未满18周岁视为无劳动能力），请核对成员劳动能力 / rule R3: tekun needs an applicant without labour capacity (under 18 counts as without); check the member's labour_capacity"
        case .tekunApplicantMissing:
            "特困供养申请须指明申请人（成员），请在申请中填写 / field applicant_member_id: a tekun application must name the applicant member; fill it in"
        case let .paymentBeforeCheckNotAllowed(ceiling):
            "核对前先行救助仅限不超过 \(ceiling) 元的临时救助，请先完成核对和审核确认 / rule R6: paying before the check is only for temporary assistance up to \(ceiling) yuan; complete the check and the decision first"
        case let .paymentWithoutApproval(a):
            "申请 \(a) 尚未批准，不能发放救助 / application \(a) is not approved; decide it before giving assistance"
        case let .paymentBeforeApproval(a):
            "发放时间早于申请 \(a) 的批准时间，不能在批准前发放（小额先行救助除外），请核对 --at / field at: earlier than the approval of application \(a); assistance is given after the approval (except small temporary amounts, R6); check --at"
        case .placeOfResidenceNeedsResidencePermit:
            "居住地申办须持有居住证，请核对户的居住证信息或改用其他受理渠道 / field channel: placeOfResidence is for residence-permit holders (rule R9); check residence_permit_holder or choose another channel"
        case .parametersOnlyAtHub:
            "救助参数只能在县中心设置，工作站通过回传数据包接收 / rule parameters are set at the hub only; stations receive them in return bundles"
        case let .store(e):
            "数据未能保存 / the record was not saved: \(e.description)"
        }
    }
}

extension CaseworkError {
    /// The input field the error is about (a column name such as `id_number`, or `at`), so a
    /// form can show the message beside that field; nil when the refusal is about the case
    /// as a whole (a rule such as R7, a missing record).
    public var field: String? {
        switch self {
        case let .missing(f), let .idNumberLength(f), let .idNumberCharacters(f), let .idNumberAreaCode(f),
             let .idNumberBirthDate(f), let .idNumberCheckDigit(f), let .idNumberBirthDateMismatch(f),
             let .invalidDate(f), let .invalidTimestamp(f), let .invalidAmount(f), let .invalidWholeYuan(f),
             let .invalidTownshipCode(f), let .notAChoice(f, _), let .outOfRange(f, _), let .momentInTheFuture(f),
             let .birthDateAfterEntry(f), let .momentBeforeRecord(f, _, _):
            f
        case .tekunApplicantMissing: "applicant_member_id"
        case .placeOfResidenceNeedsResidencePermit: "channel"
        case .countyDecisionOnlyAtHub: "level"
        default: nil
        }
    }
}
