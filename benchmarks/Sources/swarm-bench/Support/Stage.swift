import RedisKit
import Scheduler

/// One scenario run's stage: a fresh namespace with its settings, a client, a poller
/// connection, a scheduler loop, and a fleet of registered worker processes. `stop()` tears
/// the fleet and the loop down.
final class Stage {
    let namespace: String
    let client: SchedulerClient
    let poller: RedisConnection
    private let fleet: WorkerFleet
    private let loop: SchedulerLoop

    init(_ ctx: BenchContext, prefix: String, workers: Int, settings: SchedulerSettings = BenchContext.defaultSettings) throws {
        namespace = try ctx.freshNamespace(prefix)
        client = try ctx.client(namespace, settings: settings)
        poller = try ctx.connection()
        loop = SchedulerLoop(url: ctx.url, namespace: namespace, maxSleep: 1)
        loop.start()
        fleet = WorkerFleet(ctx, namespace: namespace)
        do {
            try fleet.spawn(workers)
            try fleet.waitRegistered(workers, redis: poller)
        } catch {
            stop()
            throw error
        }
    }

    func stop() {
        fleet.stopAll()
        loop.stop()
    }
}
