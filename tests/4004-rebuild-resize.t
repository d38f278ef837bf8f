#!/bin/sh
# Rebuild, resize, resize-confirm and resize-revert on a real guest, each
# step checked against libvirt's view of the domain and its volumes, and
# the host's claims checked while a resize awaits its confirmation.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
cloud-flavor-create -q m1.wide --vcpus 2 --ram 192 --disk 2 --ephemeral 1 \
    --swap 64
cloud-flavor-create -q m1.wider --vcpus 2 --ram 256 --disk 3 --ephemeral 1 \
    --swap 64
cloud-flavor-create -q m1.thin --vcpus 1 --ram 128 --disk 1 --swap 32
cloud-flavor-create -q m1.huge --vcpus 1 --ram 40000 --disk 1
v="virsh -q -c qemu:///system"

id=$(cloud-boot --flavor m1.tiny --image tiny -f value -c id vm)
echo "$id" >> "$T/domains"

domstate() {
	$v domstate "nubes-$id" 2>/dev/null | head -n 1
}
field() {
	cloud-server-show vm -f value -c "$1"
}
vcpus() {
	$v dominfo "nubes-$id" | awk '/^CPU\(s\)/ { print $2 }'
}
mem_kib() {
	$v dominfo "nubes-$id" | awk '/^Max memory/ { print $3 }'
}
vol() {
	$v vol-list "$pool" 2>/dev/null | awk '{ print $1 }' |
	    grep -qx "nubes-$id-$1"
}
capacity() {
	$v vol-info --bytes --pool "$pool" "nubes-$id-$1" |
	    awk '/^Capacity/ { print $2 }'
}
disks() {
	$v domblklist "nubes-$id" | awk '{ print $1 }' | tr '\n' ' '
}
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until [ "$(cloud-server-console vm 2>/dev/null | grep -c -- "$1")" \
	    -ge "$2" ]; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}
host_used() {
	cloud-host-show local -f value -c vcpus_used -c ram_used_mib \
	    -c disk_used_gb -c servers | tr '\n' ' '
}

check "the guest is up" wait_console NUBES-GUEST-READY 1
check "the host counts its claim" test "$(host_used)" = "1 128 1 1 "

# Rebuild: a new root disk from the image, the same server.
echo marker > "$T/m"
expect 0 "rebuild" cloud-server-rebuild vm
check "  ... it is ACTIVE" test "$(field status)" = ACTIVE
check "  ... libvirt runs it" test "$(domstate)" = running
check "  ... the guest boots again" wait_console NUBES-GUEST-READY 2
check "  ... same id" test "$(field id)" = "$id"
run cloud-server-events vm -f value -c action -c result
check "  ... recorded as an action" grep -q "^rebuild	success$" "$T/out"
cloud-image-add -q big --disk-format raw --min-disk 5 < "$NUBES_TEST_CACHE/disk.img"
dbdump > "$T/before"
expect_fail 2 "image 'big' needs a 5 GB disk" \
    "rebuild with an image too big for the root disk is refused" \
    cloud-server-rebuild --image big vm
unchanged_since "$T/before" "  ... and changes nothing"
expect_fail 3 "not found" "rebuild with an unknown image is refused" \
    cloud-server-rebuild --image no-such vm

# Resize, then revert.
dbdump > "$T/before"
expect_fail 5 "is active: resize-confirm needs it resized" \
    "confirming a resize that did not happen is refused" \
    cloud-server-resize-confirm vm
expect_fail 2 "already has flavor 'm1.tiny'" \
    "resizing to the same flavor is refused" \
    cloud-server-resize --flavor m1.tiny vm
expect_fail 6 "ram: need 40000 MiB" \
    "resizing beyond the host says why, as the scheduler does" \
    cloud-server-resize --flavor m1.huge vm
unchanged_since "$T/before" "  ... and none of these changes anything"
check "  ... the guest still runs" test "$(domstate)" = running

expect 0 "resize to m1.wide" cloud-server-resize --flavor m1.wide vm
check "  ... it is RESIZED" test "$(field status)" = RESIZED
check "  ... with the new flavor" test "$(field flavor)" = m1.wide
check "  ... and the old one kept" test "$(field old_flavor)" = m1.tiny
check "  ... libvirt runs it" test "$(domstate)" = running
check "  ... with 2 vCPUs" test "$(vcpus)" = 2
check "  ... and 192 MiB" test "$(mem_kib)" = 196608
check "  ... its root disk grew to 2 GiB" \
    test "$(capacity disk)" = 2147483648
