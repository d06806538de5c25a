#!/usr/bin/env bash
# fuzz.sh FUZZTIME [GO]: runs every fuzz target of the module for FUZZTIME
# each ("make fuzz"). A target that finds a failing input fails the run (Go
# writes the input under testdata/fuzz/ and says so). A target whose only
# failure is "context deadline exceeded" as its FUZZTIME ends, with no input
# written, is run once more: that is Go's fuzzing coordinator racing its own
# deadline on a loaded machine (go.dev/issue/75804, fixed in Go 1.27), not a
# finding. A second such failure, or any other failure, fails the run.
set -euo pipefail
fuzztime=${1:?usage: fuzz.sh FUZZTIME [GO]}
go=${2:-go}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# only_deadline: the log of a failed run shows the coordinator's race and
# nothing else: no input written, no panic, no failure message of a test.
only_deadline() {
  grep -qx '    context deadline exceeded' "$log" &&
    ! grep -qE 'Failing input written|panic:|^[[:space:]]+[^[:space:]]+_test\.go:[0-9]+:|^[[:space:]]+--- FAIL: Fuzz[^ ]*/' "$log"
}

pkgs=$("$go" list ./...) # a failure here (or below) ends the run: set -e
for pkg in $pkgs; do
  list=$("$go" test -list '^Fuzz' "$pkg") # a package whose tests do not compile fails here
  for f in $(grep '^Fuzz' <<<"$list" || true); do
    for try in 1 2; do
      echo "== $pkg $f"
      if "$go" test -run '^$' -fuzz "^$f\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; then
        break
      fi
      if [ "$try" = 1 ] && only_deadline; then
        echo "== $f: only Go's fuzztime deadline race (go.dev/issue/75804), no failing input: once more"
        continue
      fi
      exit 1
    done
  done
done
