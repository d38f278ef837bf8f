# tests/lib.sh: the shell test harness, sourced by every tests/*.t.
# Each test file gets a fresh state directory and config and prints TAP.
# ok/not ok lines name what they show; a crash (exit >= 128) never passes.

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
PATH=$top_builddir/bin:$top_builddir/tests/unit:$PATH
export PATH LC_ALL=C

T=$(mktemp -d /tmp/nubes-test.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
unset CLOUD_TOKEN CLOUD_USERNAME CLOUD_PASSWORD CLOUD_PROJECT CLOUD_PROFILE
CLOUD_CONFIG=$T/nubes.conf
CLOUD_STATE_DIR=$T/state
HOME=$T/home
export CLOUD_CONFIG CLOUD_STATE_DIR HOME
mkdir -p "$HOME"
# The domain type tests/rig/detect-virt-type found (kvm, or qemu where
# /dev/kvm cannot boot a guest), visible in the config as for an admin.
NUBES_TEST_CACHE=${NUBES_TEST_CACHE:-/var/cache/nubes-test}
virt_type=$(cat "$NUBES_TEST_CACHE/virt_type" 2>/dev/null || echo qemu)
cat > "$CLOUD_CONFIG" <<CONF
[policy]
defaults = $top_srcdir/share/policy.conf
file = $T/policy.conf

[compute]
virt_type = $virt_type
CONF

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
	if [ -s "$T/out" ]; then sed 's/^/#   out: /' "$T/out" | head -20; fi
	if [ -s "$T/err" ]; then sed 's/^/#   err: /' "$T/err" | head -20; fi
}

# skip DESCRIPTION REASON: a test this machine cannot run, said so.
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	tap_desc=$1
	shift
	if "$@"; then ok "$tap_desc"; else not_ok "$tap_desc"; fi
}

# run COMMAND...: run it, keeping stdout in $T/out, stderr in $T/err
# and the exit status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect CODE DESCRIPTION COMMAND...: COMMAND exits with CODE.
expect() {
	tap_code=$1
	tap_desc=$2
	shift 2
	run "$@"
	if [ "$rc" -eq "$tap_code" ]; then
		ok "$tap_desc"
	else
		echo "# expected exit $tap_code, got $rc: $*"
		not_ok "$tap_desc"
	fi
}

# expect_fail CODE PATTERN DESCRIPTION COMMAND...: COMMAND exits with
# CODE and its stderr matches PATTERN (grep -E) on one line.
expect_fail() {
	tap_code=$1
	tap_pat=$2
	tap_desc=$3
	shift 3
	run "$@"
	if [ "$rc" -eq "$tap_code" ] && [ "$(wc -l < "$T/err")" -ge 1 ] &&
	    grep -Eq -- "$tap_pat" "$T/err"; then
		ok "$tap_desc"
	else
		echo "# expected exit $tap_code and /$tap_pat/, got $rc: $*"
		not_ok "$tap_desc"
	fi
}

# out_is TEXT DESCRIPTION: the last run's stdout is exactly TEXT.
out_is() {
	if [ "$(cat "$T/out")" = "$1" ]; then
		ok "$2"
	else
		echo "# expected stdout: $1"
		not_ok "$2"
	fi
}

# The state that a failed command must leave unchanged: every table but
# the event log, which records the failure itself.
dbdump() {
	sqlite3 "$CLOUD_STATE_DIR/nubes.db" .dump | grep -v '^INSERT INTO events'
}

