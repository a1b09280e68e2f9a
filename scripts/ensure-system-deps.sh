#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing (CI and fresh machines),
# or says exactly what to install when this user cannot.
#   chromium          - the browser Playwright drives (npx playwright install cannot download here)
#   libonnx-testdata  - 1,000+ real ONNX models: the reader/writer conformance corpus
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/libonnx-testdata/data ] || missing+=(libonnx-testdata)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Cannot install ${missing[*]}: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
