#!/bin/sh
# Live migration between two real libvirt hosts on this machine (the
# test rig's second daemons, tests/rig/libvirtd-host2-up), with block
# migration: host-local pools at the same path on both, so the disks
# must be copied.  The guest keeps running through every move (its one
# boot powers off at the end), answers pings from a test namespace on
# its network all along and keeps its volume, whose bytes go with it,
# the database follows libvirt, claims are
# released on failure, and a cloud-migrate killed after libvirt moved
# the guest is settled by one cloud-reconcile.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
rig=${top_srcdir:-.}/tests/rig
portA=$((16520 + $$ % 200 * 2))
portB=$((portA + 1))
hosts_down() {
	NUBES_HOST2_DIR=$T/hostA "$rig/libvirtd-host2-down" -p >/dev/null 2>&1
	NUBES_HOST2_DIR=$T/hostB "$rig/libvirtd-host2-down" -p >/dev/null 2>&1
}
# The guest's network: both rig hosts share this machine's kernel, so
# its bridge is one device, made here as an admin makes a shared
# segment's; an "outside" namespace on it pings the guest.
ns=nbt-out-$$
veth=nbt-v$$
net_down() {
	ip netns del "$ns" 2>/dev/null
	ip link del "${veth}a" 2>/dev/null
	[ -n "${br:-}" ] && ip link del "$br" 2>/dev/null
}
trap 'hosts_down; net_down; libvirt_cleanup; rm -rf "$T"' EXIT
NUBES_HOST2_DIR=$T/hostA "$rig/libvirtd-host2-up" "$portA" >"$T/upA" 2>&1 &&
    NUBES_HOST2_DIR=$T/hostB "$rig/libvirtd-host2-up" "$portB" \
    >"$T/upB" 2>&1 || {
	sed 's/^/# /' "$T/upA" "$T/upB"
	echo "Bail out! cannot start the test's two libvirt hosts"
	exit 1
}
bootstrap_cloud
# Pools under /var/lib/libvirt are each host's own: storage not shared.
printf '[compute]\nstorage_pool_path = /var/lib/libvirt/images/%s\n' \
    "nubes-test-$$" >> "$CLOUD_CONFIG"
printf '[volume]\nstorage_pool_path = /var/lib/libvirt/images/%s\n' \
    "$vpool" >> "$CLOUD_CONFIG"
uriA=qemu+tcp://127.0.0.1:$portA/system
uriB=qemu+tcp://127.0.0.1:$portB/system
cloud-host-add -q hostA --uri "$uriA"
cloud-host-add -q hostB --uri "$uriB"
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1 --swap 16
db=$CLOUD_STATE_DIR/nubes.db
cloud-net-create -q mnet
cloud-subnet-create -q --net mnet --cidr 10.78.0.0/24 --no-dhcp msub
br=$(cloud-net-show mnet -f value -c bridge)
ip link add "$br" type bridge && ip link set "$br" up &&
    outside_ns "$ns" "$veth" "$br" 10.78.0.250/24 || {
	echo "Bail out! cannot make the test's bridge and namespace"
	exit 1
}
answers() {
	ip netns exec "$ns" ping -c 1 -W 1 10.78.0.2 >/dev/null 2>&1
}
# The guest's default security group admits its members only: ICMP from
# the namespace too.
cloud-secgroup-rule-add -q default --direction ingress --protocol icmp

