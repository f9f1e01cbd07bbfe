import Foundation

/// Reads a plan or config file, refusing what is not one: a directory, a named pipe, a
/// device (`/dev/zero` never ends), a socket, a file over the size limit, or bytes that are not
/// UTF-8. The type is checked on the opened descriptor (`fstat`), so a FIFO is never read from
/// and a file swapped after a check cannot slip through.
enum TextFileReader {
    /// The file's text, or why it cannot be used, in words that say what to give instead.
    static func read(_ path: String, limit: Int, what: String) -> Result<String, TextFileProblem> {
        // O_NONBLOCK: opening a FIFO with no writer must not hang before fstat can refuse it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: return .failure(TextFileProblem("does not exist"))
            case EACCES, EPERM: return .failure(TextFileProblem("cannot be read: permission denied"))
            case ENOTDIR: return .failure(TextFileProblem("does not exist (a part of the path is not a folder)"))
            default: return .failure(TextFileProblem("cannot be opened: \(String(cString: strerror(code)))"))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            return .failure(TextFileProblem("cannot be examined: \(String(cString: strerror(errno)))"))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let name: String
            switch kind {
            case S_IFDIR: name = "a directory"
            case S_IFIFO: name = "a named pipe (FIFO)"
            case S_IFCHR: name = "a character device"
            case S_IFBLK: name = "a block device"
            case S_IFSOCK: name = "a socket"
            default: name = "not a regular file"
            }
            return .failure(TextFileProblem("is \(name), not a \(what) file; give the path of a \(what) file"))
        }
        if Int(info.st_size) > limit {
            return .failure(TextFileProblem("is \(info.st_size) bytes; a \(what) file may be at most \(limit) bytes (\(limit >> 20) MiB)"))
        }
        // Blocking reads from here on: it is a regular file.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(TextFileProblem("cannot be read: \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            // The file may have grown since fstat.
            if data.count > limit {
                return .failure(TextFileProblem("is over \(limit) bytes; a \(what) file may be at most \(limit >> 20) MiB"))
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(TextFileProblem("is not UTF-8 text; save it as UTF-8"))
        }
        return .success(text)
    }
}

/// Why a file could not be used, as the rest of a sentence starting with its path.
struct TextFileProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
