#!/usr/bin/env bash
# Refreshes docs/screenshots/ from the browser tests: they drive real
# headless Chromium at 1366×768 and save every page they visit under
# target/screenshots/. Needs Debian's chromium and chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p baton-web --test it ui::
shots=target/screenshots
# docs name ← test screenshot
while read -r doc test; do
  cp "$shots/$test.png" "docs/screenshots/$doc.png"
done <<'MAP'
login login
inbox inbox
queue inbox-queue
rework rework-flagged
autosave-conflict autosave-conflict
handoffs-found handoffs-found
phone-inbox phone-inbox
phone-handoff phone-handoff
phone-handoffs phone-handoffs
phone-scorecard phone-scorecard
handoff-form handoff-form
handoff-form-hints handoff-form-hints
handoff-receiver handoff-receiver
handoff-timeline handoff-page
contracts tour-contracts
contract tour-contract
contract-edit contract-edit
contract-diff contract-diff
scorecard tour-scorecard
leak-audit tour-leak-audit
tests audits
rollout rollout-full
incentives tour-incentives
webhooks webhooks
handoff-brief handoff-brief
suggestions suggestions
notifications notifications
mail mail
people people
person person
sso-sign-in sso-sign-in
sign-in-settings sign-in-settings
tokens tokens
MAP
ls -la docs/screenshots
