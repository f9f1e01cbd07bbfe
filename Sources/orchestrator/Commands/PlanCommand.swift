import ArgumentParser
import Foundation
import Planner

extension PlanFormat: ExpressibleByArgument {}

/// `orchestrator plan`: checks a plan file, or decomposes a feature description, and prints the
/// resulting DAG. Exits 1 when the plan has problems, 2 when the config does.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Check a plan file, or decompose a feature, and print its task graph.",
        discussion: """
        With FILE, reads a YAML or JSON plan and reports every problem at once (with its line).
        With --feature, decomposes the description: with --agent NAME by asking that agent (falling \
        back to the template if it fails), otherwise with the built-in template.
        Exit status: 0 valid, 1 the plan has problems, 2 the config has problems.
        """)

    @Argument(help: "Plan file to check (.yaml, .yml or .json).")
    var file: String?

    @Option(help: "Feature description to decompose instead of reading a file.")
    var feature: String?

    @Option(help: "Agent (a key of `agents` in the config) that decomposes --feature; without it the template is used.")
    var agent: String?

    @OptionGroup var configFile: ConfigFileOption

    @Option(help: "Output format: \(PlanFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: PlanFormat = .table

    @Flag(help: "Treat warnings (overlapping artifacts of tasks that may run together) as errors.")
    var strict = false

    func validate() throws {
        if (file == nil) == (feature == nil) {
            throw ValidationError("give either a plan FILE or --feature \"TEXT\", not both or neither")
        }
        if agent != nil, feature == nil {
            throw ValidationError("--agent only applies with --feature")
        }
    }

    func run() throws {
        let settings = try loadConfig(configFile.config).0
        let plan: Plan
        do {
            if let file {
                plan = try PlanLoader(config: settings, strict: strict).load(path: file)
            } else if let agent {
                let result = try AgentDecomposer(config: settings, agent: agent, strict: strict).decompose(feature ?? "")
                for note in result.notes { printError("note: \(note)") }
                plan = result.plan
            } else {
                plan = try TemplateDecomposer(config: settings).decompose(feature ?? "").plan
            }
        } catch {
            printError(error.description)
            throw ExitCode.planInvalid
        }
        // JSON escapes control characters itself; every other format gets them escaped here.
        let text = plan.rendered(as: format)
        print(format == .json ? text : terminalSafe(text, multiline: true), terminator: "")
        if format != .table, !plan.warnings.isEmpty {
            printError("\(plan.warnings.count) warning(s):\n" + plan.warnings.map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}
