extension TaskState {
    /// The library's first fragment: the task states as Lua constants, generated from this type,
    /// so the Lua writes `S.READY` and never a state's text. A constant that does not exist
    /// (`S.READDY`) would read as nil (Redis functions have no `setmetatable` to catch it), so
    /// `TaskStateTableTests` checks every `S.` name in the library.
    static var luaSource: String {
        func set(_ states: [TaskState]) -> String {
            "{" + states.map { "\($0.rawValue) = true" }.joined(separator: ", ") + "}"
        }
        let constants = allCases.map { "\($0.luaName) = '\($0.rawValue)'" }.joined(separator: ", ")
        return """
        -- Generated from Swift's TaskState (Sources/Scheduler/TaskStateLua.swift): do not edit here.
        local S = {\(constants)}
        -- Every state, for checking a stored one.
        local STATES = \(set(allCases))
        -- States no move leaves except a person's resolve; cancel does not apply to them.
        local FINAL = \(set(allCases.filter(\.isFinal)))

        """
    }
}
