#!/usr/bin/env bash
# Builds every release artefact of Atlar Bridge into dist/ (or $DIST):
#
#   atlar-bridge_<v>_linux_amd64, _linux_arm64, _windows_amd64.exe   static binaries
#   atlar-bridge_<v>_amd64.deb, _arm64.deb, _amd64.rpm, _arm64.rpm  packages (nfpm)
#   atlar-bridge_<v>_windows_amd64.zip   atlar-bridge.exe, config.toml.example, INSTALL.txt
#   SHA256SUMS
#
# Usage: packaging/build.sh VERSION      (e.g. 1.2.3 or v1.2.3; semver)
# Needs only Go: nfpm runs as a Go tool (go tool nfpm), the zip is written
# by packaging/mkzip.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 VERSION   (e.g. 1.2.3)" >&2
	exit 2
fi
version=${1#v}
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
	echo "$0: VERSION must look like 1.2.3 or 1.2.3-rc.1 (got \"$1\")" >&2
	exit 2
fi

# The tools below (nfpm, mkzip) run here; only build() cross-compiles.
unset GOOS GOARCH
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dist=${DIST:-$root/dist}
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
name=atlar-bridge

# Static binaries with the version stamped in; -trimpath and no VCS stamp
# so that the same source gives the same binary wherever it is built.
build() { # GOOS GOARCH OUT
	echo "build $1/$2 -> $3"
	CGO_ENABLED=0 GOOS=$1 GOARCH=$2 go build -trimpath -buildvcs=false \
		-ldflags "-s -w -X main.version=$version -X main.progName=$name" -o "$3" ./cmd/bridge
}
for arch in amd64 arm64; do
	build linux "$arch" "$dist/${name}_${version}_linux_${arch}"
done
build windows amd64 "$dist/${name}_${version}_windows_amd64.exe"

# .deb and .rpm per architecture. nfpm reads VERSION, ARCH and BINARY
# from the environment (packaging/nfpm.yaml).
for arch in amd64 arm64; do
	for packager in deb rpm; do
		out="$dist/${name}_${version}_${arch}.${packager}"
		echo "package $packager $arch -> $out"
		VERSION=$version ARCH=$arch BINARY="$dist/${name}_${version}_linux_${arch}" \
			go tool nfpm package --config packaging/nfpm.yaml --packager "$packager" --target "$out" >/dev/null
	done
done

# The Windows zip. Its example config is config.toml.example with the
# Windows folders (C:\ProgramData\AtlarBridge) instead of ./data.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
winroot='C:\ProgramData\AtlarBridge'
example=$(<config.toml.example)
for pair in \
	"root = \"./data\"|root = '$winroot'" \
	"host_key_dir = \"./data/hostkeys\"|host_key_dir = '$winroot\hostkeys'" \
	"# secret_file = \"/etc/atlar-bridge/secret\"|# secret_file = '$winroot\secret.txt'"; do
	from=${pair%%|*} to=${pair#*|}
	if [[ $example != *"$from"* ]]; then
		echo "$0: config.toml.example changed: no \"$from\" to set for Windows" >&2
		exit 1
	fi
	example=${example//"$from"/"$to"}
done
printf '%s\n' "$example" >"$stage/config.toml.example"
zip="$dist/${name}_${version}_windows_amd64.zip"
echo "zip -> $zip"
go run ./packaging/mkzip "$zip" \
	"atlar-bridge.exe=$dist/${name}_${version}_windows_amd64.exe" \
	"config.toml.example=$stage/config.toml.example" \
	"INSTALL.txt=packaging/INSTALL-windows.txt"

(cd "$dist" && sha256sum "${name}_${version}"_* >SHA256SUMS)
echo "done: $dist"
