import RedisKit

/// `note_event`: an event an orchestrator reports about itself rather than about a task, written
/// like every other event (Redis's clock, `MAXLEN ~ events_maxlen`, through `emit()`). Only the
/// kinds below are accepted, so nothing can slip a task state change into the stream this way.
/// Contract: above `register('note_event'` below.
enum NoteEventFunction {
    static let source = #"""
--[[ note_event: appends an orchestrator's own event (not a task's) to the stream.
  KEYS[1]  events stream
  ARGV[1]  kind: 'workers_clamped' or 'worker_crash_loop'
  ARGV[2…] the event's fields, alternate names and values
  Reply    1
  Errors   BADEVENT (any other kind)
  Writes   events
]]
register('note_event', function(keys, args)
  local kind = args[1]
  if kind ~= 'workers_clamped' and kind ~= 'worker_crash_loop' then
    return refuse(E.BADEVENT, tostring(kind) .. ' is not an orchestrator event')
  end
  local fields = {}
  for i = 2, #args do fields[#fields + 1] = args[i] end
  emit(kind, '', '', fields)
  return 1
end)
"""#
}

/// Something an orchestrator reports about itself on the namespace's event stream.
public enum OrchestratorEvent: Sendable, Equatable {
    /// `up` was asked for more workers than `orchestrator.max_workers` and runs the maximum.
    case workersClamped(asked: Int, maxWorkers: Int)
    /// Workers died `deaths` times within `windowSeconds`; respawns slow down.
    case workerCrashLoop(deaths: Int, windowSeconds: Double)

    /// The `type` field of the event.
    public var kind: String {
        switch self {
        case .workersClamped: return "workers_clamped"
        case .workerCrashLoop: return "worker_crash_loop"
        }
    }

    /// The event's own fields, as alternate names and values.
    var fields: [any RedisArgument] {
        switch self {
        case let .workersClamped(asked, maxWorkers): return ["asked", asked, "max_workers", maxWorkers]
        case let .workerCrashLoop(deaths, windowSeconds): return ["deaths", deaths, "window_s", windowSeconds]
        }
    }
}

extension SchedulerClient {
    /// Appends `event` to the namespace's event stream, stamped with Redis's clock.
    public func note(_ event: OrchestratorEvent) throws(SchedulerError) {
        _ = try call("note_event", [event.kind] + event.fields)
    }
}
