#!/usr/bin/env bash
# Installs the browser libraries the server serves (vendor/web/package.json, pinned by its lock
# file) and copies the files the pages load into web/vendor/, which the server serves like any
# other file of its web root. Pages never load anything from a CDN. Idempotent: npm ci runs only
# when the lock file is newer than the installed tree.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/vendor/web"
dst="$here/web/vendor"
cd "$src"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --silent
fi
mkdir -p "$dst/leaflet/images" "$dst/chartjs" "$dst/qrcode"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$dst/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$dst/leaflet/images/"
cp node_modules/leaflet/LICENSE "$dst/leaflet/LICENSE"
cp node_modules/chart.js/dist/chart.umd.min.js "$dst/chartjs/chart.umd.min.js"
cp node_modules/chart.js/LICENSE.md "$dst/chartjs/LICENSE.md"
# the dashboard's enrolment QR codes (web/driver_enrol.js): MIT, no dependencies; the notice is
# in the file's own header (the package ships no LICENSE file)
cp node_modules/qrcode-generator/dist/qrcode.js "$dst/qrcode/qrcode.js"
