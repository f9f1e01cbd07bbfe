#!/bin/sh
# Fake planning agent that never answers.
exec sleep 60
