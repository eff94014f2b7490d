#!/usr/bin/env bash
# npm run demo: checks both bundled examples with the committed CLI bundle and shows the reports.
# Sets up a Docker engine first where none answers (scripts/setup-engine.sh). Succeeds when the
# verdicts are the expected ones: hardened passes, legacy fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-engine.sh || exit 2
mkdir -p .tmp
status=0
for example in hardened legacy; do
  printf '\n━━━ examples/%s ━━━\n' "$example"
  node dist/cli.js check --context "examples/$example" --json ".tmp/report-$example.json"
  code=$?
  case "$example:$code" in
    hardened:0|legacy:1) printf '→ exit %s, as expected; JSON report: .tmp/report-%s.json\n' "$code" "$example" ;;
    *) printf '→ exit %s: NOT the expected verdict for examples/%s\n' "$code" "$example"; status=1 ;;
  esac
done
exit $status
