#!/bin/sh
# playback.sh — not written yet.
exit 77
