# shellcheck shell=bash
# Services the tests need, started for this shell: a throwaway PostgreSQL
# cluster for remediate/pgtarget. Sourced by .ci/run (set -euo pipefail);
# also usable by hand:
#
#   bash -c '. .ci/services.sh; go test ./remediate/pgtarget/ -v'
#
# It installs PostgreSQL with apt-get when initdb/pg_ctl are missing (as
# root, or through sudo), runs initdb in a temporary directory as an
# unprivileged user (postgres, or a leakguard-pg user it creates), starts
# the server on 127.0.0.1 on a free port with a random password, creates a
# database and exports LEAKGUARD_TEST_PG_DSN. An EXIT trap, chained after
# any trap already set, stops the server and removes the directory.
# Sourcing it again while the cluster runs does nothing.

_leakguard_pg_start() {
	if [ -n "${_LEAKGUARD_PG_DIR:-}" ] && [ -d "$_LEAKGUARD_PG_DIR" ] && [ -n "${LEAKGUARD_TEST_PG_DSN:-}" ]; then
		echo "services: postgres already running ($_LEAKGUARD_PG_DIR)"
		return 0
	fi

	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="$(command -v sudo || true)"

	# Find initdb and pg_ctl: Debian keeps them under /usr/lib/postgresql/*/bin.
	local bin=""
	_leakguard_pg_find_bin() {
		local d
		for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
			if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
				bin="$d"
				return 0
			fi
		done
		if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
			bin="$(dirname "$(command -v initdb)")"
		fi
	}
	_leakguard_pg_find_bin
	if [ -z "$bin" ]; then
		if [ "$(id -u)" -ne 0 ] && [ -z "$sudo" ]; then
			echo "services: PostgreSQL is not installed and this user cannot install it; hint: apt-get install postgresql" >&2
			return 1
		fi
		echo "services: installing postgresql with apt-get"
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
		_leakguard_pg_find_bin
		if [ -z "$bin" ]; then
			echo "services: initdb not found after installing postgresql" >&2
			return 1
		fi
	fi

	# initdb refuses to run as root: use an unprivileged user.
	local user="" run=()
	if [ "$(id -u)" -eq 0 ]; then
		if id postgres >/dev/null 2>&1; then
			user=postgres
		else
			user=leakguard-pg
			id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
		fi
		if command -v runuser >/dev/null 2>&1; then
			run=(runuser -u "$user" --)
		else
			run=(su -s /bin/sh "$user" -c '"$0" "$@"')
		fi
	fi

	local dir
	dir="$(mktemp -d "${TMPDIR:-/tmp}/leakguard-pg.XXXXXX")"
	[ -z "$user" ] || chown "$user" "$dir"
	chmod 700 "$dir"
	local pw
	pw="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
	(umask 077 && printf '%s\n' "$pw" >"$dir/pw")
	[ -z "$user" ] || chown "$user" "$dir/pw"

	if ! "${run[@]}" "$bin/initdb" -D "$dir/data" -U leakguard --pwfile="$dir/pw" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1; then
		echo "services: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		return 1
	fi
	rm -f "$dir/pw"

	# A free port: try random ones until the server starts.
	local port="" try
	for try in 1 2 3 4 5 6 7 8; do
		port=$((20000 + RANDOM % 30000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue # in use
		fi
		if "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
			start >/dev/null 2>&1; then
			break
		fi
		port=""
	done
	if [ -z "$port" ]; then
		echo "services: postgres did not start:" >&2
		tail -n 20 "$dir/server.log" >&2 || true
		rm -rf "$dir"
		return 1
	fi

	_LEAKGUARD_PG_DIR="$dir"
	_LEAKGUARD_PG_BIN="$bin"
	_LEAKGUARD_PG_RUN=("${run[@]}")

	_leakguard_pg_stop() {
		if [ -n "${_LEAKGUARD_PG_DIR:-}" ] && [ -d "$_LEAKGUARD_PG_DIR/data" ]; then
			"${_LEAKGUARD_PG_RUN[@]}" "$_LEAKGUARD_PG_BIN/pg_ctl" -D "$_LEAKGUARD_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
			rm -rf "$_LEAKGUARD_PG_DIR"
		fi
		_LEAKGUARD_PG_DIR=""
	}
	# Chain with the EXIT trap already set, if any, instead of replacing it.
	local prev
	prev="$(trap -p EXIT)"
	_LEAKGUARD_PREV_EXIT_TRAP=""
	if [ -n "$prev" ]; then
		eval "set -- $prev"
		_LEAKGUARD_PREV_EXIT_TRAP="$3"
	fi
	# shellcheck disable=SC2154
	trap '_leakguard_rc=$?; _leakguard_pg_stop; eval "$_LEAKGUARD_PREV_EXIT_TRAP"; exit $_leakguard_rc' EXIT

	if ! "${run[@]}" "$bin/createdb" -h "$dir" -p "$port" -U leakguard leakguard_test >"$dir/createdb.log" 2>&1; then
		echo "services: createdb failed:" >&2
		cat "$dir/createdb.log" >&2
		_leakguard_pg_stop
		return 1
	fi
	export LEAKGUARD_TEST_PG_DSN="postgres://leakguard:$pw@127.0.0.1:$port/leakguard_test?sslmode=disable"
	echo "services: postgres $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port (LEAKGUARD_TEST_PG_DSN exported)"
}

_leakguard_pg_start
