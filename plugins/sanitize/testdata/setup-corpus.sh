#!/usr/bin/env bash
# Installs the benign word list the sanitize corpus test reads (/usr/share/dict/words, Debian's
# wamerican). The CRS attack data needs no setup: it comes with the Go module
# github.com/corazawaf/coraza-coreruleset/v4 (tests/ directory), pinned in go.mod.
set -euo pipefail
if [[ -r /usr/share/dict/words ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wamerican; } >/dev/null 2>&1 \
  || ! test -r /usr/share/dict/words; then
  echo "test-deps: cannot install Debian's wamerican (/usr/share/dict/words), which the sanitize benign corpus test reads: apt-get install wamerican" >&2
  exit 1
fi
