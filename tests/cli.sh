#!/bin/sh
# cli.sh — not written yet.
exit 77
