#!/usr/bin/env bash
# Builds and installs pgvector for the running PostgreSQL (docs/DECISIONS.md, "Assistant"): Debian 12 has no
# postgresql-15-pgvector, so the extension is compiled from the source package of Debian's next release.
# Idempotent: does nothing when the server already offers the extension.
set -euo pipefail

PSQL=(psql -h 127.0.0.1 -U postgres -d postgres -Atqc)
if [ "$("${PSQL[@]}" "select count(*) from pg_available_extensions where name = 'vector'")" = "1" ]; then
  exit 0
fi
major=$("${PSQL[@]}" "show server_version_num" | cut -c1-2)

apt-get update -qq
apt-get install -y -qq "postgresql-server-dev-${major}" build-essential dpkg-dev >/dev/null

# A source-only entry for trixie, on the same mirror this machine's sources already use (its address is
# read from them, not written here).
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
  || grep -m1 -oE 'https?://[^ ]+' /etc/apt/sources.list)
list=/etc/apt/sources.list.d/gpubroker-pgvector-src.sources
if [ ! -f "$list" ]; then
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$list"
  apt-get update -qq
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cd "$work"
apt-get source -qq --download-only pgvector >/dev/null
dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null
cd src
make -s PG_CONFIG="/usr/lib/postgresql/${major}/bin/pg_config" >/dev/null
make -s PG_CONFIG="/usr/lib/postgresql/${major}/bin/pg_config" install >/dev/null
echo "pgvector $(grep -m1 default_version vector.control | cut -d"'" -f2) installed for PostgreSQL ${major}"
