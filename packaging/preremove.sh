#!/bin/sh
# Before the package's files go (deb prerm, rpm %preun): on removal, not
# on upgrade, stop and disable the service. The bridge drains in-flight
# work before it exits.
#   deb: $1 is remove, upgrade, deconfigure or failed-upgrade
#   rpm: $1 is the number of versions left: 0 on erase, 1 on upgrade
set -e
case "$1" in
remove | 0)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now atlar-bridge.service >/dev/null 2>&1 || true
	fi
	;;
esac
exit 0
