#!/usr/bin/env bash
# Installs the Debian data the corpus tests read: the benign word lists (/usr/share/dict: wamerican,
# wfrench, wngerman, wspanish, witalian) and the attack lists of tools/wafbench/corpus (wfuzz's
# word lists, sqlmap's payload files). The CRS attack data needs no setup: it comes with the Go
# module github.com/corazawaf/coraza-coreruleset/v4 (tests/ directory), pinned in go.mod.
set -euo pipefail
PACKAGES="wamerican wfrench wngerman wspanish witalian wfuzz sqlmap"
FILES="/usr/share/dict/words /usr/share/dict/french /usr/share/dict/ngerman /usr/share/dict/spanish /usr/share/dict/italian /usr/share/wfuzz/wordlist /usr/share/sqlmap/data/xml"
present() { for f in $FILES; do [[ -r $f ]] || return 1; done; }
if present; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES; } >/dev/null 2>&1 \
  || ! present; then
  echo "test-deps: cannot install the Debian packages the corpus tests read (apt-get install $PACKAGES)" >&2
  exit 1
fi
