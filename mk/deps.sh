#!/bin/sh
# Install the Debian packages pgtrace needs, if any is missing.
# Run by 'make check', 'make demo', 'make bench' and friends; quiet and
# quick when everything is there.
set -e
# chromium: t0430 loads the HTML report in it, headless
pkgs="build-essential pkg-config libzstd-dev zstd libcmocka-dev libtracefs-dev
libtraceevent-dev libcairo2-dev clang util-linux vmtouch python3 chromium"
missing=
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "pgtrace: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "pgtrace: need root to install:$missing (run as root or install them)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
${SUDO:-} apt-get install -y -qq --no-install-recommends $missing >/dev/null
