#!/usr/bin/env bash
# bench/run.sh — time `dynupd-analyze scan` against `git log -p` on local
# repositories. It fetches nothing: pass paths of repositories you already
# have. For each repository it runs git and the tool alternately, RUNS times
# each, and prints the median wall time, CPU time (user+sys) and peak RSS of
# each, and the ratio of the medians.
#
#   bash bench/run.sh [-n RUNS] [-b BINARY] [-- SCAN-ARGS...] REPO...
#
#   -n RUNS     runs of each command (default 3, at least 3 recommended)
#   -b BINARY   the dynupd-analyze binary (default: built from this checkout
#               into a temporary directory)
#   SCAN-ARGS   extra arguments for `scan` after `--` and before the repos,
#               e.g. `-- --jobs 1 --`; the default is the default workers,
#               no results database, JSONL to a temporary file
#
# Needs GNU time at /usr/bin/time (Debian: apt-get install time) for CPU and
# RSS; without it only wall times are printed.
set -euo pipefail

runs=3
bin=""
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	-n) runs="$2"; shift 2 ;;
	-b) bin="$2"; shift 2 ;;
	--)
		shift
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do extra+=("$1"); shift; done
		[ $# -gt 0 ] && shift
		;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	echo "usage: bash bench/run.sh [-n RUNS] [-b BINARY] [-- SCAN-ARGS... --] REPO..." >&2
	exit 2
fi
if [ "$runs" -lt 1 ]; then
	echo "bench: -n must be at least 1" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$bin" ]; then
	(cd "$here" && go build -o "$tmp/dynupd-analyze" ./cmd/dynupd-analyze)
	bin="$tmp/dynupd-analyze"
fi

have_time=0
if [ -x /usr/bin/time ] && /usr/bin/time -f "%e" true >/dev/null 2>&1; then
	have_time=1
fi

# measure OUT CMD... appends "wall cpu rss_kb" for one run of CMD to OUT.
measure() {
	local out="$1"; shift
	if [ "$have_time" = 1 ]; then
		/usr/bin/time -o "$tmp/t" -f "%e %U %S %M" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }
		awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$tmp/t" >>"$out"
	else
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }
		e=$(date +%s.%N)
		echo "$(echo "$e - $s" | bc) 0 0" >>"$out"
	fi
}

# median FILE COLUMN prints the median of a column.
median() {
	sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf "%-28s %-10s %8s %8s %9s   %s\n" repository command wall_s cpu_s rss_MB runs
for repo in "$@"; do
	name=$(basename "$(cd "$repo" && pwd)")
	[ "$name" = repo ] && name=$(basename "$(dirname "$(cd "$repo" && pwd)")")
	head=$(git -C "$repo" rev-parse --short=8 HEAD)
	rm -f "$tmp/git" "$tmp/tool"
	for _ in $(seq "$runs"); do
		measure "$tmp/git" git -C "$repo" log -p --no-renames HEAD
		rm -f "$tmp/out.jsonl"
		measure "$tmp/tool" "$bin" scan --repo "$repo" --format jsonl -o "$tmp/out.jsonl" "${extra[@]}"
	done
	gw=$(median "$tmp/git" 1); gc=$(median "$tmp/git" 2); gr=$(median "$tmp/git" 3)
	tw=$(median "$tmp/tool" 1); tc=$(median "$tmp/tool" 2); tr=$(median "$tmp/tool" 3)
	printf "%-28s %-10s %8s %8s %9d   %s\n" "$name@$head" "git-log-p" "$gw" "$gc" $((gr / 1024)) "$(cut -d' ' -f1 "$tmp/git" | paste -sd,)"
	printf "%-28s %-10s %8s %8s %9d   %s\n" "$name@$head" "scan" "$tw" "$tc" $((tr / 1024)) "$(cut -d' ' -f1 "$tmp/tool" | paste -sd,)"
	printf "%-28s %-10s %8s %8s\n" "$name@$head" "ratio" "$(awk -v a="$tw" -v b="$gw" 'BEGIN { printf "%.2fx", a / b }')" "$(awk -v a="$tc" -v b="$gc" 'BEGIN { printf "%.2fx", a / b }')"
done
