#!/bin/sh
# Install the Debian packages pgtrace needs, if any is missing.
# Run by 'make check', 'make demo', 'make bench' and friends; quiet and
# quick when everything is there.
set -e
# chromium: t0430 loads the HTML report in it, headless; sqlite3: the
# validation workload (t0600, bench/validate.sh); time, trace-cmd,
# linux-perf, jq: the benches' peers and tools.  t/t0005-build.sh fails
# when the build, a test or a bench uses a package this list lacks.
pkgs="build-essential pkg-config libzstd-dev zstd libcmocka-dev libtracefs-dev
libtraceevent-dev libcairo2-dev clang util-linux vmtouch python3 chromium
sqlite3 time trace-cmd linux-perf jq"
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
