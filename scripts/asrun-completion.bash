# bash completion for asrun (installed as share/bash-completion/completions/asrun).
# Options come from `asrun --help` itself, so they are always the binary's; the names of
# profiles, policies and scenarios from the installed share/asrun/ beside the binary.
# Works with or without the bash-completion package.

# The .lua names in the installed share/asrun/SUB beside the asrun on $PATH.
_asrun_installed_names() {
  local bin dir f
  bin=$(command -v "${COMP_WORDS[0]:-asrun}" 2>/dev/null) || return 0
  bin=$(readlink -f "$bin" 2>/dev/null) || return 0
  dir="${bin%/*}/../share/asrun/$1"
  for f in "$dir"/*.lua; do
    [ -e "$f" ] || continue
    f=${f##*/}
    printf '%s\n' "${f%.lua}"
  done
}

# Every --flag that `asrun [lab|history] --help` prints.
_asrun_options() {
  "${COMP_WORDS[0]:-asrun}" "$@" --help 2>/dev/null |
    grep -oE -- '(^|[ ,[])--?[A-Za-z][A-Za-z-]*' | sed -E 's/^[ ,[]//' | sort -u
}

_asrun_files() { # $@: glob patterns of the files offered (directories always are)
  local IFS=$'\n' pattern
  COMPREPLY+=($(compgen -d -- "$cur"))
  for pattern in "$@"; do
    COMPREPLY+=($(compgen -f -X "!$pattern" -- "$cur"))
  done
  compopt -o filenames 2>/dev/null
}

_asrun() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  local sub=() words
  COMPREPLY=()
  if [ "$COMP_CWORD" -gt 1 ]; then
    case "${COMP_WORDS[1]}" in
      lab) sub=(lab) ;;
      history|recommend|report) sub=(history) ;; # one --help for the three
    esac
  fi
  case "$prev" in
    --profile|--auto-scaling-profile)
      words=$(_asrun_installed_names profiles)
      [ -n "$words" ] || words="conservative balanced aggressive"
      COMPREPLY=($(compgen -W "$words" -- "$cur")); _asrun_files '*.lua'; return 0 ;;
    --policy)
      words="hill rules aimd gradient usl bulk_executor"
      COMPREPLY=($(compgen -W "$words" -- "$cur")); _asrun_files '*.lua'; return 0 ;;
    --scenario)
      COMPREPLY=($(compgen -W "$(_asrun_installed_names scenarios)" -- "$cur"))
      _asrun_files '*.lua'; return 0 ;;
    --mode) COMPREPLY=($(compgen -W "insert upsert merge delete" -- "$cur")); return 0 ;;
    --copy-indexes) COMPREPLY=($(compgen -W "before after" -- "$cur")); return 0 ;;
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
    --metrics-listen) COMPREPLY=($(compgen -W "127.0.0.1:9464" -- "$cur")); return 0 ;;
    --write-concern) COMPREPLY=($(compgen -W "majority 0 1" -- "$cur")); return 0 ;;
    --target)
      COMPREPLY=($(compgen -W "file: null: mongodb:// sim:" -- "$cur"))
      compopt -o nospace 2>/dev/null; return 0 ;;
    --uri)
      COMPREPLY=($(compgen -W "mongodb:// mongodb+srv://" -- "$cur"))
      compopt -o nospace 2>/dev/null; return 0 ;;
    --type) COMPREPLY=($(compgen -W "jsonl json bson" -- "$cur")); return 0 ;;
    --json-format|--jsonFormat) COMPREPLY=($(compgen -W "relaxed canonical" -- "$cur")); return 0 ;;
    --file) _asrun_files '*.json' '*.jsonl' '*.ndjson' '*.bson' '*.gz'; return 0 ;;
    --strategy) _asrun_files '*.lua'; return 0 ;;
    --report) _asrun_files '*.html'; return 0 ;;
    --source) _asrun_files '*.json' '*.jsonl' '*.bson' '*.gz'; return 0 ;;
    --csv) local IFS=$'\n'; COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null
      return 0 ;;
    --summary-json|--dead-letter|--checkpoint) _asrun_files '*'; return 0 ;;
    --json) [ "${sub[0]}" = history ] || _asrun_files '*'; return 0 ;; # history's is a switch
    --history) _asrun_files '*.sqlite' '*.db'; return 0 ;;
    -o|--output) _asrun_files '*.html'; return 0 ;;
    --collection|-c|--db|-d|--mgodatagen-collection|--upsertFields|--numInsertionWorkers|\
    -n|--number|--total|--seed|--now|--keys|--retry-for|--filter|--projection|--max-errors|\
    --checkpoint-every|--workers|--batch-size|--queue-size|--instruction-budget|--min-workers|\
    --max-workers|--min-batch-size|--max-batch-size|--check-interval|--cooldown|--scaling|\
    --limit)
      return 0 ;; # a value of the user's own
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_asrun_options "${sub[@]}")" -- "$cur"))
    return 0
  fi
  case "${COMP_WORDS[1]}" in
    lab|history|report) [ "$COMP_CWORD" -gt 1 ] && return 0 ;; # options, a run id
  esac
  [ "$COMP_CWORD" -eq 1 ] && COMPREPLY=($(compgen -W "lab history recommend report" -- "$cur"))
  _asrun_files '*.lua'
}

complete -F _asrun asrun
