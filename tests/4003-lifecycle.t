#!/bin/sh
# Server lifecycle on a real guest, each step checked against libvirt's
# own view of the domain, and wrong-state requests refused with exit 5.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
alice=$(make_user alice demo member)
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q --public tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
CLOUD_TOKEN=$alice
id=$(cloud-boot --flavor m1.tiny --image tiny -f value -c id vm)
echo "$id" >> "$T/domains"

domstate() {
	virsh -c qemu:///system domstate "nubes-$id" 2>/dev/null | head -n 1
}
status() {
	cloud-server-show vm -f value -c status
}
# wait_console PATTERN COUNT: the console shows PATTERN COUNT times.
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until [ "$(cloud-server-console vm 2>/dev/null | grep -c -- "$1")" \
	    -ge "$2" ]; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}

check "the guest is up" wait_console NUBES-GUEST-READY 1
expect_fail 5 "server 'vm' is active: start needs it stopped" \
    "starting an active server is refused" cloud-server-start vm
expect_fail 5 "is active: unpause needs it paused" \
    "unpausing an active server is refused" cloud-server-unpause vm
expect_fail 5 "is active: resume needs it suspended" \
    "resuming an active server is refused" cloud-server-resume vm

expect 0 "lock" cloud-server-lock vm
expect_fail 5 "server 'vm' is locked" "a locked server refuses to stop" \
    cloud-server-stop vm
check "  ... and keeps running" test "$(domstate)" = running
expect 0 "unlock" cloud-server-unlock vm
expect 0 "pause" cloud-server-pause vm
check "  ... libvirt has it paused" test "$(domstate)" = paused
check "  ... it is PAUSED" test "$(status)" = PAUSED
expect_fail 5 "is paused: pause needs it active" "pausing twice is refused" \
    cloud-server-pause vm
expect 0 "unpause" cloud-server-unpause vm
check "  ... libvirt runs it" test "$(domstate)" = running
check "  ... it is ACTIVE" test "$(status)" = ACTIVE

expect 0 "stop (ACPI)" cloud-server-stop vm
check "  ... libvirt has it shut off" test "$(domstate)" = "shut off"
check "  ... it is STOPPED" test "$(status)" = STOPPED
check "  ... the guest powered off by itself" \
    sh -c "cloud-server-console vm | grep -q NUBES-POWEROFF"
expect_fail 5 "is stopped: stop needs it active paused" \
    "stopping a stopped server is refused" cloud-server-stop vm
expect_fail 5 "is stopped: reboot needs it active" \
    "rebooting a stopped server is refused" cloud-server-reboot vm
expect 0 "start" cloud-server-start vm
check "  ... libvirt runs it" test "$(domstate)" = running
check "  ... it is ACTIVE" test "$(status)" = ACTIVE
check "  ... and the guest boots again" wait_console NUBES-GUEST-READY 2

expect 0 "reboot (the guest is asked)" cloud-server-reboot vm
check "  ... the guest boots a third time" wait_console NUBES-GUEST-BOOT 3
check "  ... and it is ACTIVE" test "$(status)" = ACTIVE
expect 0 "reboot --hard" cloud-server-reboot --hard vm
check "  ... the guest boots a fourth time" wait_console NUBES-GUEST-BOOT 4

expect 0 "suspend (managed save)" cloud-server-suspend vm
check "  ... libvirt has it off, with its memory saved" sh -c \
    "virsh -c qemu:///system dominfo nubes-$id | grep -q 'Managed save: *yes'"
check "  ... it is SUSPENDED" test "$(status)" = SUSPENDED
expect 0 "resume" cloud-server-resume vm
check "  ... libvirt runs it" test "$(domstate)" = running
check "  ... the guest did not boot again" \
    test "$(cloud-server-console vm | grep -c NUBES-GUEST-BOOT)" -eq 4

run cloud-server-events vm -f value -c action -c result
out_is "create	success
pause	success
unpause	success
stop	success
start	success
reboot	success
hard-reboot	success
suspend	success
resume	success" "every action is in the server's events"
bob=$(CLOUD_TOKEN=$ADMIN_TOKEN make_user bob other member)
expect_fail 3 "server 'vm' not found" "another project cannot stop it" \
    as "$bob" cloud-server-stop vm
expect 0 "delete it" cloud-server-delete vm
done_testing
