#!/bin/sh
# Fake planning agent whose plans always contain a dependency cycle.
[ -n "$AGENT_LOG" ] && echo "call" >> "$AGENT_LOG"
echo '{"feature": "loop", "tasks": [{"id": "api", "type": "backend", "prompt": "a", "depends_on": ["db"]}, {"id": "db", "type": "backend", "prompt": "b", "depends_on": ["api"]}]}'
