/// Why a Redis function of the library refused a call: the first word of its error reply, and
/// the code of ``SchedulerError/refused(_:_:)``. The Lua's codes are generated from this type
/// (`E.NOTASK`, written by `refuse(E.NOTASK, text)`), so the two cannot drift apart.
public enum SchedulerErrorCode: String, Sendable, CaseIterable {
    /// No task with that id in the namespace.
    case noTask = "NOTASK"
    /// No feature with that id in the namespace.
    case noFeature = "NOFEATURE"
    /// The task is in a state the call does not apply to.
    case badState = "BADSTATE"
    /// An action the call does not take (`resolve` takes done, pending or failed).
    case badAction = "BADACTION"
    /// The worker has no record (it expired, or Redis lost it): register again.
    case unknownWorker = "UNKNOWNWORKER"
    /// The feature id belongs to another plan.
    case featureExists = "FEATUREEXISTS"
    /// An argument is malformed or out of bounds; nothing of the call was written.
    case badInput = "BADINPUT"
    /// The task's record is corrupt; it was quarantined (`needs_human`).
    case corrupt = "CORRUPT"
    /// `note_event` takes only the orchestrator's own event kinds.
    case badEvent = "BADEVENT"

    /// The library's constants for the codes (`E.NOTASK`) and the one way it refuses a call.
    static var luaSource: String {
        let constants = allCases.map { "\($0.rawValue) = '\($0.rawValue)'" }.joined(separator: ", ")
        return """
        -- Generated from Swift's SchedulerErrorCode (Sources/Scheduler/SchedulerErrorCode.swift).
        local E = {\(constants)}
        -- Refuses a call: an error reply whose first word is the code, then what to do next.
        local function refuse(code, text) return redis.error_reply(code .. ' ' .. text) end

        """
    }
}
