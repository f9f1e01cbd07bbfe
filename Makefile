# Swarm: the two commands a new machine needs are `make demo` and `make test`.
.PHONY: deps build demo test bench bench-quick release clean

deps:
	@./scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release

## Runs the demo feature end to end on an embedded redis-server.
demo: build
	.build/debug/orchestrator demo

## Runs every test against real redis-server processes the suite starts itself.
test: deps
	swift build --build-tests
	swift test --skip-build

## Every benchmark scenario; rewrites benchmarks/RESULTS.md.
bench: deps
	swift build -c release --product orchestrator
	swift build -c release --product swarm-bench
	.build/release/swarm-bench all --peers

## A small run of every scenario (CI smoke test; checks it works, not how fast).
bench-quick: deps
	swift build -c release --product orchestrator
	swift build -c release --product swarm-bench
	.build/release/swarm-bench all --quick --output /tmp/swarm-bench-quick.md

clean:
	rm -rf .build .swarm
