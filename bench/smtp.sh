#!/usr/bin/env bash
# bench/smtp.sh: SMTP server throughput and idle memory, in one run.
#
# Throughput: Postfix's smtp-source sends MESSAGES messages of SIZE octets
# over SESSIONS parallel sessions (one connection per message, as
# smtp-source does without -d) to each of
#   - examples/smtp-sink (mailstack, discarding),
#   - a go-smtp v0.25 server with a discarding backend (bench/gosmtp_sink.go),
#   - Postfix's smtp-sink,
# ROUNDS times in turn, and the best messages/s of each is reported with
# the ratios, after a warm-up run of each that is not counted. The
# machines are noisy: only the ratios of one run mean something.
#
# Memory: IDLE connections are opened to each server (greeting and EHLO
# read, then held) and the server process's resident set size is read
# from /proc.
#
# Needs go, python3 (for a free port), timeout, and Postfix's smtp-source and
# smtp-sink (Debian package postfix). Usage:
#   bench/smtp.sh            # defaults below
#   ROUNDS=1 MESSAGES=1000 bench/smtp.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SESSIONS=${SESSIONS:-20}
MESSAGES=${MESSAGES:-5000}
SIZE=${SIZE:-10240}
ROUNDS=${ROUNDS:-3}
IDLE=${IDLE:-1000}

find_tool() {
	command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || {
		echo "bench: $1 not found (apt-get install postfix)" >&2
		exit 1
	}
}
SMTP_SOURCE=$(find_tool smtp-source)
POSTFIX_SINK=$(find_tool smtp-sink)

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building..." >&2
go build -o "$work/mailstack-sink" ./examples/smtp-sink
go build -o "$work/gosmtp-sink" bench/gosmtp_sink.go
go build -o "$work/idle-conns" bench/idle_conns.go

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start NAME PORT: starts the server NAME on PORT; sets SERVER_PID.
start() {
	local name=$1 port=$2
	case $name in
	mailstack) "$work/mailstack-sink" -listen "127.0.0.1:$port" >/dev/null & ;;
	go-smtp) "$work/gosmtp-sink" "127.0.0.1:$port" >/dev/null 2>&1 & ;;
	postfix)
		local user=()
		[ "$(id -u)" = 0 ] && user=(-u nobody)
		"$POSTFIX_SINK" "${user[@]}" "127.0.0.1:$port" 4096 & ;;
	esac
	SERVER_PID=$!
	pids+=("$SERVER_PID")
	for _ in $(seq 200); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	echo "bench: $name did not start" >&2
	exit 1
}

stop() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

# rate NAME: sets RATE to the messages per second of one smtp-source run
# against NAME. (Not run in a subshell, so that the EXIT trap knows every
# server started.)
rate() {
	local port t0 t1
	port=$(free_port)
	start "$1" "$port"
	t0=$(date +%s%N)
	"$SMTP_SOURCE" -s "$SESSIONS" -m "$MESSAGES" -l "$SIZE" \
		-f a@example.org -t b@example.org "127.0.0.1:$port"
	t1=$(date +%s%N)
	stop
	RATE=$(awk -v m="$MESSAGES" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f", m / (ns / 1e9) }')
}

# rss NAME: sets RSS to "before after", the server's resident set size in
# KiB at start and with IDLE connections open, or "- -" if the server
# would not hold them within 60 seconds.
rss() {
	local port before after line
	port=$(free_port)
	start "$1" "$port"
	before=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
	coproc IDLEC { exec timeout 120 "$work/idle-conns" "127.0.0.1:$port" "$IDLE" 2>&1; }
	local idle_pid=$IDLEC_PID
	pids+=("$idle_pid")
	if read -r -t 60 line <&"${IDLEC[0]}" && [ "$line" = ready ]; then
		sleep 1
		after=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
		RSS="$before $after"
	else
		echo "bench: $1 did not hold $IDLE connections: $line" >&2
		RSS="- -"
	fi
	kill "$idle_pid" 2>/dev/null || true
	wait "$idle_pid" 2>/dev/null || true
	stop
}

servers=(mailstack go-smtp postfix)
# A short warm-up run of each, not counted: the first run after the build
# is slow whoever goes first.
for s in "${servers[@]}"; do
	MESSAGES=200 rate "$s"
done
declare -A best
for s in "${servers[@]}"; do best[$s]=0; done
for round in $(seq "$ROUNDS"); do
	for s in "${servers[@]}"; do
		rate "$s"
		echo "round $round: $s $RATE msg/s" >&2
		if [ "$RATE" -gt "${best[$s]}" ]; then best[$s]=$RATE; fi
	done
done

# Postfix's smtp-sink stops accepting at 256 sessions, so it is left out
# of the memory comparison.
declare -A mem
for s in mailstack go-smtp; do
	rss "$s"
	mem[$s]=$RSS
done
mem[postfix]="- -"

echo
echo "smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE, best of $ROUNDS rounds; RSS with $IDLE idle connections"
printf '%-10s %10s %14s %14s\n' server "msg/s" "RSS idle MiB" "RSS start MiB"
for s in "${servers[@]}"; do
	read -r before after <<<"${mem[$s]}"
	awk -v s="$s" -v r="${best[$s]}" -v a="$after" -v b="$before" 'BEGIN {
		if (a == "-") printf "%-10s %10s %14s %14s\n", s, r, "-", "-"
		else printf "%-10s %10s %14.1f %14.1f\n", s, r, a / 1024, b / 1024 }'
done
awk -v m="${best[mailstack]}" -v g="${best[go-smtp]}" -v p="${best[postfix]}" 'BEGIN {
	printf "mailstack / go-smtp: %.2fx   (goal > 1)\n", m / g
	printf "mailstack / postfix: %.2fx   (goal >= 0.8)\n", m / p }'
