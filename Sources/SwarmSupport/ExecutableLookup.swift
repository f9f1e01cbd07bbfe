#if canImport(Glibc)
import Glibc
#endif

/// Resolves a program name the way `execvp` would, but against the child's `PATH`.
public enum ExecutableLookup {
    /// The search path used when the child's environment has no `PATH`.
    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The path to execute for `name`: itself when it contains `/`, else the first
    /// executable file named `name` in the directories of `path` (`nil`: ``defaultPath``);
    /// `nil` when there is none.
    public static func resolve(_ name: String, path: String?) -> String? {
        if name.contains("/") { return name }
        for directory in (path ?? defaultPath).split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// Whether `path` is a regular file this process may execute.
    public static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    /// Whether `path` is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
