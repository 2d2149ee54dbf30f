#!/usr/bin/env bash
# Installs the tools the tests call, skipping any that is already there: shellcheck and
# script (apt), moto server and the AWS CLI (pip), actionlint (Go modules), and for the
# end-to-end suite podman with fuse-overlayfs and uidmap, and a static busybox (apt).
set -euo pipefail

apt_packages=()
command -v shellcheck >/dev/null || apt_packages+=(shellcheck)
command -v script >/dev/null || apt_packages+=(bsdutils)
command -v git >/dev/null || apt_packages+=(git)
command -v podman >/dev/null || apt_packages+=(podman)
command -v fuse-overlayfs >/dev/null || apt_packages+=(fuse-overlayfs)
command -v newuidmap >/dev/null || apt_packages+=(uidmap)
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

gobin="$(go env GOPATH)/bin"
[ -x "$gobin/actionlint" ] || command -v actionlint >/dev/null || go install github.com/rhysd/actionlint/cmd/actionlint@latest

echo "test tools ready: shellcheck $(shellcheck --version | sed -n 's/^version: //p'), actionlint $(PATH="$gobin:$PATH" actionlint --version | head -n1), moto $(python3 -c 'import moto; print(moto.__version__)'), $(aws --version 2>&1), $(podman --version), $(busybox --help 2>&1 | head -n1 | cut -d' ' -f1-2)"
