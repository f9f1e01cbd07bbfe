import Foundation

/// The merge queue's and the submit side's view of ``Git``: the same runner (argument vector,
/// allowlisted environment, fixed identity, hooks off, no prompts), with its errors turned into
/// ``MergeError`` and a trimmed standard output as the answer.
struct MergeGit: Sendable {
    private let git: Git

    /// A runner whose commands may take `timeout` seconds (a fetch or push may be slow).
    init(timeout: Double = 600) {
        git = Git(timeout: timeout, maxOutputBytes: 16 << 20)
    }

    /// Exit status and standard output of `git <arguments>` (output is the combined text).
    func status(_ arguments: [String], in directory: String?) throws(MergeError) -> (code: Int32, stdout: String, output: String) {
        do {
            let (code, out) = try git.status(arguments, in: directory)
            return (code, out.standardOutput, out.output)
        } catch {
            throw .git(command: error.command, status: "failed", said: error.description)
        }
    }

    /// Standard output (trimmed) of `git <arguments>`; a non-zero exit throws.
    @discardableResult
    func run(_ arguments: [String], in directory: String?) throws(MergeError) -> String {
        let r = try status(arguments, in: directory)
        guard r.code == 0 else {
            let said = r.output.split(separator: "\n").suffix(4).joined(separator: " | ")
            throw .git(command: Self.display(arguments), status: "exit \(r.code)", said: said)
        }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func display(_ arguments: [String]) -> String {
        Git.display(arguments)
    }
}
