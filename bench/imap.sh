#!/usr/bin/env bash
# bench/imap.sh: IMAP FETCH throughput against Dovecot, and memory per idle
# session, in one run.
#
# A Maildir of MESSAGES varied messages is generated once (bench/imap_gen.go:
# text, HTML, attachments, forwards, non-ASCII headers, the message corpus
# with fresh Message-IDs; LF line endings as an MDA writes them) and copied
# for each server: examples/imapd (mailstack over the maildir store) and a
# private Dovecot with a dovecot.conf written here (nothing read from
# /etc/dovecot). On one connection to each, bench/imap_client.go times
#   FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)
#   FETCH 1:* (BODY.PEEK[])
# PASSES times each (the first pass of a fresh mailbox builds caches, in
# Dovecot as in mailstack; later ones use them), then the first command
# once more after examples/imapd is restarted (its memory empty, its
# mailstack-cache files kept) and on a new Dovecot connection; messages/s
# are printed
# with the ratio mailstack/Dovecot, per second of elapsed time and per
# second of CPU time the server used (read from /proc: on a shared machine
# the steadier figure). The machine is noisy: only ratios from one run mean
# something.
#
# Memory: a fresh examples/imapd gets SESSIONS_LIST idle sessions (LOGIN,
# SELECT INBOX of the same Maildir, then nothing), and (VmRSS after - VmRSS
# before) / N is printed per count.
#
# Needs go, python3 (for a free port) and Dovecot (dovecot-core,
# dovecot-imapd). Usage:
#   bench/imap.sh
#   MESSAGES=2000 PASSES=3 SESSIONS_LIST="100 500" bench/imap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

MESSAGES=${MESSAGES:-10000}
PASSES=${PASSES:-2}
SESSIONS_LIST=${SESSIONS_LIST:-"200 1000"}
PHASES=${PHASES:-"fetch rss"} # run only some: PHASES=rss
META='(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)'
BODY='(BODY.PEEK[])'

DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$DOVECOT" ] || { echo "bench: dovecot not found (apt-get install dovecot-imapd)" >&2; exit 1; }

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# Short and traversable: Dovecot's sockets live in it and, as root, its
# mail processes run as "mail".
work=$(mktemp -d /tmp/imapbench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building..." >&2
go build -o "$work/imapd" ./examples/imapd
go build -o "$work/gen" bench/imap_gen.go
go build -o "$work/client" bench/imap_client.go

echo "generating $MESSAGES messages..." >&2
"$work/gen" -dir "$work/src" -n "$MESSAGES" >&2
mkdir -p "$work/ms" "$work/dc"
cp -a "$work/src" "$work/ms/bench"
cp -a "$work/src" "$work/dc/bench"
sync # the copies' write-back would otherwise run during the first pass
echo 'bench:{PLAIN}pass' >"$work/users"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_greeting PORT NAME: waits for an IMAP greeting on PORT.
wait_greeting() {
	for _ in $(seq 400); do
		if { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; then
			if read -r -t 2 line <&3 && [[ $line == "* OK"* ]]; then
				exec 3<&-
				return 0
			fi
			exec 3<&-
		fi
		sleep 0.05
	done
	echo "bench: $2 did not greet" >&2
	exit 1
}

# start_dovecot PORT: writes the configuration and starts Dovecot.
start_dovecot() {
	local port=$1 uid gid user group
	mkdir -p "$work/dovecot"
	if [ "$(id -u)" = 0 ]; then
		uid=$(id -u mail) gid=$(id -g mail)
		chown -R mail:mail "$work/dc"
	else
		uid=$(id -u) gid=$(id -g)
	fi
	user=$(id -un) group=$(id -gn)
	echo "bench:{PLAIN}pass:$uid:$gid::$work/dc/bench::" >"$work/dovecot/passwd"
	{
		cat <<-EOF
		instance_name = imapbench-$$
		base_dir = $work/dovecot/run
		state_dir = $work/dovecot/state
		log_path = $work/dovecot/dovecot.log
		protocols = imap
		listen = 127.0.0.1
		ssl = no
		disable_plaintext_auth = no
		auth_mechanisms = plain login
		first_valid_uid = $uid
		last_valid_uid = 0
		first_valid_gid = $gid
		mail_location = maildir:~
		mail_fsync = never
		mail_max_userip_connections = 10000
		passdb {
		  driver = passwd-file
		  args = scheme=PLAIN username_format=%u $work/dovecot/passwd
		}
		userdb {
		  driver = passwd-file
		  args = username_format=%u $work/dovecot/passwd
		}
		service imap-login {
		  service_count = 0
		  inet_listener imap {
		    address = 127.0.0.1
		    port = $port
		  }
		  inet_listener imaps {
		    port = 0
		  }
		EOF
		if [ "$(id -u)" != 0 ]; then
			echo "  chroot ="
			echo "}"
			echo "service anvil {"
			echo "  chroot ="
			echo "}"
			echo "default_internal_user = $user"
			echo "default_internal_group = $group"
			echo "default_login_user = $user"
		else
			echo "}"
		fi
	} >"$work/dovecot/dovecot.conf"
	"$DOVECOT" -F -c "$work/dovecot/dovecot.conf" >"$work/dovecot/master.log" 2>&1 &
	pids+=($!)
	wait_greeting "$port" dovecot
}

# start_imapd PORT: starts examples/imapd on PORT; sets IMAPD_PID.
start_imapd() {
	"$work/imapd" -listen "127.0.0.1:$1" -root "$work/ms" -users "$work/users" -insecure-auth >/dev/null &
	IMAPD_PID=$!
	pids+=("$IMAPD_PID")
	wait_greeting "$1" mailstack
}

stop_imapd() {
	kill "$IMAPD_PID" 2>/dev/null || true
	wait "$IMAPD_PID" 2>/dev/null || true
}

# fetch NAME PORT PIDS ITEMS [PASSES]: runs PASSES passes of FETCH 1:*
# ITEMS; sets RATES to the messages per elapsed second of each pass and
# CPURATES to the messages per CPU second the server (PIDS and their
# children) used.
fetch() {
	local out
	out=$(BENCH_PIDS=$3 "$work/client" fetch "127.0.0.1:$2" bench pass "${5:-$PASSES}" "$4")
	echo "$1 $4:" >&2
	echo "$out" | sed 's/^/  /' >&2
	RATES=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.0f ", v["msgs"] / v["secs"] }')
	CPURATES=$(echo "$out" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.0f ", (v["cpu"] > 0 ? v["msgs"] / v["cpu"] : 0) }')
}

declare -A rate cpurate
if [[ " $PHASES " == *" fetch "* ]]; then
	dport=$(free_port)
	mport=$(free_port)
	start_dovecot "$dport"
	DOVECOT_PID=${pids[-1]}
	start_imapd "$mport"
	# Maildir stores rescan a directory changed within the last two
	# seconds (file times are coarse), Dovecot as mailstack: let the
	# copies age first, as a mailbox does between deliveries.
	sleep 3
	# mailstack first for one command, Dovecot first for the other, so
	# that neither always runs in the other's wake.
	fetch mailstack "$mport" "$IMAPD_PID" "$META"
	rate[mailstack $META]=$RATES cpurate[mailstack $META]=$CPURATES
	fetch dovecot "$dport" "$DOVECOT_PID" "$META"
	rate[dovecot $META]=$RATES cpurate[dovecot $META]=$CPURATES
	fetch dovecot "$dport" "$DOVECOT_PID" "$BODY"
	rate[dovecot $BODY]=$RATES cpurate[dovecot $BODY]=$CPURATES
	fetch mailstack "$mport" "$IMAPD_PID" "$BODY"
	rate[mailstack $BODY]=$RATES cpurate[mailstack $BODY]=$CPURATES
	stop_imapd
	# A restarted examples/imapd has nothing in memory: its first pass
	# reads the folder's mailstack-cache file, as a new Dovecot imap
	# process (one per connection) reads dovecot.index.cache.
	start_imapd "$mport"
	fetch mailstack "$mport" "$IMAPD_PID" "$META" 1
	rate[restart mailstack]=$RATES cpurate[restart mailstack]=$CPURATES
	fetch dovecot "$dport" "$DOVECOT_PID" "$META" 1
	rate[restart dovecot]=$RATES cpurate[restart dovecot]=$CPURATES
	stop_imapd
fi

# idle_sessions PORT N OUT: starts a client holding N idle sessions, its
# output in OUT; sets IDLE_PID once it says "ready" (or fails).
idle_sessions() {
	"$work/client" idle "127.0.0.1:$1" bench pass "$2" >"$3" 2>&1 &
	IDLE_PID=$!
	pids+=("$IDLE_PID")
	for _ in $(seq 3000); do
		if grep -q '^ready$' "$3"; then return 0; fi
		if ! kill -0 "$IDLE_PID" 2>/dev/null; then break; fi
		sleep 0.1
	done
	echo "bench: the client did not hold $2 sessions: $(cat "$3")" >&2
	return 1
}

# rss N: sets RSS_PER to the KiB of RSS each of N idle sessions adds to a
# fresh examples/imapd, and RSS_LINE to the raw figures.
rss() {
	local n=$1 port before after warm
	port=$(free_port)
	start_imapd "$port"
	RSS_PER=- RSS_LINE=-
	# One session first, so that what the process allocates once (the
	# user's store and folder index, TLS certificate, code pages) is in
	# "before".
	if idle_sessions "$port" 1 "$work/warm.out"; then
		warm=$IDLE_PID
		sleep 1
		before=$(awk '/^VmRSS/ {print $2}' "/proc/$IMAPD_PID/status")
		if idle_sessions "$port" "$n" "$work/idle.out"; then
			sleep 2
			after=$(awk '/^VmRSS/ {print $2}' "/proc/$IMAPD_PID/status")
			RSS_PER=$(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }')
			RSS_LINE="before ${before} KiB, after ${after} KiB"
			kill "$IDLE_PID" 2>/dev/null || true
			wait "$IDLE_PID" 2>/dev/null || true
		fi
		kill "$warm" 2>/dev/null || true
		wait "$warm" 2>/dev/null || true
	fi
	stop_imapd
}

declare -A rss_per rss_line
if [[ " $PHASES " == *" rss "* ]]; then
	for n in $SESSIONS_LIST; do
		rss "$n"
		rss_per[$n]=$RSS_PER
		rss_line[$n]=$RSS_LINE
	done
fi

# table NAME ARRAY: prints mailstack's, Dovecot's and their ratio per pass.
table() {
	local -n arr=$2
	echo "  $1"
	read -ra m <<<"${arr[mailstack $1]}"
	read -ra d <<<"${arr[dovecot $1]}"
	printf '    %-10s' mailstack; printf ' %10s' "${m[@]}"; echo
	printf '    %-10s' dovecot; printf ' %10s' "${d[@]}"; echo
	printf '    %-10s' ratio
	for i in "${!m[@]}"; do
		printf ' %9.2fx' "$(awk -v a="${m[$i]}" -v b="${d[$i]}" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	done
	echo
}

echo
if [[ " $PHASES " == *" fetch "* ]]; then
	echo "IMAP FETCH 1:* on one connection, $MESSAGES messages ($(du -sh "$work/src" | cut -f1) Maildir, LF line ends)."
	echo "Messages per second of elapsed time, pass 1 to $PASSES:"
	for items in "$META" "$BODY"; do table "$items" rate; done
	echo "Messages per CPU second used by the server (steadier on a busy machine):"
	for items in "$META" "$BODY"; do table "$items" cpurate; done
	echo "$META after a restart of examples/imapd (a new Dovecot process), messages/s:"
	for kind in rate cpurate; do
		m=${rate[restart mailstack]} d=${rate[restart dovecot]}
		[ $kind = cpurate ] && m=${cpurate[restart mailstack]} d=${cpurate[restart dovecot]}
		printf '  per %-7s mailstack %8s  dovecot %8s  ratio %6.2fx\n' \
			"$([ $kind = rate ] && echo second || echo 'CPU s')" "$m" "$d" \
			"$(awk -v a="$m" -v b="$d" 'BEGIN { print (b > 0 ? a / b : 0) }')"
	done
fi
if [[ " $PHASES " == *" rss "* ]]; then
	echo "Idle authenticated sessions (LOGIN + SELECT INBOX) on examples/imapd, RSS per session:"
	for n in $SESSIONS_LIST; do
		echo "  $n sessions: ${rss_per[$n]} KiB/session (${rss_line[$n]})"
	done
fi
