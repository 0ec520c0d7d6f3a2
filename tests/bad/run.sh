#!/usr/bin/env bash
# The bad-input corpus: every directory under tests/bad/ is one case, run with the asrun
# binary given, and must end with its exit code and message, without a crash or a sanitizer
# report. Usage: tests/bad/run.sh ASRUN_BIN [CASE_DIR...] (default: every case).
#
# A case is a directory holding case.txt and the input files it names. case.txt has one
# "key: value" a line ('#' starts a comment):
#   args:      the command line after the binary, as shell words (run from a scratch copy of
#              the case directory)
#   setup:     a shell command run there first, for inputs too big or too binary to keep
#              in the repository (repeatable)
#   exit:      the expected exit code
#   message:   a fragment stderr must contain (repeatable: all of them)
#   not:       a fragment neither stdout nor stderr may contain (repeatable), e.g. a password
#   absent:    a file that must not exist afterwards (repeatable)
#   unchanged: an input file that must be byte-identical afterwards (repeatable)
# A sanitizer report (AddressSanitizer, LeakSanitizer, UBSan's "runtime error") fails the
# case whatever the exit code; ASAN_OPTIONS and UBSAN_OPTIONS make the first one fatal.
set -uo pipefail
BIN="$(realpath "$1")"
shift
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ $# -eq 0 ]; then
  set -- "$HERE"/*/
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=87}"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/asrun-bad.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
# The cases' runs record into a history in the scratch directory, not the user's ~/.local/state.
export XDG_STATE_HOME="$SCRATCH/state"

failed=0
total=0
for dir in "$@"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  [ -f "$dir/case.txt" ] || continue
  total=$((total + 1))
  work="$SCRATCH/$name"
  cp -r "$dir" "$work"
  mkdir -p "$work/.orig" && cp -r "$dir"/. "$work/.orig/"
  args="" want_exit="" problems=()
  messages=() nots=() absents=() unchangeds=() setups=()
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%:*}"
    value="${line#*:}"
    value="${value# }"
    case "$key" in
      args) args="$value" ;;
      exit) want_exit="$value" ;;
      message) messages+=("$value") ;;
      not) nots+=("$value") ;;
      absent) absents+=("$value") ;;
      unchanged) unchangeds+=("$value") ;;
      setup) setups+=("$value") ;;
      *) problems+=("case.txt: unknown key '$key'") ;;
    esac
  done < "$dir/case.txt"
  [ -n "$want_exit" ] || problems+=("case.txt: no exit line")
  for s in "${setups[@]}"; do
    (cd "$work" && bash -c "$s") || problems+=("setup failed: $s")
  done
  eval "argv=($args)"
  (cd "$work" && timeout 120 "$BIN" "${argv[@]}" > "$work/.stdout" 2> "$work/.stderr")
  code=$?
  err="$(cat "$work/.stderr")"
  out="$(cat "$work/.stdout")"
  [ "$code" = "$want_exit" ] || problems+=("exit code $code, want $want_exit")
  for m in "${messages[@]}"; do
    [[ "$err" == *"$m"* ]] || problems+=("stderr lacks: $m")
  done
  for m in "${nots[@]}"; do
    [[ "$err$out" != *"$m"* ]] || problems+=("output shows: $m")
  done
  for a in "${absents[@]}"; do
    [ ! -e "$work/$a" ] || problems+=("$a exists")
  done
  for u in "${unchangeds[@]}"; do
    cmp -s "$work/$u" "$work/.orig/$u" || problems+=("$u changed")
  done
  for s in "AddressSanitizer" "LeakSanitizer" "runtime error" "Segmentation fault"; do
    [[ "$err" != *"$s"* ]] || problems+=("sanitizer or crash report: $s")
  done
  if [ ${#problems[@]} -gt 0 ]; then
    failed=$((failed + 1))
    echo "FAIL $name"
    for p in "${problems[@]}"; do echo "  $p"; done
    echo "  stderr: $(head -c 2000 "$work/.stderr")"
  else
    echo "ok   $name"
  fi
  rm -rf "$work"
done
echo "bad-input corpus: $((total - failed)) of $total cases passed"
[ "$total" -gt 0 ] && [ "$failed" -eq 0 ]
