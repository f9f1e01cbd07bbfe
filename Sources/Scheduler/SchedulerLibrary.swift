import RedisKit

/// The `swarm` Redis Functions library: constants generated from Swift types, the shared Lua
/// helpers, one fragment per transition (each in `Transitions/`, next to the Swift that calls
/// it) and the functions that change no task (`Control/`). Lua locals must be defined before
/// use, so the order below matters: generated constants, helpers, task records, admission,
/// settle helpers, dispatch, worker membership (which uses dispatch), then the transitions.
public enum SchedulerLibrary {
    /// The library, versioned by the hash of its source.
    public static let library = FunctionLibrary(name: "swarm", body: fragments.joined(separator: "\n"))

    /// The fragments, in load order.
    static let fragments: [String] = [
        TaskState.luaSource,
        SchedulerErrorCode.luaSource,
        SchedulerSettings.luaSource,
        LuaHelpers.source,
        LuaTaskRecords.source,
        LuaAdmission.source,
        SettleHelpers.source,
        DispatchTransition.source,
        WorkersTransition.source,
        MergeTransition.source,
        SubmitChecks.source,
        SubmitTransition.source,
        StartTransition.source,
        CompleteTransition.source,
        FailTransition.source,
        RejectSpecTransition.source,
        TickTransition.source,
        ResolveTransition.source,
        CancelTransition.source,
        NoteEventFunction.source,
        RateHeadroomFunction.source,
    ]
}
