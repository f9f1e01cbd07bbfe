import ArgumentParser
import Foundation
import Planner
import Scheduler
import WorkerAgent

/// `orchestrator submit PLAN`: validates a plan and submits it. An invalid plan writes nothing.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate a plan file and submit its feature to the scheduler.",
        discussion: "Submitting the same plan twice (same content, or the same --idempotency-key) creates one feature and says so.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Plan file (.yaml, .yml or .json).")
    var plan: String

    @Option(help: "Key that makes repeated submits one feature (default: a hash of the plan's content).")
    var idempotencyKey: String?

    @Flag(help: "Treat overlapping-artifact warnings as errors.")
    var strict = false

    /// Plans are stored in Redis as written, so a literal secret anywhere in one (a prompt, a
    /// command, a test, the feature's description...) would reach Redis unredacted: refuse the
    /// plan instead, naming every field that holds one.
    static func refuseLiteralSecrets(in plan: Plan, config: SwarmConfig) throws {
        guard let redactor = try? Redactor(security: config.security, environment: [:]) else { return }
        let leaking = secretFields(in: plan.feature, redactor: redactor)
        guard !leaking.isEmpty else { return }
        printError("error: \(leaking.joined(separator: ", ")): holds what looks like a secret "
                   + "(it matches security.redact_patterns); read it from an environment variable instead. Nothing was submitted.")
        throw ExitCode.planInvalid
    }

    /// The fields of `feature` holding a secret, named by task id where they belong to a task.
    static func secretFields(in feature: Feature, redactor: Redactor) -> [String] {
        var own = feature
        own.tasks = []
        let featureFields = redactor.secretFields(in: own).filter { !$0.hasPrefix("tasks") }.map { "feature \($0)" }
        let taskFields = feature.tasks.flatMap { task in redactor.secretFields(in: task).map { "\(task.id): \($0)" } }
        return featureFields + taskFields
    }

    /// A feature with a `repo`: its repository resolved, base commit recorded and integration
    /// branch created (nil without a `repo`). A repository that cannot be used submits nothing.
    static func prepareRepository(of feature: Feature, baseDirectory: String) throws -> FeatureRepository? {
        guard feature.repo != nil else { return nil }
        do {
            return try IntegrationBranchSetup.prepare(feature, baseDirectory: baseDirectory)
        } catch {
            printError("error: feature \(feature.id): repo: \(terminalSafe(error.description))")
            printError("nothing was submitted.")
            throw ExitCode.planInvalid
        }
    }

    func run() throws {
        let ctx = try global.context()
        let loaded: Plan
        do {
            loaded = try PlanLoader(config: ctx.config, strict: strict).load(path: plan)
        } catch {
            printError(error.description)
            printError("nothing was submitted.")
            throw ExitCode.planInvalid
        }
        for w in loaded.warnings { printError("warning: \(w)") }
        try SubmitCommand.refuseLiteralSecrets(in: loaded, config: ctx.config)
        let signer = try ctx.submitSigner()
        let client = try ctx.client()
        let base = URL(fileURLWithPath: plan).deletingLastPathComponent().path
        let repository = try SubmitCommand.prepareRepository(of: loaded.feature, baseDirectory: base)
        let result = try orFail {
            try client.configure(SchedulerSettings(config: ctx.config))
            return try client.submit(plan: loaded, idempotencyKey: idempotencyKey, baseDirectory: base, signer: signer,
                                     repository: repository)
        }
        switch result.outcome {
        case .created:
            print("submitted feature \(result.feature): \(result.created) tasks, \(result.admitted) dispatched at once")
            if let r = repository {
                print("work lands on \(r.integrationBranch) in \(terminalSafe(r.url)) (from \(r.baseCommit.prefix(12)))")
            }
        case .resumed:
            print("resumed the interrupted submit of feature \(result.feature): \(result.created) more tasks")
        case .duplicate:
            print("feature \(result.feature) was already submitted with this plan; nothing new was created")
        }
    }
}
