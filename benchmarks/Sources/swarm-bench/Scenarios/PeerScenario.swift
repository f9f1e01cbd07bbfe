/// 9. The Celery peer (placeholder until written).
struct PeerScenario: Scenario {
    let name = "peer"
    func run(_ ctx: BenchContext, earlier: [ScenarioResult]) throws -> ScenarioResult {
        ScenarioResult(name: name, setup: "")
    }
}
