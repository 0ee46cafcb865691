# tests/lib.sh — shared by the shell tests: a private temporary folder,
# assertions, and a private tmux server to drive the real binary.
#
#   . "$top_srcdir/tests/lib.sh"
#   tmux_start 100 30 "$WINNOW" "$dataset"
#   tmux_keys j j Space
#   screen_wait 'playing'      # waits up to $WAIT_SECONDS for text on screen
#   tmux_keys q
#   expect_exit "q quits" 0    # the program's exit status
#   tmux_stop
#   finish                     # exits 0, or 1 when an assertion failed
#
# Waits end as soon as what they wait for happens: WAIT_SECONDS is only how
# long to wait for something that does not happen, and is generous for a
# loaded machine and a sanitizer build.

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${WINNOW:=$top_builddir/src/winnow}"
: "${WAIT_SECONDS:=30}"
export LC_ALL=C.UTF-8 TERM=xterm-256color
unset NO_COLOR
# Debian's tools, not stand-ins earlier on PATH.
PATH=/usr/bin:/bin:$PATH
PYTHON=/usr/bin/python3

TEST_NAME=$(basename "$0" .sh)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/winnow-$TEST_NAME.XXXXXX")
TMUX_SOCKET="winnow-test-$$"
# tmux leaves its socket behind when its server ends: make it in $TMP, when
# the path fits in a socket address.
[ ${#TMP} -lt 64 ] && export TMUX_TMPDIR="$TMP"
FAILED=0
CHECKS=0
# A private HOME and XDG folders: no user config leaks into a test. The
# temporary files of the tools a test runs (sound libraries make a pulse-*
# folder) go in $TMP too, and go with it.
export HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/home/.config" \
	XDG_STATE_HOME="$TMP/home/.local/state" XDG_CACHE_HOME="$TMP/home/.cache" \
	XDG_RUNTIME_DIR="$TMP/run" TMPDIR="$TMP/tmp"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$TMPDIR"
mkdir -m 700 "$XDG_RUNTIME_DIR"

cleanup() {
	status=$?
	reap_panes || { fail "the programs in tmux ended when it hung up"; status=1; }
	if [ "$FAILED" -eq 0 ] && [ -z "${KEEP_TMP:-}" ]; then
		chmod -R u+rwx "$TMP" 2>/dev/null
		rm -rf "$TMP"
	else
		echo "# files kept in $TMP" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

SANITIZER_REPORT='ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:'
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
	reap_panes || fail "the programs in tmux ended when it hung up"
	# Reports of the sanitizers (an --enable-asan build) from a program that
	# ran in tmux: in its log while it held the screen, else on its stderr.
	for f in "$XDG_STATE_HOME/winnow/winnow.log" "$TMP/stderr"; do
		[ -f "$f" ] && grep -q "$SANITIZER_REPORT" "$f" || continue
		fail "a sanitizer report in $f"
		grep "$SANITIZER_REPORT" "$f" | head -5 | sed 's/^/#   /'
	done
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

# The pane runs its command through pane-run, which writes the command's
# exit status to $TMP/exit-status (and the terminal's modes after it to
# $TMP/stty) when it ends: tmux 3.3a sometimes never collects a program that
# has exited, so #{pane_dead_status} cannot be relied on.
cat >"$TMP/pane-run" <<'EOF'
dir=$1
shift
"$@"
status=$?
stty -a >"$dir/stty" 2>/dev/null
echo "$status" >"$dir/exit-status.new" && mv -f "$dir/exit-status.new" "$dir/exit-status"
EOF
PANE_ID=

# tmux_start COLS ROWS COMMAND...: start COMMAND in a detached session
# (after ending the one before, if any).
tmux_start() {
	cols=$1 rows=$2; shift 2
	tmux_stop
	rm -f "$TMP/exit-status" "$TMP/stty"
	: >"$TMP/cmd"
	for a in "$@"; do printf "'%s' " "$(printf %s "$a" | sed "s/'/'\\\\''/g")" >>"$TMP/cmd"; done
	# Keep the pane after the program exits, to see how it left the terminal;
	# set in the server's configuration, before the program starts, so that
	# a program that exits at once is kept too.
	echo "set-option -g remain-on-exit on" >"$TMP/tmux.conf"
	tmux -L "$TMUX_SOCKET" -f "$TMP/tmux.conf" new-session -d -s t -x "$cols" -y "$rows" \
		"exec env HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' sh '$TMP/pane-run' '$TMP' $(cat "$TMP/cmd") 2>'$TMP/stderr'"
	PANE_ID=$(tmux -L "$TMUX_SOCKET" display-message -p -t t: '#{pane_id}')
}
tmux_keys() { tmux -L "$TMUX_SOCKET" send-keys -t t: "$@"; }
tmux_resize() { tmux -L "$TMUX_SOCKET" resize-window -t t: -x "$1" -y "$2"; }
# screen [-e]: the screen's text (-e: with its colours and attributes).
screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t t: "$@"; }
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
# not_on_screen REGEX: the screen, once settled, has no match of REGEX (-E).
not_on_screen() {
	screen_settled | grep -E -- "$1" | sed 's/^/#   /' >&2
	! screen_settled | grep -qE -- "$1"
}
# screen_gone TEXT: wait until TEXT is no longer on screen.
screen_gone() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.05
	done
	echo "# timed out waiting for '$1' to go; screen was:" >&2
	screen | sed 's/^/#   /' >&2
	return 1
}
# screen_settled [-e]: the screen once two captures in a row agree (a
# capture may catch a frame that tmux has only partly received).
screen_settled() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	settled=$(screen "$@")
	while [ "$(date +%s)" -le "$end" ]; do
		sleep 0.1
		prev=$settled
		settled=$(screen "$@")
		[ "$settled" = "$prev" ] && break
	done
	printf '%s\n' "$settled"
}
# wait_for COMMAND...: wait until COMMAND succeeds; 1 on time-out.
# select_clip DESCRIPTION DIR PATH TOTAL: from another pane, the file
# pane's selection moved to PATH, a clip of DIR (its row in path order,
# rather than a walk with keys a slow redraw could outrun), and checked
# in the pane's counter (of TOTAL).
select_clip() {
	n=$(cd "$2" && ls */*.wav | LC_ALL=C sort | grep -nxF "$3" | cut -d: -f1)
	tmux_keys Tab g $(yes j | head -n $((n - 1)))
	check "$1" screen_wait " $n/$4 "
}
wait_for() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		"$@" && return 0
		sleep 0.05
	done
	echo "# timed out waiting for: $*" >&2
	return 1
}
# expect_soon DESCRIPTION WANT COMMAND...: passes once COMMAND prints WANT
# (the screen catches up with keys at its own pace); fails after
# WAIT_SECONDS with what it printed last.
expect_soon() {
	soon_desc=$1 soon_want=$2; shift 2
	soon_end=$(( $(date +%s) + WAIT_SECONDS ))
	while :; do
		soon_got=$("$@")
		[ "$soon_got" = "$soon_want" ] && { pass "$soon_desc"; return 0; }
		[ "$(date +%s)" -le "$soon_end" ] || break
		sleep 0.05
	done
	fail "$soon_desc (waited $WAIT_SECONDS s)"
	printf '#   got:  %s\n#   want: %s\n' "$soon_got" "$soon_want"
	return 1
}
# pane_dead: "1 STATUS" once the program in the pane has ended (STATUS is
# empty when its status is unknown), "0 " while it runs.
pane_dead() {
	set -- $(tmux -L "$TMUX_SOCKET" display-message -p -t t: '#{pane_id} #{pane_dead} #{pane_dead_status}')
	if [ "${1:-}" = "$PANE_ID" ]; then
		# Started by tmux_start: pane-run has the status.
		if [ -f "$TMP/exit-status" ]; then
			echo "1 $(cat "$TMP/exit-status")"
		else
			echo "${2:-1} "   # dead without a status: pane-run was killed
		fi
	else
		echo "${2:-1} ${3:-}"   # a pane the test made itself
	fi
}
# wait_exit: wait until the program in the pane has ended; 1 on time-out.
wait_exit() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		case "$(pane_dead)" in 1*) return 0 ;; esac
		sleep 0.05
	done
	echo "# timed out waiting for the program to end; screen was:" >&2
	screen | sed 's/^/#   /' >&2
	return 1
}
# exit_status: the exit status of the program tmux_start started, once it
# has ended (128+N when signal N ended it); empty before.
exit_status() { cat "$TMP/exit-status" 2>/dev/null; }
# expect_exit DESCRIPTION STATUS: the program ends, with STATUS.
expect_exit() {
	if wait_exit; then expect_eq "$1" "$(exit_status)" "$2"; else fail "$1 (still running)"; fi
}
# program_pid: the process id of the command tmux_start started.
program_pid() {
	pgrep -P "$(tmux -L "$TMUX_SOCKET" display-message -p -t "${PANE_ID:-t}" '#{pane_pid}')"
}
# alternate_screen: 1 while the program holds the alternate screen.
alternate_screen() { tmux -L "$TMUX_SOCKET" display-message -p -t t: '#{alternate_on}'; }

# reap_panes: end the private tmux server, then wait for what ran in its
# panes to end, as programs must when their terminal hangs up: the next
# program starts alone (a journal's lock) and nothing is left running.
# What is still running after WAIT_SECONDS is named and killed; 1 then.
reap_panes() {
	sids=$(tmux -L "$TMUX_SOCKET" list-panes -a -F '#{pane_pid}' 2>/dev/null)
	tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
	PANE_ID=
	[ -n "$sids" ] || return 0
	# Every process of the panes' sessions (each pane is a session).
	pids=$(ps -e -o sid=,pid= | awk -v s=" $(echo $sids) " 'index(s, " " $1 " ") { print $2 }')
	[ -n "$pids" ] || return 0
	pids=$(echo $pids | tr ' ' ,)
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		[ -z "$(not_zombies "$pids")" ] && return 0
		sleep 0.05
	done
	echo "# still running $WAIT_SECONDS s after their terminal hung up (killed now):" >&2
	not_zombies "$pids" | sed 's/^/#   /' >&2
	kill -9 $(not_zombies "$pids" | awk '{ print $1 }') 2>/dev/null
	return 1
}
# not_zombies PID,...: those still running or stopped, with their commands.
not_zombies() { ps -o pid=,stat=,args= -p "$1" | awk '$2 !~ /^Z/'; }
tmux_stop() { reap_panes || fail "the programs in tmux ended when it hung up"; }

# ---- fixtures made by real tools ----

# speak WORD OUT.wav [VOICE] [RATE]: espeak-ng speech as 16 kHz mono 16-bit,
# padded or cut to exactly one second, like Speech Commands.
speak() {
	espeak-ng -v "${3:-en}" -s "${4:-160}" -w "$TMP/speak.$$.wav" "$1" &&
	sox -q "$TMP/speak.$$.wav" -r 16000 -c 1 -b 16 "$2" pad 0.1 1 trim 0 1 &&
	rm -f "$TMP/speak.$$.wav"
}
