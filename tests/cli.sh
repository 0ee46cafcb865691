#!/bin/sh
# cli.sh — the command line: --help, --version, subcommand dispatch, usage
# errors (exit 2, one line on stderr), each subcommand's --help, and the bash
# and zsh completions (driven for real, and checked against each --help).
. "$top_srcdir/tests/lib.sh"

SUBCOMMANDS="check confusion trend regress stats apply merge export"
BASHCOMP=$top_srcdir/contrib/completion/winnow
ZSHCOMP=$top_srcdir/contrib/completion/_winnow

# one_line_error DESCRIPTION COMMAND...: exit 2, one line on stderr, nothing on stdout.
one_line_error() {
	desc=$1; shift
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null; st=$?
	if [ "$st" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && [ ! -s "$TMP/out" ]; then
		pass "$desc"
	else
		fail "$desc (exit $st, $(wc -l <"$TMP/err") lines on stderr, $(wc -c <"$TMP/out") bytes on stdout)"
		sed 's/^/#   /' "$TMP/err" | head -5
	fi
}

# ---- top level ----
expect_status "--help exits 0" 0 "$WINNOW" --help
check "--help prints the usage on stdout" contains "$TMP/out" "usage: winnow"
check "--help prints nothing on stderr" test ! -s "$TMP/err"
for c in $SUBCOMMANDS; do
	check "--help names 'winnow $c'" contains "$TMP/out" "winnow $c"
done
cp "$TMP/out" "$TMP/help"
expect_status "'winnow help' exits 0" 0 "$WINNOW" help
check "'winnow help' is --help" cmp -s "$TMP/out" "$TMP/help"

version=$(sed -n 's/^AC_INIT(\[winnow\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
expect_status "--version exits 0" 0 "$WINNOW" --version
expect_eq "--version prints name and configure's version" "$(cat "$TMP/out")" "winnow $version"

one_line_error "an unknown subcommand" "$WINNOW" frobnicate
check "the message names it" contains "$TMP/err" "'frobnicate'"
check "and points at --help" contains "$TMP/err" "winnow --help"
one_line_error "an unknown subcommand that is not UTF-8" "$WINNOW" "st$(printf '\377')ts"
check "is shown escaped" contains "$TMP/err" "'st\\xffts'"
one_line_error "an unknown option" "$WINNOW" --bogus
one_line_error "a dataset that does not exist" "$WINNOW" "$TMP/no/such/dataset"

# ---- each subcommand ----
# Options a --help lists: the leading "-x, --long" of its option lines.
help_options() {
	awk '/^ +-/ {
		if ($1 ~ /,$/) { s = $1; sub(/,$/, "", s); print s; l = $2 }
		else l = $1
		sub(/=.*/, "", l)
		if (l ~ /^-/) print l
	}' "$1" | sort -u
}
# The options the bash completion offers for a subcommand ("" the browser).
bash_options() {
	bash -c '. "$1"; _winnow_options "$2"' _ "$BASHCOMP" "$1" | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u
}
# The options the zsh completion offers: its `(NAME)` case branch.
zsh_specs() {
	sed 's/([^)]*)//g' | grep -oE "\{-[a-zA-Z]\+?,--[a-zA-Z-]+=?\}|'--[a-zA-Z-]+=?\[" |
		tr -d "{}+='[" | tr ',' '\n' | sort -u
}
zsh_options() {
	awk -v c="($1)" '$1 == c { on = 1; next } on && /;;/ { exit } on' "$ZSHCOMP" | zsh_specs
}
# Not every --help lists -h and --help themselves: compare the others.
same_options() {
	set -- "$1" "$(printf '%s\n' "$2" | grep -vxE -- '-h|--help')" \
		"$(printf '%s\n' "$3" | grep -vxE -- '-h|--help')"
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1"
		printf '%s\n' "$2" >"$TMP/a"
		printf '%s\n' "$3" >"$TMP/b"
		diff "$TMP/a" "$TMP/b" | sed -n 's/^[<>]/#  &/p'
	fi
}

for c in $SUBCOMMANDS; do
	"$WINNOW" "$c" --help >"$TMP/out" 2>"$TMP/err" </dev/null; st=$?
	expect_eq "winnow $c --help exits 0" "$st" 0
	check "winnow $c --help prints its usage on stdout" contains "$TMP/out" "usage: winnow $c"
	check "winnow $c --help prints nothing on stderr" test ! -s "$TMP/err"
	help_options "$TMP/out" >"$TMP/help-$c"
	same_options "bash completion offers winnow $c's options" "$(bash_options "$c")" "$(cat "$TMP/help-$c")"
	same_options "zsh completion offers winnow $c's options" "$(zsh_options "$c")" "$(cat "$TMP/help-$c")"
	one_line_error "winnow $c --bogus" "$WINNOW" "$c" --bogus
	check "winnow $c --bogus names the option" contains "$TMP/err" "--bogus"
done
one_line_error "winnow stats without a dataset" "$WINNOW" stats

# The browser's options, from the top-level --help.
{ help_options "$TMP/help"; printf '%s\n' --help --version; } | sort -u >"$TMP/help-browse"
same_options "bash completion offers the browser's options" "$(bash_options "")" "$(cat "$TMP/help-browse")"
top_zsh=$(awk '/_arguments -C/ { on = 1 } on && /->first/ { exit } on' "$ZSHCOMP" | zsh_specs)
same_options "zsh completion offers the browser's options" "$top_zsh" "$(cat "$TMP/help-browse")"

# ---- bash completion, driven ----
F=$TMP/files
mkdir -p "$F/speech" "$F/more"
: >"$F/labels.csv"; : >"$F/preds.TSV"; : >"$F/journal.yaml"; : >"$F/notes.txt"
# complete_bash WORD...: what bash completes for the last word.
complete_bash() {
	(cd "$F" && bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_winnow; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASHCOMP" "$@") | sed '/^$/d' | sort | tr '\n' ' '
}
check "bash: the file defines the completion" bash -c ". '$BASHCOMP' && complete -p winnow | grep -q _winnow"
expect_eq "bash: 'winnow st'" "$(complete_bash winnow st)" "stats "
expect_eq "bash: 'winnow ' offers subcommands, folders and manifests" "$(complete_bash winnow '')" \
	"apply check confusion export labels.csv merge more preds.TSV regress speech stats trend "
expect_eq "bash: 'winnow stats -'" "$(complete_bash winnow stats -)" \
	"--durations --format --help -d -f -h "
expect_eq "bash: 'winnow stats --format '" "$(complete_bash winnow stats --format '')" "json text tsv "
expect_eq "bash: 'winnow stats -d sp'" "$(complete_bash winnow stats -d sp)" "speech "
expect_eq "bash: 'winnow -p '" "$(complete_bash winnow -p '')" "labels.csv more preds.TSV speech "
expect_eq "bash: 'winnow -p preds.TSV --'" "$(complete_bash winnow -p preds.TSV --)" \
	"--embeddings --help --journal --predictions --trace --version "
expect_eq "bash: 'winnow apply '" "$(complete_bash winnow apply '')" "journal.yaml more speech "
expect_eq "bash: 'winnow apply --undo j'" "$(complete_bash winnow apply --undo j)" "journal.yaml "
expect_eq "bash: 'winnow export --r'" "$(complete_bash winnow export --r)" "--rogues "
expect_eq "bash: 'winnow export -r ' offers journals: -r takes no value there" \
	"$(complete_bash winnow export -r '')" "journal.yaml more speech "
expect_eq "bash: 'winnow regress -r ' offers any file, the list" \
	"$(complete_bash winnow regress -r '')" "journal.yaml labels.csv more notes.txt preds.TSV speech "
expect_eq "bash: 'winnow regress --baseline '" "$(complete_bash winnow regress --baseline '')" \
	"labels.csv more preds.TSV speech "
expect_eq "bash: 'winnow trend speech '" "$(complete_bash winnow trend speech '')" \
	"labels.csv more preds.TSV speech "
expect_eq "bash: 'winnow confusion --split va'" "$(complete_bash winnow confusion --split va)" \
	"val valid validation "

# ---- zsh completion, driven in a terminal ----
if command -v zsh >/dev/null 2>&1 && command -v tmux >/dev/null 2>&1; then
	check "zsh: the file parses" zsh -n "$ZSHCOMP"
	tmux_start 120 30 zsh -f
	tmux_keys "PS1='%% '; cd '$F'; fpath=('$top_srcdir/contrib/completion' \$fpath); autoload -Uz compinit; compinit -u -D; zstyle ':completion:*' list-prompt ''" Enter
	tmux_keys "clear" Enter
	tmux_keys "winnow st" Tab
	check "zsh: 'winnow st' completes to stats" screen_wait "% winnow stats"
	tmux_keys -- "--" Tab
	check "zsh: stats options are listed: --durations" screen_wait "--durations"
	check "zsh: and --format" screen_wait "--format"
	tmux_keys C-u "clear" Enter
	tmux_keys "winnow stats --format " Tab
	check "zsh: formats of stats are listed" screen_wait "json"
	check "zsh: text among them" screen_wait "text"
	tmux_keys C-u "clear" Enter
	tmux_keys "winnow apply " Tab
	check "zsh: apply offers the journal" screen_wait "journal.yaml"
	check "zsh: and no other files" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t t: | grep -qE 'notes.txt|labels.csv'"
	tmux_keys C-u "clear" Enter
	tmux_keys "winnow con" Tab
	check "zsh: 'winnow con' completes to confusion" screen_wait "% winnow confusion"
	tmux_stop
else
	echo "# zsh or tmux missing: zsh completion not driven"
fi

finish
