/// R4/R5, the clocks of temporary and emergency assistance (临时救助时限).
///
/// R4 「建立临时救助12小时答复机制」: a temporary-assistance application is answered within
/// `temporaryReplyHours` (12) of being received. R5 「全面推行由急难发生地实施临时救助,实现急难
/// 情形24小时救助」: an emergency (急难) application of any category is helped within
/// `emergencyHelpHours` (24); any station may accept it where the emergency happens.
/// The hours in force on the day the application was received apply.
public enum TemporaryAssistanceClock {
    /// When the answer is due, for a temporary-assistance application (nil otherwise).
    public static func replyDue(category: AssistanceCategory, receivedAt: Timestamp, parameters: ParameterSet) -> Timestamp? {
        guard category == .temporary else { return nil }
        return receivedAt.adding(hours: parameters.count(.temporaryReplyHours, on: receivedAt.localDate))
    }

    /// When help is due, for an emergency application (nil otherwise).
    public static func helpDue(emergency: Bool, receivedAt: Timestamp, parameters: ParameterSet) -> Timestamp? {
        guard emergency else { return nil }
        return receivedAt.adding(hours: parameters.count(.emergencyHelpHours, on: receivedAt.localDate))
    }
}
