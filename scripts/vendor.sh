#!/usr/bin/env bash
# Copy the front-end libraries from node_modules/ into static/vendor/<lib>/, with their licences.
#
# The copies are committed, so the site never fetches a script at run time and works with no
# internet. To update a library: change its exact version in package.json, run `make vendor`
# (npm ci + this script), look at the diff of static/vendor/, test, commit package.json,
# package-lock.json and static/vendor/ together. See docs/mobile.md, "Vendored libraries".
set -euo pipefail
cd "$(dirname "$0")/.."

modules=node_modules
vendor=static/vendor

if [ ! -d "$modules" ]; then
  echo "node_modules/ is missing: run 'npm ci' first (or 'make vendor')" >&2
  exit 1
fi

version_of() {
  node -p "require('./$modules/$1/package.json').version"
}

# copy SOURCE DEST_DIR: fail loudly when a file moved in a new release.
copy() {
  if [ ! -e "$1" ]; then
    echo "vendor.sh: $1 not found; did the package layout change?" >&2
    exit 1
  fi
  mkdir -p "$2"
  cp -R "$1" "$2/"
}

rm -rf "$vendor"
mkdir -p "$vendor"

# htmx: the one script every mobile page loads (about 50 kB minified, 16 kB gzipped).
copy "$modules/htmx.org/dist/htmx.min.js" "$vendor/htmx"
copy "$modules/htmx.org/LICENSE" "$vendor/htmx"
version_of htmx.org >"$vendor/htmx/VERSION"

# Leaflet: loaded only on pages that draw a map; its marker images sit beside the CSS.
copy "$modules/leaflet/dist/leaflet.js" "$vendor/leaflet"
copy "$modules/leaflet/dist/leaflet.css" "$vendor/leaflet"
copy "$modules/leaflet/dist/images" "$vendor/leaflet"
copy "$modules/leaflet/LICENSE" "$vendor/leaflet"
version_of leaflet >"$vendor/leaflet/VERSION"

# ECharts: for the statistics dashboards. The minified build bundles zrender (BSD-3-Clause),
# so zrender's licence travels with it.
copy "$modules/echarts/dist/echarts.min.js" "$vendor/echarts"
copy "$modules/echarts/LICENSE" "$vendor/echarts"
copy "$modules/echarts/NOTICE" "$vendor/echarts"
copy "$modules/echarts/licenses/LICENSE-d3" "$vendor/echarts"
cp "$modules/zrender/LICENSE" "$vendor/echarts/LICENSE-zrender"
version_of echarts >"$vendor/echarts/VERSION"

echo "vendored into $vendor/:"
for lib in htmx leaflet echarts; do
  printf '  %-8s %s\n' "$lib" "$(cat "$vendor/$lib/VERSION")"
done
