#!/usr/bin/env bash
# Builds a variant of the package for paired comparisons (BENCH_VARIANTS): the package's src/ with
# one speed mechanism added (variants/<name>.py edits the copy), or, for `sdk-client`, the src/ of
# commit 4368396 (requests through the S3 client's commands). Prints name=path/to/bin.js.
# usage: bench/variants/make-variant.sh <name> [out-dir]
set -euo pipefail
name=$1
here="$(cd "$(dirname "$0")" && pwd)"
package="$(cd "$here/../.." && pwd)"
repo="$(cd "$package/../.." && pwd)"
out="${2:-${TMPDIR:-/tmp}/keyless-upload-variants/$name}"
rm -rf "$out" && mkdir -p "$out"
cp "$package/tsconfig.json" "$package/package.json" "$out/"
if [ "$name" = sdk-client ]; then
  git -C "$repo" archive 4368396 packages/upload/src | tar -x -C "$out" --strip-components=2
elif [ "$name" = same ]; then
  cp -r "$package/src" "$out/"
else
  cp -r "$package/src" "$out/"
  (cd "$out" && VARIANTS_DIR="$here" REPO_ROOT="$repo" python3 "$here/$name.py")
fi
ln -sfn "$repo/node_modules" "$out/node_modules"
(cd "$out" && "$repo/node_modules/.bin/tsc" -p tsconfig.json)
echo "$name=$out/dist/bin.js"
