import RedisKit

/// A function's reply, decoded by name: every function that returns several values returns a
/// flat `name, value, name, value…` array (its contract, above its `register`, lists the names).
/// A missing or mistyped field is a bug between the Lua and Swift, reported as
/// ``SchedulerError/unexpected(_:)`` naming the function and the field.
struct FunctionReply {
    /// The function that replied (for messages).
    let function: String
    /// Values by name.
    let fields: [String: RedisValue]

    init(_ value: RedisValue, from function: String) throws(SchedulerError) {
        guard let a = value.array, a.count % 2 == 0 else { throw .unexpected("\(function) returned \(value)") }
        self.function = function
        self.fields = value.fieldMap
    }

    /// The integer named `name`.
    func int(_ name: String) throws(SchedulerError) -> Int {
        guard let v = fields[name]?.int else { throw missing(name) }
        return v
    }

    /// The text named `name`.
    func string(_ name: String) throws(SchedulerError) -> String {
        guard let v = fields[name]?.string else { throw missing(name) }
        return v
    }

    /// The task state named `name`.
    func state(_ name: String) throws(SchedulerError) -> TaskState {
        guard let v = TaskState(rawValue: try string(name)) else { throw missing(name) }
        return v
    }

    /// The nested reply named `name`, nil when the reply has no such field.
    func nested(_ name: String) throws(SchedulerError) -> FunctionReply? {
        guard let v = fields[name] else { return nil }
        return try FunctionReply(v, from: function + "." + name)
    }

    private func missing(_ name: String) -> SchedulerError {
        .unexpected("\(function) replied without a valid '\(name)': \(fields.keys.sorted())")
    }
}