# The guest writes a marker on the first volume it is given.
cat > "$T/writer" <<'UD'
#!/bin/sh
(
	while :; do
		for d in /sys/block/vd*; do
			[ -n "$(cat $d/serial 2>/dev/null)" ] && break 2
		done
		sleep 0.3
	done
	echo NUBES-MARKER-42 | dd of=/dev/${d##*/} bs=512 count=1 \
	    conv=sync,fsync 2>/dev/null && echo NUBES-MARK-WRITTEN
) &
UD
id=$(cloud-boot --flavor m1.tiny --image tiny --host hostA --net mnet \
    --user-data-stdin -f value -c id vm < "$T/writer")
domstate() {
	virsh -c "$1" domstate "nubes-$id" 2>/dev/null | head -n 1
}
field() {
	cloud-server-show vm -f value -c "$1"
}
used() {
	cloud-host-show "$1" -f value -c vcpus_used -c servers | tr '\n' ' '
}
vols() {
	virsh -q -c "$1" vol-list "nubes-test-$$" 2>/dev/null | grep -c "$id"
}
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until cloud-server-console vm 2>/dev/null | grep -q -- "$1"; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}
check "the guest runs on hostA" test "$(domstate "$uriA")" = running
check "  ... and is up" wait_console NUBES-GUEST-READY

check "  ... and answers on its network" wait_for 120 answers
vol=$(cloud-volume-create --size 1 --host hostA -f value -c id vol1)
volname=nubes-vol-$vol
cloud-volume-attach -q vol1 vm
check "  ... its volume attached, the guest wrote its marker" \
    wait_console NUBES-MARK-WRITTEN
# volume_on URI: the marker the volume holds in that host's pool.
volume_on() {
	rm -f "$T/vol" "$T/vol.raw"
	virsh -q -c "$1" vol-download --pool "$vpool" "$volname" "$T/vol" \
	    >/dev/null 2>&1 &&
	    qemu-img dd -f qcow2 -O raw bs=512 count=1 if="$T/vol" \
	    of="$T/vol.raw" >/dev/null 2>&1 && head -c 15 "$T/vol.raw"
}

# Pinged every 200 ms while it moves.
ip netns exec "$ns" ping -i 0.2 10.78.0.2 > "$T/ping" 2>&1 &
pinger=$!
expect 0 "live block migration" cloud-migrate --live --block-migration \
    -f value -c host -c status vm
out_is "hostB
ACTIVE" "  ... the scheduler chose the other host; the server is there"
cp "$T/out" "$T/moved"
sleep 1	# the pings of a second more, to see the guest answer there
kill -INT "$pinger"
wait "$pinger"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/ping")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping")
echo "# pings during the migration: $got of $sent answered"
check "  ... at most 5 of the pings every 200 ms were lost" \
    test "${sent:-0}" -gt 5 -a $((${sent:-0} - ${got:-0})) -le 5
cp "$T/moved" "$T/out"
check "  ... libvirt runs it on hostB" test "$(domstate "$uriB")" = running
check "  ... and hostA has no domain left" test -z "$(domstate "$uriA")"
check "  ... its volume moved with it, marker and all" \
    test "$(cloud-volume-show vol1 -f value -c host -c status |
    tr '\n' ' ')$(volume_on "$uriB")" = "hostB in-use NUBES-MARKER-42"
check "  ... and left hostA's pool" test -z "$(volume_on "$uriA")"
check "  ... nor its disks" test "$(vols "$uriA")" = 0
check "  ... the claims moved" test "$(used hostA)$(used hostB)" = "0 0 1 1 "
run cloud-migration-list -f value -c server -c kind -c status -c source \
    -c dest
out_is "vm	block	completed	hostA	hostB" "  ... recorded as a migration"
check "  ... with its downtime and bytes" test -n "$(sqlite3 "$db" \
    "SELECT 1 FROM migrations WHERE downtime_ms > 0 AND bytes > 0")"
run cloud-server-events vm -f value -c action -c result
check "  ... and as the server's action" \
    grep -q "^live-migration	success$" "$T/out"

# A volume's snapshots do not move with it: refused while it has any.
cloud-volume-detach -q vol1
cloud-snapshot-create -q --volume vol1 snap1
cloud-volume-attach -q vol1 vm
dbdump > "$T/before"
expect_fail 5 "has volumes with snapshots \\(snap1\\)" \
    "a server whose volume has snapshots is not moved" \
    cloud-migrate --live --block-migration vm