# unchanged_since FILE DESCRIPTION: the database matches a dbdump FILE.
unchanged_since() {
	if dbdump | cmp -s "$1" -; then
		ok "$2"
	else
		dbdump | diff "$1" - | sed 's/^/#   /' | head -20
		not_ok "$2"
	fi
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds or time runs out.
wait_for() {
	tap_deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.1
	done
}

# outside_ns NS VETH BRIDGE ADDR/LEN: a network namespace on BRIDGE, the
# "outside" a test pings guests from, through a veth pair: VETHa on the
# bridge, VETHb in NS with ADDR.  The caller removes NS and VETHa.
outside_ns() {
	ip netns add "$1" &&
	    ip link add "${2}a" type veth peer name "${2}b" &&
	    ip link set "${2}a" master "$3" up &&
	    ip link set "${2}b" netns "$1" &&
	    ip netns exec "$1" ip addr add "$4" dev "${2}b" &&
	    ip netns exec "$1" ip link set "${2}b" up
}

# A cloud with admin/secret and ADMIN_TOKEN for the admin.
bootstrap_cloud() {
	echo secret | cloud-bootstrap --password-stdin -q ||
	    { echo "Bail out! cloud-bootstrap failed"; exit 1; }
	ADMIN_TOKEN=$(CLOUD_USERNAME=admin CLOUD_PASSWORD=secret \
	    CLOUD_PROJECT=admin cloud-token-issue -f value -c id) ||
	    { echo "Bail out! cannot issue the admin token"; exit 1; }
	CLOUD_TOKEN=$ADMIN_TOKEN
	export CLOUD_TOKEN
}

# as TOKEN COMMAND...: run COMMAND with another token.
as() {
	tap_tok=$1
	shift
	CLOUD_TOKEN=$tap_tok "$@"
}

# A project, and a user with ROLE on it; prints the user's token.
make_user() {
	cloud-project-show "$2" >/dev/null 2>&1 || cloud-project-create -q "$2"
	echo "pw-$1" | cloud-user-create -q --project "$2" --password-stdin "$1"
	cloud-role-add "$3" --user "$1" --project "$2"
	CLOUD_TOKEN= CLOUD_USERNAME=$1 CLOUD_PASSWORD=pw-$1 CLOUD_PROJECT=$2 \
	    cloud-token-issue -f value -c id
}

# use_libvirt: the test needs the libvirt daemon, and a storage pool of
# its own ($pool, in $T/pool) that goes, with the domains of the servers
# it made (their ids in $T/domains, one a line), when the test ends.
use_libvirt() {
	virsh -c qemu:///system version >/dev/null 2>&1 || {
		echo "Bail out! no libvirt daemon answers (tests/rig/libvirtd-up)"
		exit 1
	}
	[ -f "$NUBES_TEST_CACHE/disk.img" ] || {
		echo "Bail out! no test guest (tests/rig/build-guest)"
		exit 1
	}
	pool=nubes-test-$$
	vpool=nubes-test-vol-$$
	cat >> "$CLOUD_CONFIG" <<CONF
storage_pool = $pool
storage_pool_path = $T/pool
[volume]
storage_pool = $vpool
storage_pool_path = $T/volumes
CONF
	: > "$T/domains"
	trap 'libvirt_cleanup; rm -rf "$T"' EXIT
}

libvirt_cleanup() {
	for tap_s in $(cat "$T/domains" 2>/dev/null); do
		virsh -q -c qemu:///system destroy "nubes-$tap_s" >/dev/null 2>&1
		virsh -q -c qemu:///system undefine "nubes-$tap_s" >/dev/null 2>&1
	done
	for tap_p in "$pool" "$vpool"; do
		for tap_v in $(virsh -q -c qemu:///system vol-list "$tap_p" \
		    2>/dev/null | awk '{ print $1 }'); do
			virsh -q -c qemu:///system vol-delete --pool "$tap_p" \
			    "$tap_v" >/dev/null 2>&1
		done
		virsh -q -c qemu:///system pool-destroy "$tap_p" >/dev/null 2>&1
		virsh -q -c qemu:///system pool-undefine "$tap_p" \
		    >/dev/null 2>&1
	done
}

# Test files that run guests take turns: on 2 cores, TCG guests booting
# side by side starve each other.  The lock goes with the process.
guests_exclusive() {
	exec 9>/tmp/nubes-test-guests.lock
	flock 9
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
