#!/usr/bin/env bash
# Install test (ctest install.prefix): `cmake --install BUILD --prefix TMP` into a temporary
# prefix, then the installed asrun run from an unrelated directory with no ASRUN_* variables:
# it must find its Lua modules, profiles and scenarios under TMP/share/asrun (files planted
# there only prove it), generate from an installed template and run an installed example
# strategy; its --help options must all be in the man page, which must render without
# warnings; the bash completion must complete them; `cpack -G DEB` must make a package whose
# Depends name the packages of every library the binary links.
# Usage: tests/install.sh BUILD_DIR [SAN_RUNTIME_TO_PRELOAD_FOR_LUA]
set -euo pipefail
BUILD=$(cd "$1" && pwd)
LUA_PRELOAD="${2:-}"

fails=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...: passes when the command does
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

# outside the build and source trees, as a user's install would be
SCRATCH=$(mktemp -d /tmp/asrun-install.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
P="$SCRATCH/prefix"   # the install
WORK="$SCRATCH/work"  # the unrelated directory runs start in
mkdir -p "$WORK"

cmake --install "$BUILD" --prefix "$P" > "$SCRATCH/install.log" || { cat "$SCRATCH/install.log"; exit 1; }

for f in bin/asrun share/asrun/lua/asrun/init.lua share/asrun/lua/asrun/policies/hill.lua \
         share/asrun/profiles/balanced.lua share/asrun/scenarios/slow_start.lua \
         share/doc/asrun/examples/strategies/generate_orders.lua \
         share/doc/asrun/examples/templates/service_order.json share/man/man1/asrun.1.gz \
         share/bash-completion/completions/asrun lib/lua/5.4/asrun/core.so \
         share/doc/asrun/grafana/asrun-dashboard.json; do
  [ -e "$P/$f" ] || fail "installed $f"
done
[ -x "$P/bin/asrun" ] || { echo "FAIL: no executable $P/bin/asrun"; exit 1; }

# No ASRUN_* or AUTO_SCALING_* variable reaches the installed binary.
unset $(compgen -e | grep -E '^(ASRUN_|AUTO_SCALING_)') 2>/dev/null || true
EXAMPLES="$P/share/doc/asrun/examples"
asrun() { "$P/bin/asrun" "$@"; }
lines() { wc -l < "$1" | tr -d ' '; }
cd "$WORK"

# 1. A generation from the installed template, auto-scaled with the balanced profile.
if asrun --source "$EXAMPLES/templates/service_order.json" --total 250 --seed 7 \
     --target file:orders.jsonl --profile balanced > gen.log 2>&1; then
  check "generation from the installed template writes 250 documents" test "$(lines orders.jsonl)" = 250
else
  cat gen.log; fail "generation from the installed template with --profile balanced"
fi

# 2. The installed files are the ones used, not the source tree's: a changed limit in the
#    installed balanced profile, a scenario and a Lua module found only there.
sed -i 's/max_workers = 30,/max_workers = 29,/' "$P/share/asrun/profiles/balanced.lua"
asrun --source "$EXAMPLES/templates/service_order.json" --total 10 --target null: \
  --profile balanced --dry-run > plan.txt 2>&1 || true
check "the installed profiles are read (plan says workers 1..29)" grep -q "workers 1\.\.29" plan.txt
cp "$P/share/asrun/scenarios/slow_start.lua" "$P/share/asrun/scenarios/installed_only.lua"
if asrun --source "$EXAMPLES/templates/service_order.json" --total 100 \
     --target sim:installed_only > sim.log 2>&1; then
  ok "the installed scenarios are read (sim:installed_only)"
else
  cat sim.log; fail "the installed scenarios are read (sim:installed_only)"
fi
echo 'return "from the installed tree"' > "$P/share/asrun/lua/asrun/install_marker.lua"
cat > marker.lua <<'EOF'
local marker = require("asrun.install_marker")
return {
  name = "marker",
  source = { kind = "template", path = "template.json" },
  total = 3,
  target = "null:",
  on_start = function() print("marker: " .. marker) end,
}
EOF
echo '{"n": "$integer"}' > template.json
asrun marker.lua > marker.log 2>&1 || true
check "the installed Lua modules are read (require finds install_marker)" \
  grep -q "marker: from the installed tree" marker.log

# 3. The installed example strategies: generate_orders (its template found as
#    ../templates/ beside it), then migrate_fields (require("asrun"), fields in C) on its output.
if asrun "$EXAMPLES/strategies/generate_orders.lua" --total 400 > orders.log 2>&1; then
  check "generate_orders.lua writes 400 documents" test "$(lines out/generate_orders.jsonl)" = 400
else
  cat orders.log; fail "the installed generate_orders.lua strategy"
fi
if asrun "$EXAMPLES/strategies/migrate_fields.lua" > fields.log 2>&1; then
  check "migrate_fields.lua writes its BSON file" test -s out/orders_fields.bson
else
  cat fields.log; fail "the installed migrate_fields.lua strategy"
fi

# 4. The Lua module from a plain lua5.4 with the installed paths.
if command -v lua5.4 > /dev/null; then
  got=$(LD_PRELOAD="$LUA_PRELOAD" ASAN_OPTIONS=detect_leaks=0 \
        LUA_PATH="$P/share/asrun/lua/?.lua;$P/share/asrun/lua/?/init.lua;;" \
        LUA_CPATH="$P/lib/lua/5.4/?.so;;" \
        lua5.4 -e 'print(package.searchpath("asrun.core", package.cpath), require("asrun").version())' 2>&1) || true
  check "lua5.4 loads the installed asrun module ($got)" \
    test "$got" = "$P/lib/lua/5.4/asrun/core.so	$("$P/bin/asrun" --version | cut -d' ' -f2)"
fi

# 5. The man page: every option of `asrun --help`, `asrun lab --help` and `asrun history
#    --help` is in it, and it renders without a warning.
MAN="$P/share/man/man1/asrun.1.gz"
# roff writes "-" as "\-"; the option names as a reader sees them
zcat "$MAN" | sed 's/\\-/-/g' > man.txt
missing=""
for opt in $( { asrun --help; asrun lab --help; asrun history --help; } | grep -oE -- '(^|[ ,[])--?[A-Za-z][A-Za-z-]*' |
              sed -E 's/^[ ,[]//' | sort -u); do
  grep -qE -- "(^|[^A-Za-z-])$opt([^A-Za-z-]|$)" man.txt || missing="$missing $opt"
done
check "every option of --help is in asrun.1${missing:+ (missing:$missing)}" test -z "$missing"
if command -v groff > /dev/null; then
  zcat "$MAN" | groff -man -Tutf8 -ww -z > groff.log 2>&1 || true
  check "groff renders asrun.1 without warnings" test ! -s groff.log
  [ -s groff.log ] && cat groff.log
fi
if command -v man > /dev/null; then
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" > man.out 2> man.err || true
  check "man -l renders asrun.1 (NAME, OPTIONS, ENVIRONMENT) without warnings" \
    bash -c '[ ! -s man.err ] && grep -q "^NAME" man.out && grep -q "ASRUN_PROFILES_DIR" man.out'
  [ -s man.err ] && cat man.err
fi

# 6. The bash completion, sourced in a bash without bash-completion's helpers.
complete_words() { # complete_words WORD...: what the completion offers for the last word
  PATH="$P/bin:$PATH" bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _asrun; printf "%s\n" "${COMPREPLY[@]}"' _ "$P/share/bash-completion/completions/asrun" "$@"
}
check "completion: asrun --pro -> --profile, --projection" \
  test "$(complete_words asrun --pro | sort | tr '\n' ' ')" = "--profile --projection "
check "completion: asrun --prof -> --profile" test "$(complete_words asrun --prof)" = "--profile"
check "completion: asrun --profile b -> balanced" test "$(complete_words asrun --profile b)" = "balanced"
check "completion: asrun lab --scen -> --scenario" test "$(complete_words asrun lab --scen)" = "--scenario"
check "completion: asrun lab --scenario slow -> slow_start" \
  test "$(complete_words asrun lab --scenario slow)" = "slow_start"
check "completion: asrun hi -> history" test "$(complete_words asrun hi)" = "history"
check "completion: asrun history --li -> --limit" test "$(complete_words asrun history --li)" = "--limit"
check "completion: asrun --start -> --start-from-history" \
  test "$(complete_words asrun --start)" = "--start-from-history"
mkdir -p strat && touch strat/mine.lua strat/notes.txt
check "completion: a strategy file" test "$(complete_words asrun strat/m)" = "strat/mine.lua"

# 7. The Debian package, built into the scratch directory (not installed).
if command -v cpack > /dev/null && command -v dpkg-deb > /dev/null; then
  if cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$SCRATCH/deb" > cpack.log 2>&1; then
    deb=$(ls "$SCRATCH"/deb/asrun_*.deb)
    dpkg-deb -c "$deb" > deb.files
    check "the .deb holds /usr/bin/asrun, the profiles, the man page and the completion" \
      bash -c 'grep -q " ./usr/bin/asrun$" deb.files &&
               grep -q " ./usr/share/asrun/profiles/balanced.lua$" deb.files &&
               grep -q " ./usr/share/man/man1/asrun.1.gz$" deb.files &&
               grep -q " ./usr/share/bash-completion/completions/asrun$" deb.files'
    depends=$(dpkg-deb -f "$deb" Depends)
    missing=""
    for lib in $(objdump -p "$BUILD/asrun" | awk '$1 == "NEEDED" {print $2}'); do
      path=$(ldd "$BUILD/asrun" | awk -v l="$lib" '$1 == l {print $3}')
      [ -n "$path" ] || continue
      pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null) || continue
      pkg=${pkg%%:*}
      case "$pkg" in libasan*|libubsan*|libtsan*|libgcc-s*|libstdc++*) continue ;; esac
      grep -qE "(^|, )$pkg( |,|$)" <<< "$depends" || missing="$missing $pkg"
    done
    check "the .deb depends on every linked library's package${missing:+ (missing:$missing)}" \
      test -z "$missing"
    dpkg-deb -x "$deb" "$SCRATCH/root"
    if "$SCRATCH/root/usr/bin/asrun" --source "$EXAMPLES/templates/service_order.json" \
         --total 20 --target file:deb.jsonl --profile aggressive > deb.log 2>&1; then
      check "the .deb's asrun, unpacked anywhere, writes 20 documents" test "$(lines deb.jsonl)" = 20
    else
      cat deb.log; fail "the .deb's asrun, unpacked anywhere, runs with --profile aggressive"
    fi
  else
    cat cpack.log; fail "cpack -G DEB"
  fi
fi

if [ "$fails" -gt 0 ]; then
  echo "install: $fails check(s) failed"
  exit 1
fi
echo "install: every check passed"
