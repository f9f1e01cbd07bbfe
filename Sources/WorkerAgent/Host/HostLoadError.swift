/// Why host load could not be read.
public enum HostLoadError: Error, Equatable, CustomStringConvertible {
    /// A `/proc` file could not be read.
    case unreadable(path: String, errno: Int32)
    /// A `/proc` file did not have the expected format.
    case malformed(path: String, detail: String)

    public var description: String {
        switch self {
        case let .unreadable(path, code):
            return "cannot read \(path) (errno \(code)); host load needs Linux with /proc mounted, "
                + "or set the worker's load limits to 0 to disable load checks"
        case let .malformed(path, detail):
            return "unexpected format in \(path): \(detail); please report this with the file's contents"
        }
    }
}
