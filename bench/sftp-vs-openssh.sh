#!/usr/bin/env bash
# Upload and download throughput of the bridge's SFTP server against
# OpenSSH's sshd with internal-sftp: the same file, the same OpenSSH sftp
# client and cipher, alternating runs. Prints MB/s per run (session set-up
# time taken off), the medians and the ratio per direction. The bridge's
# upload time includes what it does and sshd does not: sha256 of the
# upload, an fsync and the hand-over.
#
#   bench/sftp-vs-openssh.sh                 # 256 MiB, 5 runs each, both ways
#   SIZE_MIB=64 RUNS=3 bench/sftp-vs-openssh.sh
#   DIRECTIONS=download bench/sftp-vs-openssh.sh
#
# Needs: go, ssh-keygen, sftp (openssh-client), /usr/sbin/sshd (openssh-server).
# The goal is a ratio (bridge / OpenSSH) of at least 0.95 each way.
set -euo pipefail
shopt -s inherit_errexit

SIZE_MIB=${SIZE_MIB:-256}
RUNS=${RUNS:-5}
CIPHER=${CIPHER:-aes128-gcm@openssh.com}
DIRECTIONS=${DIRECTIONS:-upload download}
SSHD=${SSHD:-/usr/sbin/sshd}
REPO=$(cd "$(dirname "$0")/.." && pwd)

for tool in go ssh-keygen sftp "$SSHD"; do
	command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

work=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/sshd_host_key"
cp "$work/client_key.pub" "$work/authorized_keys"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$work/payload"
mkdir -p "$work/sshd-dest" "$work/sshd-src" "$work/bridge/outbox" "$work/got"
# Downloads: the bridge serves outbox/ (the ERP's /outbox/results), sshd a
# folder of its own; both copies are in the page cache after the warm-up.
cp "$work/payload" "$work/bridge/outbox/payload"
cp "$work/payload" "$work/sshd-src/payload"

# OpenSSH: a throwaway sshd on a loopback port, as the current user.
sshd_port=$((20000 + RANDOM % 20000))
cat >"$work/sshd_config" <<CONF
ListenAddress 127.0.0.1
HostKey $work/sshd_host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
PermitRootLogin yes
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
CONF
if [ "$(id -u)" = 0 ]; then mkdir -p /run/sshd; fi
"$SSHD" -D -e -f "$work/sshd_config" -p "$sshd_port" 2>"$work/openssh.log" &
pids+=($!)

# The bridge: bench/sftpbench serves user "bench" and deletes each upload
# once it is handed over.
go build -o "$work/sftpbench" "$REPO/bench/sftpbench"
"$work/sftpbench" -dir "$work/bridge" -authorized-keys "$work/client_key.pub" >"$work/bridge.out" 2>"$work/bridge.log" &
pids+=($!)

for _ in $(seq 100); do
	grep -q '^listening on ' "$work/bridge.out" 2>/dev/null && break
	sleep 0.1
done
bridge_addr=$(sed -n 's/^listening on //p' "$work/bridge.out")
[ -n "$bridge_addr" ] || { cat "$work/bridge.log" >&2; exit 1; }
bridge_port=${bridge_addr##*:}

# session TARGET COMMAND: one timed sftp session running COMMAND; prints seconds.
session() {
	local port user
	case $1 in
	bridge) port=$bridge_port user=bench ;;
	openssh) port=$sshd_port user=$(id -un) ;;
	esac
	local start end
	start=$(date +%s.%N)
	sftp -q -b - -c "$CIPHER" -P "$port" -i "$work/client_key" -F /dev/null \
		-o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"$user@127.0.0.1" <<<"$2" >/dev/null ||
		{ echo "sftp to $1 failed: $2" >&2; tail -5 "$work/$1.log" >&2; exit 1; }
	end=$(date +%s.%N)
	awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

# upload TARGET: one timed upload of the payload; prints seconds.
upload() {
	local dest=/inbox/bench/payload
	[ "$1" = openssh ] && dest=$work/sshd-dest/payload
	session "$1" "put $work/payload $dest"
	rm -f "$work/sshd-dest/payload"
}

# download TARGET: one timed download of the payload; prints seconds.
download() {
	local src=/outbox/results/payload
	[ "$1" = openssh ] && src=$work/sshd-src/payload
	session "$1" "get $src $work/got/payload"
	cmp -s "$work/payload" "$work/got/payload" || { echo "download from $1 differs" >&2; exit 1; }
	rm -f "$work/got/payload"
}

for _ in $(seq 50); do
	sftp -q -b - -P "$sshd_port" -i "$work/client_key" -F /dev/null -o BatchMode=yes \
		-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR "$(id -un)@127.0.0.1" <<<"pwd" >/dev/null 2>&1 && break
	sleep 0.1
done

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
mbps() { awk -v m="$SIZE_MIB" -v s="$1" 'BEGIN { printf "%.1f", m * 1.048576 / s }'; }

# Connection set-up differs (sshd forks and re-executes itself per
# connection) and is not what is compared: measure it with an empty session
# and take it off each upload's time.
declare -A setup
for target in bridge openssh; do
	setup[$target]=$(for _ in 1 2 3; do session "$target" pwd; echo; done | median)
done

printf 'session set-up (subtracted): bridge %.3fs, openssh %.3fs\n' "${setup[bridge]}" "${setup[openssh]}"
summary=()
for dir in $DIRECTIONS; do
	case $dir in upload | download) ;; *) echo "unknown direction: $dir" >&2; exit 2 ;; esac
	echo "$dir of $SIZE_MIB MiB with sftp -c $CIPHER, $RUNS alternating runs"
	"$dir" bridge >/dev/null # warm-up: page cache, first handshake
	"$dir" openssh >/dev/null
	: >"$work/bridge.mbps"
	: >"$work/openssh.mbps"
	for i in $(seq "$RUNS"); do
		if ((i % 2)); then order="bridge openssh"; else order="openssh bridge"; fi
		for target in $order; do
			secs=$("$dir" "$target")
			net=$(awk -v s="$secs" -v o="${setup[$target]}" 'BEGIN { printf "%.3f", s - o }')
			rate=$(mbps "$net")
			echo "$rate" >>"$work/$target.mbps"
			printf 'run %d  %-8s %6.3fs  transfer %6.3fs  %7s MB/s\n' "$i" "$target" "$secs" "$net" "$rate"
		done
	done
	b=$(median <"$work/bridge.mbps")
	o=$(median <"$work/openssh.mbps")
	summary+=("$(printf '%-8s median   bridge %s MB/s   openssh %s MB/s   ratio %s (goal >= 0.95; SFTPGo ~0.9)' "$dir" "$b" "$o" \
		"$(awk -v b="$b" -v o="$o" 'BEGIN { printf "%.2f", b / o }')")")
done
printf '%s\n' "${summary[@]}"
