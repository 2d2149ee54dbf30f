#!/usr/bin/env bash
# Installs the container engines the end-to-end suite starts itself (test/e2e/support/engines.ts),
# skipping each item that is already there, so running it again is cheap:
#
#   apt     docker.io (dockerd 20.10), runc, containerd, docker-registry (distribution 2.8), jq.
#           Installed with a policy-rc.d that answers 101, so that no postinst starts a service
#           (there is no systemd here); the script then checks that no dockerd, containerd or
#           registry process was left running by the install.
#   source  BuildKit (buildkitd, buildctl), built from the module's source because `go install`
#           refuses a module whose go.mod has exclude directives. Cached by version:
#             ${XDG_DATA_HOME:-$HOME/.local/share}/keyless-build/buildkit-<version>/bin/
#   go      buildx, as a docker CLI plugin:
#             ${XDG_DATA_HOME:-$HOME/.local/share}/keyless-build/docker-config/cli-plugins/docker-buildx
#           That folder is never used as DOCKER_CONFIG itself: each test run makes its own
#           DOCKER_CONFIG (<work>/docker-config) and symlinks cli-plugins/docker-buildx from here,
#           so builders created by one run (stored under DOCKER_CONFIG/buildx) never reach another.
#   go      act, into $(go env GOPATH)/bin.
#
# Versions are pinned and checked against each tool's --version output; a version the Go module
# proxy does not have stops the script (it never falls back to another one).
# The /usr/local/bin/docker CLI, when present, stays the client; dockerd comes from docker.io.
set -euo pipefail

BUILDKIT_VERSION=v0.35.1
BUILDX_VERSION=v0.39.1
ACT_VERSION=v0.2.89

data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/keyless-build"
buildkit_bin="$data_dir/buildkit-$BUILDKIT_VERSION/bin"
plugins_dir="$data_dir/docker-config/cli-plugins"
gobin="$(go env GOPATH | cut -d: -f1)/bin"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

die() {
  echo "install-engines: $*" >&2
  exit 1
}

# --- apt -------------------------------------------------------------------------------------

daemon_pids() {
  # Processes an install could have started: dockerd, containerd (and its shims), the registry.
  ps -eo pid=,comm= | awk '$2 ~ /^(dockerd|containerd|containerd-shim.*|docker-registry|registry)$/ { print $1 }' | sort
}

