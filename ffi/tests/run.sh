#!/usr/bin/env bash
# Builds keytree-ffi (dev profile, the shared target dir) and runs every
# ffi/tests/*.c against its static library under AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer. Any sanitizer report fails
# the run (halt_on_error, exitcode), as does any failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
cargo build -q -p keytree-ffi
lib="$target/debug/libkeytree_ffi.a"
out="$target/ffi-c-tests"
mkdir -p "$out"
cc_bin="${CC:-cc}"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87"
export LSAN_OPTIONS="exitcode=88"
# The C quickstart in ffi/README.md is compiled and run too, so it stays true.
awk '/^```c$/{on=1; next} /^```$/{on=0} on' ffi/README.md > "$out/readme_quickstart.c"
status=0
for src in ffi/tests/*.c "$out/readme_quickstart.c"; do
  name="$(basename "$src" .c)"
  "$cc_bin" -std=c11 -Wall -Wextra -Werror -g -O1 \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -I ffi/include -I ffi/tests "$src" "$lib" -lpthread -ldl -lm -o "$out/$name"
  echo "--- $name"
  if ! "$out/$name"; then
    echo "FAILED: $name" >&2
    status=1
  fi
done
exit "$status"
