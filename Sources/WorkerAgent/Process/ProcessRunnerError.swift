#if canImport(Glibc)
import Glibc
#endif

/// Why a process could not be started.
public enum ProcessRunnerError: Error, Equatable, CustomStringConvertible {
    /// The argument vector was empty.
    case emptyCommand
    /// The program is not an executable file, or was not found on `PATH`.
    case executableNotFound(name: String, searchPath: String)
    /// The working directory does not exist or is not a directory.
    case workingDirectoryNotFound(path: String)
    /// A pipe could not be created (usually too many open files).
    case pipeFailed(errno: Int32)
    /// `posix_spawn` failed.
    case spawnFailed(program: String, errno: Int32)

    public var description: String {
        switch self {
        case .emptyCommand:
            return "no command to run: give at least the program name"
        case let .executableNotFound(name, searchPath):
            return "executable \(name.debugDescription) not found on PATH \(searchPath.debugDescription); "
                + "install it, give an absolute path, or set PATH in the task environment"
        case let .workingDirectoryNotFound(path):
            return "working directory \(path.debugDescription) does not exist; create it or fix the task's cwd"
        case let .pipeFailed(code):
            return "could not create a pipe (\(String(cString: strerror(code)))); raise the open-file limit (ulimit -n)"
        case let .spawnFailed(program, code):
            return "could not start \(program.debugDescription): \(String(cString: strerror(code))); "
                + "check that it is executable and that the host has free memory and process slots"
        }
    }
}
