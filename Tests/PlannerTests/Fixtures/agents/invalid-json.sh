#!/bin/sh
# Fake planning agent that never prints valid JSON.
[ -n "$AGENT_LOG" ] && echo "call" >> "$AGENT_LOG"
echo 'Sure! The plan is {"feature": "x", "tasks": [ {"id": "a", '
