#if canImport(Glibc)
import Glibc
#endif

/// Resolves a program name the way `execvp` would, but against the child's `PATH`.
enum ExecutableLookup {
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The path to execute for `name`: itself when it contains `/`, else the first
    /// executable file named `name` in the directories of `path`.
    static func resolve(_ name: String, path: String?) throws(ProcessRunnerError) -> String {
        if name.contains("/") { return name }
        let searchPath = path ?? defaultPath
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        throw .executableNotFound(name: name, searchPath: searchPath)
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