check "  ... a copy of the old disk is kept" vol disk-resize
check "  ... ephemeral and swap volumes are in the pool" \
    sh -c "[ \"\$(virsh -q -c qemu:///system vol-list $pool | grep -c '$id-\(ephemeral\|swap\)')\" = 2 ]"
check "  ... and attached to the domain" test "$(disks)" = "vda vdb vdc hdc "
check "  ... the host keeps the larger claim" \
    test "$(host_used)" = "2 192 4 1 "
expect_fail 5 "is resized: resize needs it active stopped" \
    "resizing a resized server is refused" \
    cloud-server-resize --flavor m1.thin vm

expect 0 "resize-revert" cloud-server-resize-revert vm
check "  ... it is ACTIVE" test "$(field status)" = ACTIVE
check "  ... with its old flavor" test "$(field flavor)" = m1.tiny
check "  ... libvirt runs it with 1 vCPU" test "$(vcpus)" = 1
check "  ... and 128 MiB" test "$(mem_kib)" = 131072
check "  ... its root disk is 1 GiB again" \
    test "$(capacity disk)" = 1073741824
check "  ... no copy, no ephemeral, no swap left" \
    sh -c "! virsh -q -c qemu:///system vol-list $pool | grep -q '$id-\(disk-resize\|ephemeral\|swap\)'"
check "  ... the domain has its root disk and config drive only" \
    test "$(disks)" = "vda hdc "
check "  ... the host's claim is back" test "$(host_used)" = "1 128 1 1 "

# Each boot may be cut short by the next action: wait for the READY
# of the boot after this point of the console.
lines=$(cloud-server-console vm | wc -l)
expect 0 "resize to m1.wide again, then confirm" cloud-server-resize \
    --flavor m1.wide vm
expect 0 "resize-confirm" cloud-server-resize-confirm vm
dbdump > "$T/before"
expect_fail 2 "disks do not shrink" "resizing down the root disk is refused" \
    cloud-server-resize --flavor m1.thin vm
unchanged_since "$T/before" "  ... and changes nothing"

# Resize a stopped server, then confirm.  ACPI needs the guest up.
booted_since() {
	tap_deadline=$(($(date +%s) + 180))
	until cloud-server-console vm 2>/dev/null | tail -n "+$(($1 + 1))" |
	    grep -q NUBES-GUEST-READY; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}
check "the guest is up after its resize" booted_since "$lines"
expect 0 "stop" cloud-server-stop vm
expect 0 "resize the stopped server" cloud-server-resize --flavor m1.wider vm
check "  ... it is RESIZED" test "$(field status)" = RESIZED
check "  ... and stays off" test "$(domstate)" = "shut off"
check "  ... its root disk grew to 3 GiB" \
    test "$(capacity disk)" = 3221225472
expect 0 "resize-confirm" cloud-server-resize-confirm vm
check "  ... it is STOPPED" test "$(field status)" = STOPPED
check "  ... with the new flavor" test "$(field flavor)" = m1.wider
check "  ... the old disk's copy is gone" \
    sh -c "! virsh -q -c qemu:///system vol-list $pool | grep -q '$id-disk-resize'"
check "  ... the host claims the new flavor only" \
    test "$(host_used)" = "2 256 5 1 "
expect 0 "start" cloud-server-start vm
check "  ... libvirt runs it with 256 MiB" test "$(mem_kib)" = 262144
run cloud-server-events vm -f value -c action -c result
out_is "create	success
rebuild	success
resize	success
resize-revert	success
resize	success
resize-confirm	success
stop	success
resize	success
resize-confirm	success
start	success" "the server's actions, in order"

expect 0 "delete" cloud-server-delete vm
check "  ... nothing of it is left in the pool" \
    sh -c "! virsh -q -c qemu:///system vol-list $pool | grep -q '$id'"
check "  ... no claim left" test "$(cloud-host-show local -f value -c servers)" = 0
done_testing
