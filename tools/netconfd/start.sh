#!/usr/bin/env bash
# A real NETCONF server for the integration tests: Debian's netconfd
# (yuma123) behind sshd, on 127.0.0.1:8830. Idempotent; installs the
# packages when missing (needs root and Debian's repositories). `npm test`
# runs it (tools/dev/src/services.ts) when netconfd does not answer.
#   bash tools/netconfd/start.sh
set -euo pipefail
DIR=${NETCONFD_DIR:-/tmp/st-netconfd}
PORT=${NETCONFD_PORT:-8830}
USER_NAME=netconf-test
# One sshd per network namespace (a test run inside `unshare -n` needs its own
# port), so its pid file is named after the namespace. netconfd itself is
# reached through the Unix socket /tmp/ncxserver.sock from any namespace.
SSHD_PID=$DIR/sshd-net$(stat -Lc %i /proc/self/ns/net).pid

answers() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }

if ! command -v netconfd >/dev/null || ! command -v /usr/sbin/sshd >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/yuma/libietf-interfaces.so ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq netconfd netconfd-module-ietf-interfaces openssh-server >/dev/null
fi

id "$USER_NAME" >/dev/null 2>&1 || useradd -m -s /bin/sh "$USER_NAME"
# A locked account ('!') is refused by sshd even for key logins; '*' has no password and is not locked.
usermod -p '*' "$USER_NAME"
mkdir -p /run/sshd "$DIR"
[ -f "$DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_ed25519"
[ -f "$DIR/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$DIR/client_ed25519"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
install -d -m 700 -o "$USER_NAME" -g "$USER_NAME" "$home/.ssh"
install -m 600 -o "$USER_NAME" -g "$USER_NAME" "$DIR/client_ed25519.pub" "$home/.ssh/authorized_keys"
chmod 644 "$DIR/client_ed25519" # the tests read it; it opens nothing but this test account

# Quirk: its ietf-interfaces module runs get-interface-ipv4 <ifname>, which Debian does not ship.
if ! command -v get-interface-ipv4 >/dev/null; then
  printf '#!/bin/sh\n# Stand-in for the helper netconfd-module-ietf-interfaces expects.\necho 127.0.0.1\n' > /usr/local/bin/get-interface-ipv4
  chmod 755 /usr/local/bin/get-interface-ipv4
fi

cat > "$DIR/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PermitRootLogin no
AllowUsers $USER_NAME
Subsystem netconf /usr/sbin/netconf-subsystem
CFG

if ! pgrep -x netconfd >/dev/null; then
  rm -f /tmp/ncxserver.sock # a stale socket of a netconfd that is gone
  # Quirk: netconfd refuses sessions unless its --port equals the SSH port.
  setsid netconfd --port="$PORT" --module=ietf-interfaces --no-startup --target=running \
    --superuser="$USER_NAME" --log="$DIR/netconfd.log" --log-level=info </dev/null >/dev/null 2>&1 &
fi
if ! answers && ! { [ -f "$SSHD_PID" ] && kill -0 "$(cat "$SSHD_PID")" 2>/dev/null; }; then
  /usr/sbin/sshd -f "$DIR/sshd_config" -o PidFile="$SSHD_PID" -E "$DIR/sshd.log"
fi

for _ in $(seq 1 50); do
  if pgrep -x netconfd >/dev/null && [ -S /tmp/ncxserver.sock ] && answers; then
    echo "netconfd: ready on 127.0.0.1:$PORT (user $USER_NAME, key $DIR/client_ed25519)"
    exit 0
  fi
  sleep 0.2
done
echo "netconfd: not ready; see $DIR/netconfd.log and $DIR/sshd.log" >&2
exit 1
