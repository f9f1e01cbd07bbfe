print("swarm-bench")
