#!/bin/sh
# Compute hosts on the real libvirt daemon: capacity read from libvirt,
# a storage pool made when missing, ratios, enable and disable.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
bootstrap_cloud
member=$(make_user alice demo member)

expect 0 "register the controller as a host" cloud-host-add local \
    --uri qemu:///system -f json
check "  ... its vCPUs are the machine's" \
    grep -q "\"vcpus\": $(nproc)," "$T/out"
mem=$(virsh -c qemu:///system nodeinfo | awk '/^Memory size/ { print int($3 / 1024) }')
check "  ... its memory is what libvirt's nodeinfo says" \
    grep -q "\"ram_mib\": $mem," "$T/out"
check "  ... Nova's ratios: 4 vCPUs a CPU, 512 MiB reserved" grep -q \
    "\"vcpus_allocatable\": $(($(nproc) * 4)), .*\"cpu_ratio\": 4.0, \"ram_ratio\": 1.0, \"disk_ratio\": 1.0, \"reserved_ram_mib\": 512" \
    "$T/out"
check "  ... in zone nova, enabled, x86_64 under QEMU" grep -q \
    '"zone": "nova", "enabled": true.*"arch": "x86_64", "hypervisor_type": "QEMU"' \
    "$T/out"
check "its storage pool was made in libvirt" sh -c \
    "virsh -c qemu:///system pool-info '$pool' | grep -q 'State:.*running'"
check "  ... as a directory" test -d "$T/pool"

expect 0 "a host with its own ratios and zone" cloud-host-add local2 \
    --uri qemu:///session --zone az2 --cpu-ratio 2 --ram-ratio 1.5 \
    --reserved-ram 1024 -f value -c zone -c cpu_ratio -c ram_ratio \
    -c reserved_ram_mib
out_is "az2
2.0
1.5
1024" "  ... recorded"
run cloud-host-list -f value -c name -c zone
out_is "local2	az2
local	nova" "hosts list by zone, then name"

dbdump > "$T/before"
expect_fail 5 "already registered" "a second host with the same URI" \
    cloud-host-add other --uri qemu:///system
expect_fail 5 "already registered" "a second host with the same name" \
    cloud-host-add local --uri qemu+tcp://127.0.0.1:1/system
expect_fail 1 "qemu\\+tcp://127.0.0.1:1/system" \
    "a URI where no libvirt answers fails with libvirt's reason" \
    cloud-host-add nowhere --uri qemu+tcp://127.0.0.1:1/system
expect_fail 2 "is not a libvirt URI" "a malformed URI" \
    cloud-host-add bad --uri localhost
expect_fail 2 "is not a libvirt URI" "a transport that runs programs" \
    cloud-host-add bad --uri "qemu+ext:///system?command=/bin/true"
expect_fail 2 "parameters are refused" "URI parameters (command=, netcat=)" \
    cloud-host-add bad --uri "qemu+ssh://h/system?netcat=/tmp/x"
expect_fail 2 "--cpu-ratio '0'" "a zero ratio" \
    cloud-host-add bad --uri qemu:///system --cpu-ratio 0
expect_fail 2 "is all of the host's" "reserving all the memory" \
    cloud-host-add bad --uri qemu+unix:///system --reserved-ram 99999999
expect_fail 4 "forbidden: 'host:add' requires cloud_admin" \
    "members may not add hosts" as "$member" cloud-host-add x \
    --uri qemu:///system
expect_fail 4 "forbidden" "nor list them" as "$member" cloud-host-list
unchanged_since "$T/before" "refused requests changed nothing"

expect_fail 2 "usage:" "disabling needs a reason" cloud-host-disable local
expect 0 "disable a host with a reason" cloud-host-disable --reason \
    "disk replacement" local
run cloud-host-show local -f value -c enabled -c disabled_reason
out_is "False
disk replacement" "  ... it shows disabled, with the reason"
expect 0 "enable it again" cloud-host-enable local
run cloud-host-show local -f value -c enabled -c disabled_reason
out_is "True" "  ... enabled, the reason gone"
expect 0 "remove a host" cloud-host-remove local2
expect_fail 3 "host 'local2' not found" "  ... it is gone" \
    cloud-host-show local2
run cloud-event-list --action host -f value -c action -c target_name \
    --result success
check "host changes are in the event log" test "$(wc -l < "$T/out")" -eq 5
done_testing
