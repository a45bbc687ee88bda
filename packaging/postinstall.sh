#!/bin/sh
# After the package's files are in place (deb postinst "configure", rpm %post):
# create the atlar-bridge system user and its storage root, and let systemd
# see the unit. A first install does not start the service: the operator
# sets the Atlar credentials first, then runs systemctl enable --now.
set -e
user=atlar-bridge
root=/var/lib/atlar-bridge

if ! getent passwd "$user" >/dev/null 2>&1; then
	nologin=/usr/sbin/nologin
	[ -x "$nologin" ] || nologin=/sbin/nologin
	[ -x "$nologin" ] || nologin=/bin/false
	if getent group "$user" >/dev/null 2>&1; then
		group_opt="--gid $user"
	else
		group_opt="--user-group"
	fi
	# shellcheck disable=SC2086 # group_opt is two words on purpose
	useradd --system $group_opt --home-dir "$root" --no-create-home \
		--shell "$nologin" --comment "Atlar Bridge" "$user"
fi
group=atlar-bridge
if ! getent group "$group" >/dev/null 2>&1; then
	groupadd --system "$group"
fi
# A folder-based ERP runs as another user: add it to the group
# (usermod -aG atlar-bridge erp). The group may enter the root and, as the
# bridge creates them, write inbox/ (setgid, group-writable) and read
# outbox/ and failed/; state/ and the host keys stay the bridge's alone.
install -d -m 2750 -o "$user" -g "$group" "$root"
# Upgrades from a version that made every folder owner-only.
for d in "$root"/inbox "$root"/inbox/*; do
	[ -d "$d" ] && chgrp "$group" "$d" && chmod 2770 "$d"
done
for d in "$root"/outbox "$root"/outbox/* "$root"/failed; do
	[ -d "$d" ] && chgrp "$group" "$d" && chmod 2750 "$d"
done

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	# On upgrade, a running bridge moves to the new binary; otherwise nothing.
	systemctl try-restart atlar-bridge.service >/dev/null 2>&1 || true
fi
if [ ! -e /etc/atlar-bridge/secret ]; then
	echo "atlar-bridge: put the Atlar secret in /etc/atlar-bridge/secret (owner $user, mode 0600:"
	echo "  the bridge refuses a secret its group may read), edit /etc/atlar-bridge/config.toml,"
	echo "  check it with: atlar-bridge doctor --online --config /etc/atlar-bridge/config.toml"
	echo "  then: systemctl enable --now atlar-bridge"
	echo "  A folder-based ERP user joins the group: usermod -aG $group <erp-user>"
fi
exit 0
