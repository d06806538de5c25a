#!/usr/bin/env bash
# dist.sh OUTDIR VERSION COMMIT: the release archives of ca, one per
# system and architecture (tar.gz; zip for Windows), each holding the
# static binary, README.md, NOTICE and docs/man, plus OUTDIR/SHA256SUMS.
#
# Reproducible: the same source, VERSION, COMMIT and Go toolchain give the
# same bytes on any machine and in any directory (-trimpath, no build ID,
# no VCS stamp, archive entries sorted, owned by 0:0, dated the commit's
# time, SOURCE_DATE_EPOCH, or 0). `make dist-check` proves it.
set -euo pipefail
out=${1:?usage: dist.sh OUTDIR VERSION COMMIT}
version=${2:?version}
commit=${3:?commit}
GO=${GO:-go}
TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

cd "$(dirname "$0")/.."
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$out"/ca_*.tar.gz "$out"/ca_*.zip "$out"/SHA256SUMS

for target in $TARGETS; do
	goos=${target%/*} goarch=${target#*/}
	name=ca_${version}_${goos}_${goarch}
	stage=$work/$name
	exe=ca
	[ "$goos" = windows ] && exe=ca.exe
	mkdir -p "$stage/docs"
	CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch "$GO" build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X main.version=$version -X main.commit=$commit" \
		-o "$stage/$exe" ./cmd/ca
	cp README.md NOTICE "$stage/"
	cp -R docs/man "$stage/docs/man"
	find "$stage" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
	chmod 0755 "$stage/$exe"
	find "$stage" -exec touch -h -d "@$epoch" {} +
	if [ "$goos" = windows ]; then
		(cd "$work" && find "$name" -type f | LC_ALL=C sort | TZ=UTC zip -q -X -D -@ "$out/$name.zip")
	else
		tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu \
			-C "$work" -cf - "$name" | gzip -9 -n >"$out/$name.tar.gz"
	fi
	echo "dist: $name"
done
(cd "$out" && sha256sum ca_*.tar.gz ca_*.zip >SHA256SUMS)
echo "dist: $out/SHA256SUMS"
