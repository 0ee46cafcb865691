#!/bin/sh
# screen-resize.sh — not written yet.
exit 77
