Orchestrator.main(Orchestrator.rewritingControlFlags(Array(CommandLine.arguments.dropFirst())))
