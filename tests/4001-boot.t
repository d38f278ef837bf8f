#!/bin/sh
# cloud-boot on the real libvirt daemon: the tiny guest boots from its
# self-booting disk image, its console shows the config drive's
# meta_data.json and the user data; a server no host can take is
# refused with each host's reason; delete leaves nothing behind.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
alice=$(make_user alice demo member)
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q --public tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
as "$alice" cloud-keypair-create k1 > "$T/k1"

# wait_console SERVER PATTERN: until the console shows PATTERN (180 s).
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until as "$alice" cloud-server-console "$1" 2>/dev/null |
	    grep -q -- "$2"; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}

name='web <1> & "q"'
printf '#!/bin/sh\necho hello-from-user-data\n' > "$T/ud"
expect 0 "boot the tiny guest" sh -c "CLOUD_TOKEN='$alice' cloud-boot \
    --flavor m1.tiny --image tiny --key-name k1 --user-data-stdin \
    -f value -c id -c status -c host '$name' < '$T/ud'"
id=$(head -n 1 "$T/out")
echo "$id" >> "$T/domains"
check "  ... it is ACTIVE on host local" test "$(sed -n 2,3p "$T/out" |
    tr '\n' ' ')" = "ACTIVE local "
check "libvirt runs its domain, named after the server's id" sh -c \
    "virsh -c qemu:///system domstate nubes-$id | grep -q running"
check "  ... with the server's id as its UUID" test "$(virsh -c \
    qemu:///system domuuid "nubes-$id" | head -n 1)" = "$id"
check "  ... and nubes metadata naming its project" sh -c "virsh -c \
    qemu:///system dumpxml nubes-$id | grep -q '<nubes:project>'"
check "the guest boots: its marker is on the console" \
    wait_console "$id" NUBES-GUEST-READY
run as "$alice" cloud-server-console "$id"
check "its config drive's meta_data.json has the server's uuid" \
    grep -q "\"uuid\": \"$id\"" "$T/out"
check "  ... the name intact, XML metacharacters and all" \
    grep -q '"name": "web <1> & \\"q\\""' "$T/out"
pub=$(as "$alice" cloud-keypair-show k1 -f value -c public_key)
check "  ... and alice's public key" grep -qF "\"k1\": \"$pub\"" "$T/out"
check "the user data ran in the guest" grep -q hello-from-user-data "$T/out"
run as "$alice" cloud-server-console --lines 1 "$id"
check "--lines 1 prints one line" test "$(wc -l < "$T/out")" -le 1
run as "$alice" cloud-server-list -f value -c name -c status
out_is "$name	ACTIVE" "alice lists her server"
run as "$alice" cloud-server-events -f value -c action -c result "$id"
out_is "create	success" "its events show the create"
run cloud-quota-show demo -f value -c resource -c in_use
check "the server counts against the project's quotas" \
    grep -q "^instances	1$" "$T/out"

bob=$(make_user bob other member)
expect_fail 3 "not found" "another project's server is not found" \
    as "$bob" cloud-server-show "$id"

# A flavor's extra specs reach the domain as libvirt's own elements.
cloud-flavor-create -q m1.tuned --vcpus 2 --ram 128 --disk 1 \
    --property quota:cpu_shares=512 --property quota:disk_total_iops_sec=300 \
    --property hw:cpu_sockets=2
tuned=$(as "$alice" cloud-boot --no-wait --flavor m1.tuned --image tiny \
    -f value -c id tuned)
echo "$tuned" >> "$T/domains"
virsh -c qemu:///system dumpxml "nubes-$tuned" > "$T/tuned.xml"
check "quota:cpu_shares becomes <cputune><shares>" \
    grep -q "<shares>512</shares>" "$T/tuned.xml"
check "quota:disk_total_iops_sec becomes <iotune>" \
    grep -q "<total_iops_sec>300</total_iops_sec>" "$T/tuned.xml"
check "hw:cpu_sockets becomes the CPU topology" \
    grep -q "<topology sockets='2'" "$T/tuned.xml"
as "$alice" cloud-server-delete tuned

cloud-flavor-create -q m1.huge --vcpus 1 --ram 40000 --disk 1
# Servers in error count against quotas, as in Nova: leave room for two.
cloud-quota-set --ram 200000 demo
dbdump > "$T/before"
expect_fail 6 "no valid host was found" "a server no host can take exits 6" \
    as "$alice" cloud-boot --flavor m1.huge --image tiny big
check "  ... with each host's first reason, and its numbers" grep -q \
    "local: ram: need 40000 MiB, free [0-9]* MiB (ratio 1.0, reserved 512)" \
    "$T/err"
run as "$alice" cloud-server-show big -f value -c status -c fault
check "  ... the server is recorded in ERROR with that fault" \
    grep -q "^ERROR$" "$T/out"
expect 0 "--explain prints every filter's verdict" sh -c "CLOUD_TOKEN='$alice' \
    cloud-boot --flavor m1.huge --image tiny --explain big2 2>&1 | \
    grep -q 'FAIL ram: need 40000 MiB'"
expect_fail 3 "flavor 'nosuch' not found" "an unknown flavor" \
    as "$alice" cloud-boot --flavor nosuch --image tiny x
expect_fail 3 "image 'nosuch' not found" "an unknown image" \
    as "$alice" cloud-boot --flavor m1.tiny --image nosuch x
expect_fail 3 "keypair 'nosuch' not found" "an unknown key" \
    as "$alice" cloud-boot --flavor m1.tiny --image tiny --key-name nosuch x
cloud-flavor-create -q m1.nodisk --vcpus 1 --ram 128 --disk 0
cloud-image-set -q tiny --min-ram 256
expect_fail 2 "needs 256 MiB of RAM" "an image too big for the flavor" \
    as "$alice" cloud-boot --flavor m1.tiny --image tiny x
cloud-image-set -q tiny --min-ram 0
head -c 70000 /dev/zero | tr '\0' x > "$T/big-ud"
expect_fail 2 "user data on stdin is too long" "user data over the limit" \
    sh -c "CLOUD_TOKEN='$alice' cloud-boot --flavor m1.tiny --image tiny \
    --user-data-stdin x < '$T/big-ud'"
expect_fail 4 "forbidden" "members may not pick the host" \
    as "$alice" cloud-boot --flavor m1.tiny --image tiny --host local x

expect 0 "delete the server" as "$alice" cloud-server-delete "$id"
check "  ... its domain is gone" sh -c \
    "! virsh -c qemu:///system dominfo nubes-$id >/dev/null 2>&1"
check "  ... and its disk and config drive" sh -c \
    "! virsh -q -c qemu:///system vol-list $pool | grep -q '$id'"
check "  ... while the shared image volume stays" sh -c \
    "virsh -q -c qemu:///system vol-list $pool | grep -q nubes-image-"
expect 0 "lock a server" as "$alice" cloud-server-lock big
run as "$alice" cloud-server-show big -f value -c locked
out_is True "  ... it shows locked"
expect_fail 5 "server 'big' is locked" "a locked server refuses delete" \
    as "$alice" cloud-server-delete big
expect 0 "unlock it" as "$alice" cloud-server-unlock big
expect 0 "servers in error delete too" as "$alice" cloud-server-delete big big2
run as "$alice" cloud-server-list -f value
out_is "" "no server is left"
done_testing
