#!/bin/sh
# Fake planning agent: answers like `claude --output-format json`, with the plan in "result".
# The description records how many arguments it got, to prove the prompt is ONE argument.
[ -n "$AGENT_LOG" ] && echo "call" >> "$AGENT_LOG"
cat <<JSON
{"type": "result", "usage": {"total_tokens": 1234},
 "result": "Here is the plan:\n\`\`\`json\n{\"feature\": \"search\", \"description\": \"argc=$#\", \"budget\": 500000, \"tasks\": [{\"id\": \"index\", \"type\": \"backend\", \"prompt\": \"Build the index\", \"artifacts\": [\"src/index/\"]}, {\"id\": \"ui\", \"type\": \"frontend\", \"prompt\": \"Build the search box\", \"artifacts\": [\"web/search/\"]}, {\"id\": \"e2e\", \"type\": \"tests\", \"prompt\": \"Test search\", \"depends_on\": [\"index\", \"ui\"]}]}\n\`\`\`"}
JSON
