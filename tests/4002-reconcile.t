#!/bin/sh
# cloud-reconcile and servers: work whose process died is completed or
# undone by what libvirt shows; vanished and powered-off domains are
# noticed; domains no server owns are reported and, with --fix, removed.
# Crashes are simulated by editing the database as a dead cloud-boot
# would have left it.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
db=$CLOUD_STATE_DIR/nubes.db

boot() {
	cloud-boot --no-wait --flavor m1.tiny --image tiny -f value -c id "$1" |
	    tee -a "$T/domains"
}
# As a cloud-boot killed mid-way leaves it: building, its claim dead.
crash() {
	sqlite3 "$db" "UPDATE servers SET vm_state = 'building',
	    task_state = 'spawning', claim = 'no-such-boot 1 1'
	    WHERE id = '$1'"
}
domstate() {
	virsh -c qemu:///system domstate "nubes-$1" 2>/dev/null | head -n 1
}

s1=$(boot s1)
crash "$s1"
s2=$(boot s2)
virsh -q -c qemu:///system destroy "nubes-$s2" >/dev/null
virsh -q -c qemu:///system undefine "nubes-$s2" >/dev/null
crash "$s2"
s3=$(boot s3)
virsh -q -c qemu:///system destroy "nubes-$s3" >/dev/null
# As a cloud-server-stop killed after the power-off leaves it.
sqlite3 "$db" "UPDATE servers SET task_state = 'powering-off',
    claim = 'no-such-stop 1 1' WHERE id = '$s3'"
s4=$(boot s4)
virsh -q -c qemu:///system destroy "nubes-$s4" >/dev/null
virsh -q -c qemu:///system undefine "nubes-$s4" >/dev/null
s5=$(boot s5)
# An orphan only has to exist: paused, it leaves the CPUs to others.
virsh -q -c qemu:///system suspend "nubes-$s5" >/dev/null
sqlite3 "$db" "DELETE FROM servers WHERE id = '$s5'"
check "five servers booted" test -n "$s1" -a -n "$s2" -a -n "$s3" -a \
    -n "$s4" -a -n "$s5"

dbdump > "$T/before"
expect 0 "cloud-reconcile --dry-run reports" cloud-reconcile --dry-run \
    -f value -c name -c was -c now
cp "$T/out" "$T/plan"
unchanged_since "$T/before" "  ... and changes nothing"
check "  ... a dead boot whose domain runs: to be completed" \
    grep -q "^s1	building	active$" "$T/plan"
check "  ... a dead boot with no domain: to be undone" \
    grep -q "^s2	building	error$" "$T/plan"
check "  ... a guest powered off: stopped" grep -q "^s3	active	stopped$" \
    "$T/plan"
check "  ... a vanished domain: error" grep -q "^s4	active	error$" "$T/plan"
check "  ... a domain no server owns: orphan" \
    grep -q "^nubes-$s5	domain	orphan$" "$T/plan"

expect 0 "cloud-reconcile --fix repairs" cloud-reconcile --fix -f value \
    -c name -c now
check "  ... and removes the orphan domain" \
    grep -q "^nubes-$s5	removed$" "$T/out"
run cloud-server-list -f value -c name -c status
out_is "s4	ERROR
s3	STOPPED
s2	ERROR
s1	ACTIVE" "each server is now what libvirt says"
check "s1 runs in libvirt" test "$(domstate "$s1")" = running
check "the orphan domain is gone" test -z "$(domstate "$s5")"
check "s2's disk is gone from the pool" sh -c \
    "! virsh -q -c qemu:///system vol-list $pool | grep -q '$s2-disk'"
check "an interrupted stop keeps s3's disk: only boots are undone" sh -c \
    "virsh -q -c qemu:///system vol-list $pool | grep -q '$s3-disk'"
run cloud-server-show s2 -f value -c fault
check "s2's fault says its process died" grep -q "died" "$T/out"
run cloud-server-events s1 -f value -c action -c result
check "the repair is in the server's events" grep -q "^reconcile	active$" \
    "$T/out"
run cloud-reconcile -f value
out_is "" "a second run finds nothing to do"
expect 0 "delete them all" sh -c 'cloud-server-list -f value -c id |
    cloud-server-delete -'
done_testing
