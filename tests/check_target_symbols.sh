#!/usr/bin/env bash
# check_target_symbols.sh NM "OBJECTS": the objects of a runtime-dispatch program (a ;-separated
# list, as CMake's $<TARGET_OBJECTS> gives it). Those named grove_kernels_<target>.cpp.o are
# target units, compiled with their target's instruction set; the others are portable. Fails
# when two target units, or a target unit and the portable objects, define the same weak symbol:
# the linker would keep one copy for both, and portable code (or a lower target) could run
# instructions of a higher target. Build the program unoptimised, so inline functions are not
# inlined away and every one a unit uses shows.
#
# DW.ref.__gxx_personality_v0, the pointer to the C++ exception personality routine that every
# unit with exception tables emits, is data and the same everywhere; it is not counted.
set -euo pipefail
nm_tool="$1"
IFS=';' read -r -a objects <<< "$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

weak() { "$nm_tool" --defined-only -P "$1" | awk '$2 ~ /^[VvWwu]$/ && $1 != "DW.ref.__gxx_personality_v0" {print $1}'; }

groups=()
: > "$work/portable"
for o in "${objects[@]}"; do
  name="$(basename "$o")"
  if [[ "$name" =~ ^grove_kernels_([a-z0-9_]+)\.cpp\.o(bj)?$ ]]; then
    t="${BASH_REMATCH[1]}"
    weak "$o" | sort -u > "$work/$t"
    groups+=("$t")
  else
    weak "$o" >> "$work/portable"
  fi
done
sort -u -o "$work/portable" "$work/portable"
groups+=(portable)

if [[ ${#groups[@]} -lt 5 ]]; then
  echo "expected the units of scalar, avx2, avx512 and avx512_vbmi among the objects: ${objects[*]}" >&2
  exit 1
fi
status=0
for ((i = 0; i < ${#groups[@]}; ++i)); do
  for ((j = i + 1; j < ${#groups[@]}; ++j)); do
    a="${groups[$i]}" b="${groups[$j]}"
    shared="$(comm -12 "$work/$a" "$work/$b")"
    count=$( [[ -z "$shared" ]] && echo 0 || wc -l <<< "$shared")
    echo "$a / $b: $(wc -l < "$work/$a") / $(wc -l < "$work/$b") weak symbols, $count shared"
    if [[ -n "$shared" ]]; then
      status=1
      c++filt <<< "$shared" | sed 's/^/  /'
    fi
  done
done
exit $status
