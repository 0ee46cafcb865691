#!/bin/sh
# screen-browse.sh — not written yet.
exit 77
