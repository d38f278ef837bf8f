#!/bin/sh
# Crash safety of cloud-boot: killed (SIGKILL) before its domain is
# defined, after it is defined, after it is started, and at whatever
# point a kill -9 from outside lands.  One cloud-reconcile then leaves
# no server building, no orphan domain, disk or scratch file, and the
# host's claims true.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1 --swap 16
db=$CLOUD_STATE_DIR/nubes.db
v="virsh -q -c qemu:///system"

id_of() {
	cloud-server-show "$1" -f value -c id
}
# The host's claim counters as the servers say they should be.
claims_true() {
	[ "$(sqlite3 "$db" "SELECT count(*) FROM hosts h WHERE
	    vcpus_used <> (SELECT ifnull(sum(max(vcpus, ifnull(old_vcpus, 0))), 0)
	      FROM servers s WHERE s.host_id = h.id AND s.vm_state <> 'error')
	    OR servers <> (SELECT count(*) FROM servers s
	      WHERE s.host_id = h.id AND s.vm_state <> 'error')")" = 0 ]
}

for at in before-define after-define after-start; do
	NUBES_CRASH_AT=boot:$at cloud-boot --flavor m1.tiny --image tiny \
	    "crash-$at" >/dev/null 2>&1
	rc=$?
	check "cloud-boot killed at boot:$at (status $rc)" test "$rc" = 137
	id=$(id_of "crash-$at")
	echo "$id" >> "$T/domains"
	check "  ... left it BUILDING" \
	    test "$(cloud-server-show "crash-$at" -f value -c status)" = BUILDING
done
check "  ... the disks of the one killed before define are in the pool" \
    sh -c "$v vol-list $pool | grep -q '$(id_of crash-before-define)-disk'"
check "  ... the one killed after define has a domain, shut off" \
    test "$($v domstate "nubes-$(id_of crash-after-define)")" = "shut off"

# kill -9 from outside, once the boot has claimed its host.
cloud-boot --flavor m1.tiny --image tiny killed >/dev/null 2>&1 &
pid=$!
tap_deadline=$(($(date +%s) + 60))
until [ -n "$(cloud-server-list --name killed -f value -c id 2>/dev/null)" ]; do
	[ "$(date +%s)" -ge "$tap_deadline" ] && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid"
check "a boot killed from outside (status $?)" \
    test -n "$(cloud-server-list --name killed -f value -c id)"
id_of killed >> "$T/domains"

expect 0 "one cloud-reconcile" cloud-reconcile -f value -c name -c now
run cloud-server-list -f value -c name -c status
check "  ... no server is left building" sh -c "! grep -q BUILDING $T/out"
check "  ... killed before define: ERROR" \
    grep -q "^crash-before-define	ERROR$" "$T/out"
check "  ... killed after define: ERROR" \
    grep -q "^crash-after-define	ERROR$" "$T/out"
check "  ... killed after start: ACTIVE, its guest kept" \
    grep -q "^crash-after-start	ACTIVE$" "$T/out"
check "  ... killed from outside: ACTIVE or ERROR" \
    grep -Eq "^killed	(ACTIVE|ERROR)$" "$T/out"
check "  ... and the fault says why" sh -c "cloud-server-show \
    crash-after-define -f value -c fault | grep -q 'the process working on it died'"

# Nothing is orphaned: every domain and volume of ours belongs to an
# active server, and each active server's domain runs.
active=$(sqlite3 "$db" "SELECT id FROM servers WHERE vm_state = 'active'")
orphans=
for d in $($v list --all --name | grep '^nubes-'); do
	echo "$active" | grep -qx "${d#nubes-}" || orphans="$orphans $d"
done
check "no domain but those of active servers (orphans:$orphans)" \
    test -z "$orphans"
orphans=
for vol in $($v vol-list "$pool" | awk '{ print $1 }'); do
	case $vol in nubes-image-*) continue ;; esac
	s=$(echo "$vol" | sed 's/^nubes-\(.\{36\}\)-.*/\1/')
	echo "$active" | grep -qx "$s" || orphans="$orphans $vol"
done
check "no volume but those of active servers (orphans:$orphans)" \
    test -z "$orphans"
for s in $active; do
	check "  ... $s runs" test "$($v domstate "nubes-$s")" = running
done
check "no config drive scratch files left" \
    test -z "$(ls "$CLOUD_STATE_DIR/tmp" 2>/dev/null)"
check "the host's claims are true" claims_true
run sh -c "sqlite3 '$db' \"SELECT count(*) FROM servers WHERE claim IS NOT NULL
    OR task_state IS NOT NULL\""
out_is 0 "no claim or task left on any server"
expect 0 "a second cloud-reconcile" cloud-reconcile -f value -c name
out_is "" "  ... has nothing left to do"

cloud-server-list -f value -c id | cloud-server-delete
check "after deleting them all, the host claims nothing" \
    test "$(cloud-host-show local -f value -c vcpus_used -c servers | tr '\n' ' ')" = "0 0 "
done_testing
