#!/bin/sh
# demo.sh — not written yet.
exit 77
