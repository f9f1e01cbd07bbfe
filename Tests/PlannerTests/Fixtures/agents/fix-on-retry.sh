#!/bin/sh
# Fake planning agent: a cycle at first, a valid plan once told about its problems.
[ -n "$AGENT_LOG" ] && echo "call" >> "$AGENT_LOG"
case "$1" in
  *"previous answer"*) echo '{"feature": "loop", "tasks": [{"id": "api", "type": "backend", "prompt": "a", "depends_on": ["db"]}, {"id": "db", "type": "backend", "prompt": "b"}]}' ;;
  *) echo '{"feature": "loop", "tasks": [{"id": "api", "type": "backend", "prompt": "a", "depends_on": ["db"]}, {"id": "db", "type": "backend", "prompt": "b", "depends_on": ["api"]}]}' ;;
esac
