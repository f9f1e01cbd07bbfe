/// Keeps the last `limit` bytes written to it.
struct OutputBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var truncated = false

    init(limit: Int) { self.limit = max(limit, 0) }

    mutating func append(_ chunk: [UInt8]) {
        bytes.append(contentsOf: chunk)
        // Trim in batches so appending stays amortised O(1).
        if bytes.count > 2 * limit + 4096 { trim() }
    }

    mutating func trim() {
        guard bytes.count > limit else { return }
        bytes.removeFirst(bytes.count - limit)
        truncated = true
    }

    /// The kept tail as text; a character cut at the start decodes as U+FFFD.
    mutating func text() -> String {
        trim()
        return String(decoding: bytes, as: UTF8.self)
    }
}
