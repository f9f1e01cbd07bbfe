// Entry point: the command lives in SwarmBench.swift.
SwarmBench.main()
