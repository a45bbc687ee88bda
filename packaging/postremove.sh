#!/bin/sh
# After the package's files are gone (deb postrm, rpm %postun): let systemd
# forget the unit. /var/lib/atlar-bridge (the journal, archives and
# outbox) and the atlar-bridge user are kept, also on purge: they record
# which payments were sent, and a reinstall resumes from them.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