unchanged_since "$T/before" "  ... and nothing changed"
cloud-snapshot-delete -q snap1

expect 0 "and back, to a named host" cloud-migrate --live --block-migration \
    --host hostA -f value -c host vm
out_is hostA "  ... it is on hostA"
check "  ... libvirt runs it there" test "$(domstate "$uriA")" = running
check "  ... and not on hostB" test -z "$(domstate "$uriB")"
check "  ... it answers there too" wait_for 30 answers
check "  ... its port moved with it" test "$(sqlite3 "$db" "SELECT h.name
    FROM ports p JOIN hosts h ON h.id = p.host_id")" = hostA

dbdump > "$T/before"
expect_fail 1 "not shared, use --block-migration" \
    "without shared storage, a plain live migration fails" \
    cloud-migrate --live vm
check "  ... the guest still runs on hostA" test "$(domstate "$uriA")" = running
check "  ... the claims are released" test "$(used hostA)$(used hostB)" = "1 1 0 0 "
check "  ... the failure is recorded" test "$(sqlite3 "$db" \
    "SELECT status FROM migrations ORDER BY started_at DESC, rowid DESC LIMIT 1")" = failed
expect_fail 6 "hostA: different_host" "a migration to its own host is refused" \
    cloud-migrate --live --block-migration --host hostA vm
expect_fail 2 "go with --live" "--auto-converge without --live is refused" \
    cloud-migrate --auto-converge vm

# Killed after libvirt moved the guest, before recording it.
NUBES_CRASH_AT=migrate:after cloud-migrate --live --block-migration vm \
    >/dev/null 2>&1
check "cloud-migrate killed after the move (status $?)" \
    test "$(field task_state)" = migrating
check "  ... libvirt runs the guest on hostB" test "$(domstate "$uriB")" = running
expect 0 "one cloud-reconcile" cloud-reconcile -f value -c resource -c now
check "  ... says the migration completed" grep -q "^migration	completed$" \
    "$T/out"
check "  ... the server is on hostB" test "$(field host)" = hostB
check "  ... idle" test -z "$(field task_state)"
check "  ... hostA's copies of its disks are gone" test "$(vols "$uriA")" = 0
check "  ... the claims are true" test "$(used hostA)$(used hostB)" = "0 0 1 1 "
expect 0 "a second cloud-reconcile" cloud-reconcile -f value -c name
out_is "" "  ... has nothing to do"

# The destination's daemon is down.
NUBES_HOST2_DIR=$T/hostA "$rig/libvirtd-host2-down" >/dev/null 2>&1
expect_fail 1 "127.0.0.1:$portA" \
    "a migration to an unreachable host fails" \
    cloud-migrate --live --block-migration vm
check "  ... the guest still runs on hostB" test "$(domstate "$uriB")" = running
check "  ... the server is still there, idle" \
    test "$(field host)/$(field task_state)" = "hostB/"
check "  ... the claims are released" test "$(used hostA)$(used hostB)" = "0 0 1 1 "

# One boot all along: the guest powers off from the ACPI button.
expect 0 "stop it" cloud-server-stop vm
check "  ... the guest powered off" wait_console NUBES-POWEROFF
check "  ... and booted once, through three migrations" \
    test "$(cloud-server-console vm | grep -c NUBES-GUEST-BOOT)" = 1
check "  ... its console log was read through libvirt, from hostB's pool" \
    test ! -e "$CLOUD_STATE_DIR/console/$id.log" -a \
    -n "$(virsh -q -c "$uriB" vol-list "nubes-test-$$" | grep "$id-console")"
expect 0 "delete it" cloud-server-delete vm
check "  ... its volume is available, on the host it ended on" \
    test "$(cloud-volume-show vol1 -f value -c host -c status |
    tr '\n' ' ')$(volume_on "$uriB")" = "hostB available NUBES-MARKER-42"
expect 0 "delete the volume" cloud-volume-delete vol1
done_testing