apt_packages=()
command -v dockerd >/dev/null || apt_packages+=(docker.io)
command -v runc >/dev/null || apt_packages+=(runc)
command -v containerd >/dev/null || apt_packages+=(containerd)
command -v docker-registry >/dev/null || apt_packages+=(docker-registry)
command -v jq >/dev/null || apt_packages+=(jq)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  before="$(daemon_pids)"
  # invoke-rc.d asks policy-rc.d before starting a service; 101 means "not allowed". An existing
  # policy-rc.d (container images often have one) is put back afterwards, even on failure.
  policy=/usr/sbin/policy-rc.d
  policy_backup=""
  if [ -e "$policy" ]; then
    policy_backup="$(mktemp)"
    $sudo cp -p "$policy" "$policy_backup"
  fi
  restore_policy() {
    if [ -n "$policy_backup" ]; then
      $sudo cp -p "$policy_backup" "$policy" && rm -f "$policy_backup"
    else
      $sudo rm -f "$policy"
    fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\n# install-engines.sh: no service starts during the install\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  $sudo apt-get update -qq
  # Without recommends: they would bring needrestart (restarts services after installs) and more.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  restore_policy
  trap - EXIT
  # Anything the install started despite the policy is stopped again, by its pid.
  started="$(comm -13 <(echo "$before") <(daemon_pids) | tr '\n' ' ')"
  if [ -n "${started// /}" ]; then
    echo "install-engines: stopping what the package install started: $started" >&2
    # shellcheck disable=SC2086
    $sudo kill $started 2>/dev/null || true
    sleep 2
    left="$(comm -13 <(echo "$before") <(daemon_pids) | tr '\n' ' ')"
    [ -z "${left// /}" ] || die "daemons left running after the install: $left"
  fi
fi

# --- Go-built tools ----------------------------------------------------------------------------

# `go mod download -json` of module@version; stops with the proxy's own message when it refuses.
download_module() {
  local json error
  if ! json="$(GOFLAGS=-mod=mod GOWORK=off go mod download -json "$1")"; then
    error="$(jq -r '.Error // empty' <<<"$json" 2>/dev/null || true)"
    die "cannot download $1 from the Go module proxy (${error:-$json}); not trying another version"
  fi
  jq -r .Dir <<<"$json"
}

# The version the binary prints, compared with the pinned one (without its leading v).
check_version() {
  local tool="$1" expected="${2#v}" output
  output="$("${@:3}" 2>&1)" || die "$tool: '${*:3}' failed: $output"
  grep -qE "(^|[^0-9.])v?${expected//./\\.}([^0-9.]|$)" <<<"$output" || die "$tool: expected version $expected, got: $output"
}

work_dir=""
cleanup_work() { [ -z "$work_dir" ] || rm -rf "$work_dir"; }
trap cleanup_work EXIT

if [ -x "$buildkit_bin/buildkitd" ] && [ -x "$buildkit_bin/buildctl" ] && [ -x "$buildkit_bin/dockerfile-frontend" ]; then
  : # cached by version in its path
else
  started_at=$SECONDS
  source_dir="$(download_module "github.com/moby/buildkit@$BUILDKIT_VERSION")"
  work_dir="$(mktemp -d)"
  cp -r "$source_dir" "$work_dir/buildkit"
  chmod -R u+w "$work_dir/buildkit"
  mkdir -p "$work_dir/bin"
  ldflags="-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION -X github.com/moby/buildkit/version.Package=github.com/moby/buildkit"
  for command in buildkitd buildctl; do
    (cd "$work_dir/buildkit" && GOWORK=off CGO_ENABLED=0 go build -mod=mod -trimpath -ldflags "$ldflags" -o "$work_dir/bin/$command" "./cmd/$command")
  done
  # The Dockerfile frontend that `# syntax=docker/dockerfile:1` names, as its release image is
  # built (frontend/dockerfile/cmd/dockerfile-frontend/Dockerfile): Docker Hub cannot be reached,
  # so the suite serves it from the local registry that mirrors docker.io.
  (cd "$work_dir/buildkit" && GOWORK=off CGO_ENABLED=0 go build -mod=mod -trimpath -tags "netgo static_build osusergo" -o "$work_dir/bin/dockerfile-frontend" ./frontend/dockerfile/cmd/dockerfile-frontend)
  mkdir -p "$buildkit_bin"
  # Moved into place only once all are built, so a half-done build is never taken as cached.
  mv "$work_dir/bin/dockerfile-frontend" "$buildkit_bin/dockerfile-frontend"
  mv "$work_dir/bin/buildctl" "$buildkit_bin/buildctl"
  mv "$work_dir/bin/buildkitd" "$buildkit_bin/buildkitd"
  rm -rf "$work_dir"
  work_dir=""
  echo "install-engines: built BuildKit $BUILDKIT_VERSION in $((SECONDS - started_at))s"
fi
check_version buildkitd "$BUILDKIT_VERSION" "$buildkit_bin/buildkitd" --version
check_version buildctl "$BUILDKIT_VERSION" "$buildkit_bin/buildctl" --version

buildx="$plugins_dir/docker-buildx"
if ! { [ -x "$buildx" ] && "$buildx" version 2>/dev/null | grep -qF " $BUILDX_VERSION"; }; then
  started_at=$SECONDS
  download_module "github.com/docker/buildx@$BUILDX_VERSION" >/dev/null
  mkdir -p "$plugins_dir"
  work_dir="$(mktemp -d)"
  GOWORK=off GOBIN="$work_dir" go install -trimpath \
    -ldflags "-X github.com/docker/buildx/version.Version=$BUILDX_VERSION -X github.com/docker/buildx/version.Package=github.com/docker/buildx" \
    "github.com/docker/buildx/cmd/buildx@$BUILDX_VERSION"
  mv "$work_dir/buildx" "$buildx"
  rm -rf "$work_dir"
  work_dir=""
  echo "install-engines: built buildx $BUILDX_VERSION in $((SECONDS - started_at))s"
fi
check_version buildx "$BUILDX_VERSION" "$buildx" version

act="$gobin/act"
if ! { [ -x "$act" ] && "$act" --version 2>/dev/null | grep -qE "(^|[^0-9.])v?${ACT_VERSION#v}([^0-9.]|$)"; }; then
  started_at=$SECONDS
  download_module "github.com/nektos/act@$ACT_VERSION" >/dev/null
  # act prints the version from the VERSION file it embeds.
  GOWORK=off GOBIN="$gobin" go install "github.com/nektos/act@$ACT_VERSION"
  echo "install-engines: built act $ACT_VERSION in $((SECONDS - started_at))s"
fi
check_version act "$ACT_VERSION" "$act" --version

echo "engines ready: dockerd $(dockerd --version | sed -E 's/^Docker version ([^,]+).*/\1/'), containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1 {print $3}'), docker-registry $(docker-registry --version | awk '{print $3}'), $(jq --version), docker CLI $(docker --version | awk '{print $3}' | tr -d ,), buildkitd $("$buildkit_bin/buildkitd" --version | awk '{print $3}'), buildctl $("$buildkit_bin/buildctl" --version | awk '{print $3}'), buildx $("$buildx" version | awk '{print $2}'), act $("$act" --version | awk '{print $NF}')"
