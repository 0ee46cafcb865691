# tests/lib.sh — shared by the shell tests: a private temporary folder,
# assertions, and a private tmux server to drive the real binary.
#
#   . "$top_srcdir/tests/lib.sh"
#   tmux_start 100 30 "$WINNOW" "$dataset"
#   tmux_keys j j Space
#   screen_wait 'playing'      # waits up to $WAIT_SECONDS for text on screen
#   tmux_stop
#   finish                     # exits 0, or 1 when an assertion failed

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${WINNOW:=$top_builddir/src/winnow}"
: "${WAIT_SECONDS:=10}"
export LC_ALL=C.UTF-8 TERM=xterm-256color
unset NO_COLOR
# Debian's tools, not stand-ins earlier on PATH.
PATH=/usr/bin:/bin:$PATH
PYTHON=/usr/bin/python3

TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/winnow-$TEST_NAME.XXXXXX")
TMUX_SOCKET="winnow-test-$$"
FAILED=0
CHECKS=0
# A private HOME and XDG folders: no user config leaks into a test.
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" \
	XDG_STATE_HOME="$TMP/home/.local/state" XDG_CACHE_HOME="$TMP/home/.cache"
mkdir -p "$HOME" "$XDG_CONFIG_HOME"

cleanup() {
	tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
	if [ "$FAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		chmod -R u+rwx "$TMP" 2>/dev/null
		rm -rf "$TMP"
	else
		echo "# files kept in $TMP" >&2
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

pass() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILED=$((FAILED + 1)); echo "not ok $CHECKS - $*"; }
skip() { echo "SKIP: $*"; exit 77; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	desc=$1; shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}
# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
# expect_status DESCRIPTION WANT COMMAND...: the command's exit status.
expect_status() {
	desc=$1 want=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"; got=$?
	if [ "$got" = "$want" ]; then pass "$desc"; else
		fail "$desc (exit $got, want $want)"; sed 's/^/#   /' "$TMP/err" | head -5; fi
}
# contains FILE TEXT: grep -F
contains() { grep -qF -- "$2" "$1"; }

finish() {
	echo "# $CHECKS checks, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$CHECKS" -gt 0 ]
	exit $?
}

need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

# ---- the real binary in a private tmux server ----

# tmux_start COLS ROWS COMMAND...: start COMMAND in a detached session.
tmux_start() {
	cols=$1 rows=$2; shift 2
	: >"$TMP/cmd"
	for a in "$@"; do printf "'%s' " "$(printf %s "$a" | sed "s/'/'\\\\''/g")" >>"$TMP/cmd"; done
	# Keep the pane after the program exits, to see how it left the terminal;
	# set in the server's configuration, before the program starts, so that
	# a program that exits at once is kept too.
	echo "set-option -g remain-on-exit on" >"$TMP/tmux.conf"
	tmux -L "$TMUX_SOCKET" -f "$TMP/tmux.conf" new-session -d -s t -x "$cols" -y "$rows" \
		"exec env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' $(cat "$TMP/cmd") 2>'$TMP/stderr'"
}
tmux_keys() { tmux -L "$TMUX_SOCKET" send-keys -t t "$@"; }
tmux_resize() { tmux -L "$TMUX_SOCKET" resize-window -t t -x "$1" -y "$2"; }
screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t t; }
# screen_wait TEXT: wait until TEXT (fixed string) is on screen; 1 on time-out.
screen_wait() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "# timed out waiting for '$1'; screen was:" >&2
	screen | sed 's/^/#   /' >&2
	return 1
}
# screen_gone TEXT: wait until TEXT is no longer on screen.
screen_gone() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.05
	done
	return 1
}
# pane_dead: has the program exited? (prints its status)
pane_dead() { tmux -L "$TMUX_SOCKET" display-message -p -t t '#{pane_dead} #{pane_dead_status}'; }
wait_exit() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		case "$(pane_dead)" in 1*) break ;; esac
		sleep 0.05
	done
	case "$(pane_dead)" in 1*) ;; *) return 1 ;; esac
	# tmux may see the terminal close a moment before it collects the exit
	# status (and misses it for a program that exits at once).
	n=0
	while [ $n -lt 20 ] && [ -z "$(tmux -L "$TMUX_SOCKET" display-message -p -t t \
	    '#{pane_dead_status}#{pane_dead_signal}')" ]; do
		sleep 0.05
		n=$((n + 1))
	done
	return 0
}
# alternate_screen: 1 while the program holds the alternate screen.
alternate_screen() { tmux -L "$TMUX_SOCKET" display-message -p -t t '#{alternate_on}'; }
tmux_stop() { tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null; }

# ---- fixtures made by real tools ----

# speak WORD OUT.wav [VOICE] [RATE]: espeak-ng speech as 16 kHz mono 16-bit,
# padded or cut to exactly one second, like Speech Commands.
speak() {
	espeak-ng -v "${3:-en}" -s "${4:-160}" -w "$TMP/speak.$$.wav" "$1" &&
	sox -q "$TMP/speak.$$.wav" -r 16000 -c 1 -b 16 "$2" pad 0.1 1 trim 0 1 &&
	rm -f "$TMP/speak.$$.wav"
}
