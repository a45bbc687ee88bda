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
# Owner-only: the journal and every payment file live here.
install -d -m 0700 -o "$user" -g "$user" "$root"

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	# On upgrade, a running bridge moves to the new binary; otherwise nothing.
	systemctl try-restart atlar-bridge.service >/dev/null 2>&1 || true
fi
if [ ! -e /etc/atlar-bridge/secret ]; then
	echo "atlar-bridge: put the Atlar secret in /etc/atlar-bridge/secret (mode 0640, root:$user),"
	echo "  edit /etc/atlar-bridge/config.toml, then: systemctl enable --now atlar-bridge"
fi
exit 0
