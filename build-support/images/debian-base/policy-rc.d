#!/bin/sh
# Installed as /usr/sbin/policy-rc.d: packages must not start their daemons while an
# image is built (e.g. mariadb-server's postinst); containers start them explicitly.
exit 101
