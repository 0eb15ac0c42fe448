#!/usr/bin/env bash
# Installs code-server 4.100.3 (= VS Code 1.100.3, the newest whose postinstall accepts Node 20) into
# .vscode-test/code-server for the real-editor test tier (test/e2e). It is NOT a dependency of the
# extension and never touches the project's node_modules. Follows shared/reference/real-editors.md:
# apt packages (libkrb5-dev for kerberos, ripgrep, chromium for Playwright), @vscode/ripgrep's
# download cache pre-seeded with Debian's rg (no GitHub access here), npm_config_unsafe_perm (root
# postinstalls) and npm_config_yes (node-pty's npx node-gyp). HOME, XDG_* and TMPDIR point into
# .vscode-test so nothing is written to the user's home. Idempotent: a second run only checks.
# Usage: scripts/setup-code-server.sh        (override the folder with NETNS_E2E_DIR=/abs/path)
set -euo pipefail

VERSION=4.100.3
RIPGREP_PKG_VERSION=1.15.11   # the @vscode/ripgrep version code-server 4.100.3 pulls in
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${NETNS_E2E_DIR:-$ROOT/.vscode-test}
CS=$S/code-server
BIN=$CS/node_modules/.bin/code-server

installed_version() {
  node -e 'try { console.log(require(process.argv[1]).version) } catch { console.log("") }' "$CS/node_modules/code-server/package.json"
}

if [ -x "$BIN" ] && [ "$(installed_version)" = "$VERSION" ]; then
  echo "code-server $VERSION already installed in $CS"
  exit 0
fi

# System packages (Debian). Only what is missing; needs root.
missing=()
for p in libkrb5-dev pkg-config ripgrep chromium g++ make python3; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Keep the user's npm settings (registry, cafile, nodedir) although HOME moves.
if [ -z "${npm_config_userconfig:-}" ] && [ -f "$HOME/.npmrc" ]; then export npm_config_userconfig=$HOME/.npmrc; fi
# node-gyp (node-pty, kerberos, argon2 fall back to source builds) must use Debian's Node headers:
# it cannot download them here.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/common.gypi ]; then export npm_config_nodedir=/usr; fi

mkdir -p "$S/home" "$S/xdg/config" "$S/xdg/data" "$S/xdg/cache" "$S/tmp" "$S/rg" "$CS"
export HOME=$S/home XDG_CONFIG_HOME=$S/xdg/config XDG_DATA_HOME=$S/xdg/data XDG_CACHE_HOME=$S/xdg/cache TMPDIR=$S/tmp

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already has the archive.
cache=$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION
mkdir -p "$cache"
cp "$(command -v rg)" "$S/rg/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$S/rg" rg

cd "$CS"
[ -f package.json ] || npm init -y >/dev/null
echo "npm install code-server@$VERSION into $CS (about a minute)"
npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund "code-server@$VERSION"

if [ "$(installed_version)" != "$VERSION" ] || ! "$BIN" --version >/dev/null 2>&1; then
  echo "code-server $VERSION did not install correctly" >&2
  exit 1
fi
echo "code-server $("$BIN" --version | head -1) installed in $CS"
