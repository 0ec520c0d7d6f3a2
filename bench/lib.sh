# Shared by the bench scripts that compare this tree with another revision (source it).
#   median           the median of numbers on stdin, one a line
#   seconds CMD...   runs CMD with stdout discarded, prints the wall seconds
#   build_rev REV DIR  builds asrun at REV (a detached worktree in DIR, Release, no tests);
#                    prints the binary's path. The caller removes DIR with remove_rev DIR.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

build_rev() {
  git worktree add --detach "$2" "$1" >/dev/null 2>&1
  cmake -S "$2" -B "$2/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$2/build" --target asrun -j2 >/dev/null
  echo "$2/build/asrun"
}

remove_rev() { git worktree remove --force "$1" >/dev/null 2>&1 || true; }
