// WorkerAgent module.
