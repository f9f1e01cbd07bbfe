import RedisKit

/// The `swarm` Redis Functions library: shared Lua helpers joined with one fragment per
/// transition (each in `Transitions/`, next to the Swift that calls it) and the functions that
/// change no task (`Control/`). Lua locals must be defined before use, so the order below
/// matters: helpers, settle helpers, dispatch, worker membership (which uses dispatch), then
/// the transitions, then the control functions.
public enum SchedulerLibrary {
    /// The library, versioned by the hash of its source.
    public static let library = FunctionLibrary(name: "swarm", body: [
        TaskState.luaSource,
        LuaHelpers.source,
        SettleHelpers.source,
        DispatchTransition.source,
        WorkersTransition.source,
        MergeTransition.source,
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
    ].joined(separator: "\n"))
}
