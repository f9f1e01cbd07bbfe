Orchestrator.main()
