#!/usr/bin/env bash
# dist-check.sh VERSION COMMIT: builds the release archives twice, the
# second time from a copy of the tree in another directory with an empty
# build cache, and fails unless both give the same bytes (SHA256SUMS), and
# unless the Linux binary names VERSION and COMMIT.
set -euo pipefail
version=${1:?version} commit=${2:?commit}
GO=${GO:-go}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

./scripts/dist.sh "$work/one" "$version" "$commit" >/dev/null
mkdir -p "$work/elsewhere/src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/elsewhere/src"
(cd "$work/elsewhere/src" && GOCACHE=$work/cache ./scripts/dist.sh "$work/two" "$version" "$commit" >/dev/null)
if ! diff "$work/one/SHA256SUMS" "$work/two/SHA256SUMS"; then
	echo "dist-check: two builds of the same source differ (above)" >&2
	exit 1
fi

arch=$($GO env GOARCH)
tar -xzf "$work/one/ca_${version}_linux_${arch}.tar.gz" -C "$work"
bin=$work/ca_${version}_linux_${arch}/ca
"$bin" version | grep -F "ca $version (commit $commit," >/dev/null ||
	{ echo "dist-check: $("$bin" version) does not name $version and $commit" >&2; exit 1; }
"$bin" version -o json | grep -F "\"commit\": \"$commit\"" >/dev/null ||
	{ echo "dist-check: ca version -o json does not name $commit" >&2; exit 1; }
echo "dist-check: $(wc -l <"$work/one/SHA256SUMS") archives, the same bytes twice; $("$bin" version)"
