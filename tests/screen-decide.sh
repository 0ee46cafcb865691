#!/bin/sh
# screen-decide.sh — not written yet.
exit 77
