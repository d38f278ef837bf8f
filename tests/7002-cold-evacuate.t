#!/bin/sh
# Cold migration and host evacuation between real libvirt hosts on this
# machine (tests/rig/libvirtd-host2-up), with host-local pools: disks
# are copied through libvirt.  A guest's swap disk carries a marker its
# user data writes on first boot, so that the copy is seen from inside.
# The scheduler's reasons (RAM, anti-affinity), a cold move killed
# midway, a disabled host evacuated live and cold, a dead host's servers
# rebuilt elsewhere and its stale domains removed when it returns.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
rig=${top_srcdir:-.}/tests/rig
portA=$((16920 + $$ % 200 * 3))
portB=$((portA + 1))
portC=$((portA + 2))
hosts_down() {
	for h in hostA hostB hostC; do
		NUBES_HOST2_DIR=$T/$h "$rig/libvirtd-host2-down" -p \
		    >/dev/null 2>&1
	done
}
host_up() {
	NUBES_HOST2_DIR=$T/$1 "$rig/libvirtd-host2-up" "$2" >"$T/up" 2>&1 || {
		sed 's/^/# /' "$T/up"
		echo "Bail out! cannot start the test's libvirt host $1"
		exit 1
	}
}
trap 'hosts_down; libvirt_cleanup; rm -rf "$T"' EXIT
host_up hostA "$portA"
host_up hostB "$portB"
host_up hostC "$portC"
bootstrap_cloud
# Pools under /var/lib/libvirt are each host's own: storage not shared.
printf '[compute]\nstorage_pool_path = /var/lib/libvirt/images/%s\n' \
    "nubes-test-$$" >> "$CLOUD_CONFIG"
uriA=qemu+tcp://127.0.0.1:$portA/system
uriB=qemu+tcp://127.0.0.1:$portB/system
uriC=qemu+tcp://127.0.0.1:$portC/system
cloud-host-add -q hostA --uri "$uriA"
cloud-host-add -q hostB --uri "$uriB"
# hostC has 64 MiB to give: the scheduler must say it is too little.
memC=$(virsh -c "$uriC" nodeinfo | awk '/^Memory size/ { print int($3 / 1024) }')
cloud-host-add -q hostC --uri "$uriC" --reserved-ram $((memC - 64))
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1 --swap 16
db=$CLOUD_STATE_DIR/nubes.db
# The user data: a marker on the 16 MiB swap disk, written once.
cat > "$T/ud" <<'EOF'
#!/bin/sh
for d in /sys/block/vd*; do
	[ "$(cat "$d/size")" = 32768 ] && dev=/dev/${d##*/}
done
m=$(dd if="$dev" bs=9 count=1 2>/dev/null)
if [ "$m" != SWAP-MARK ]; then
	printf SWAP-MARK | dd of="$dev" 2>/dev/null
	sync
	m=written
fi
echo "NUBES-MARK $m"
EOF

domstate() {
	virsh -c "$1" domstate "nubes-$2" 2>/dev/null | head -n 1
}
field() {
	cloud-server-show "$1" -f value -c "$2"
}
used() {
	cloud-host-show "$1" -f value -c vcpus_used -c servers | tr '\n' ' '
}
vols() {
	virsh -q -c "$1" vol-list "nubes-test-$$" 2>/dev/null | grep -c "$2"
}
# console_has SERVER COUNT PATTERN: at least COUNT lines match.
console_has() {
	[ "$(cloud-server-console "$1" 2>/dev/null | grep -c -- "$3")" -ge "$2" ]
}
last_migration() {
	sqlite3 "$db" "SELECT kind, status FROM migrations WHERE server_name
	    = '$1' ORDER BY started_at DESC, rowid DESC LIMIT 1" | tr '|' ' '
}
# nothing_left URI: no domain on the host, and no disk of vm or g2.
nothing_left() {
	test -z "$(virsh -q -c "$1" list --all --name)" &&
	    test "$(vols "$1" "$vm")" = 0 && test "$(vols "$1" "$g2")" = 0
}

vm=$(cloud-boot --flavor m1.tiny --image tiny --host hostA \
    --user-data-stdin -f value -c id vm < "$T/ud")
check "the guest runs on hostA" test "$(domstate "$uriA" "$vm")" = running
check "  ... wrote its marker" wait_for 180 console_has vm 1 \
    "NUBES-MARK written"

# Cold migration of an active server: off, disks copied, on again.
expect 0 "cold migration of an active server" cloud-migrate \
    -f value -c host -c status vm
out_is "hostB
ACTIVE" "  ... the scheduler chose hostB; the server is active there"
check "  ... libvirt runs it on hostB" test "$(domstate "$uriB" "$vm")" = running
check "  ... hostA has no domain left" test -z "$(domstate "$uriA" "$vm")"
check "  ... nor its disks" test "$(vols "$uriA" "$vm")" = 0
check "  ... the guest was powered off with ACPI" \
    console_has vm 1 NUBES-POWEROFF
check "  ... and boots again from the copied disks" \
    wait_for 180 console_has vm 1 "NUBES-MARK SWAP-MARK"
check "  ... the claims moved" test "$(used hostA)$(used hostB)" = "0 0 1 1 "
run cloud-migration-list -f value -c server -c kind -c status -c source \
    -c dest
out_is "vm	cold	completed	hostA	hostB" "  ... recorded as a cold migration"
run cloud-server-events vm -f value -c action -c result
check "  ... and as the server's action" grep -q "^migrate	success$" "$T/out"

# A stopped server moves and stays stopped.
cloud-server-stop -q vm
expect 0 "cold migration of a stopped server, to a named host" \
    cloud-migrate --host hostA -f value -c host -c status vm
out_is "hostA
STOPPED" "  ... it is on hostA, stopped"
check "  ... defined there, off" test "$(domstate "$uriA" "$vm")" = "shut off"
check "  ... and gone from hostB" test -z "$(domstate "$uriB" "$vm")$(
    vols "$uriB" "$vm" | grep -v '^0$')"
expect 0 "start it" cloud-server-start vm
check "  ... it boots with its marker" \
    wait_for 180 console_has vm 2 "NUBES-MARK SWAP-MARK"

# Wrong requests change nothing.
dbdump > "$T/before"
expect_fail 2 "go with --live" "--block-migration without --live is refused" \
    cloud-migrate --block-migration vm
expect_fail 6 "hostA: different_host" "a move to its own host is refused" \
    cloud-migrate --host hostA vm
expect_fail 3 "nosuch" "an unknown server is not found" cloud-migrate nosuch
unchanged_since "$T/before" "  ... and none of these changes anything"

# Killed once the guest is off, before anything moved.
NUBES_CRASH_AT=migrate:stopped cloud-migrate vm >/dev/null 2>&1
check "cloud-migrate killed midway (status $?)" \
    test "$(field vm task_state)" = migrating
expect 0 "one cloud-reconcile" cloud-reconcile -f value -c resource -c now
check "  ... says the migration failed" grep -q "^migration	failed$" "$T/out"
check "  ... the server stays on hostA, idle and stopped" \
    test "$(field vm host)/$(field vm task_state)/$(field vm status)" = \
    "hostA//STOPPED"
check "  ... libvirt agrees" test "$(domstate "$uriA" "$vm")" = "shut off"
check "  ... hostB has nothing of it" test -z "$(domstate "$uriB" "$vm")$(
    vols "$uriB" "$vm" | grep -v '^0$')"
check "  ... the claims are true" \
    test "$(used hostA)$(used hostB)" = "1 1 0 0 "

# The scheduler's reasons: memory, and an anti-affinity group.
cloud-server-group-create -q apart --policy anti-affinity
g1=$(cloud-boot --flavor m1.tiny --image tiny --host hostA --group apart \
    -f value -c id g1)
g2=$(cloud-boot --flavor m1.tiny --image tiny --host hostB --group apart \
    --user-data-stdin -f value -c id g2 < "$T/ud")
check "two servers kept apart on hostA and hostB" \
    test "$(field g1 host)$(field g2 host)" = hostAhostB
expect_fail 6 "hostC: ram: need 128 MiB" \
    "no host may take g1: hostC lacks memory" cloud-migrate --explain g1
check "  ... and hostB holds a member of its group" \
    grep -q "^hostB: group" "$T/err"
check "  ... the explanation has every filter" \
    grep -q "FAIL ram: need 128 MiB, free 64 MiB" "$T/err"
check "  ... g1 still runs on hostA" test "$(domstate "$uriA" "$g1")" = running
cloud-server-delete -q g1

# Evacuating a disabled host: one server live, one cold.
cloud-server-stop -q vm
cloud-migrate -q --host hostB vm
check "vm and g2 are on hostB" test "$(used hostB)" = "2 2 "
expect_fail 5 "disable it first" "an enabled host is not evacuated" \
    cloud-host-evacuate hostB
cloud-host-disable -q --reason maintenance hostB
dbdump > "$T/before"
expect 0 "the plan, with --dry-run" cloud-host-evacuate --live --dry-run \
    -f value -c server -c state -c action -c destination -c result hostB
out_is "g2	active	live-migrate	hostA	planned
vm	stopped	migrate	hostA	planned" "  ... both to hostA, g2 live"
unchanged_since "$T/before" "  ... and nothing changed"
expect 0 "evacuate hostB" cloud-host-evacuate --live \
    -f value -c server -c action -c destination -c result hostB
out_is "g2	live-migrate	hostA	moved
vm	migrate	hostA	moved" "  ... both moved to hostA"
check "  ... g2 runs there" test "$(domstate "$uriA" "$g2")" = running
check "  ... through a live block migration" \
    test "$(last_migration g2)" = "block completed"
check "  ... vm is there, off" test "$(domstate "$uriA" "$vm")" = "shut off"
check "  ... hostB has no domain and no disk left" nothing_left "$uriB"
check "  ... the claims are true" test "$(used hostA)$(used hostB)" = "2 2 0 0 "
cloud-host-enable -q hostB

# A dead host: its servers are rebuilt on another, from their images,
# or from their volume when the hosts share its pool (the test's volume
# pool is one directory for both).
cloud-volume-create -q --image tiny --size 1 --host hostA bootvol
vb=$(cloud-boot --flavor m1.tiny --volume bootvol -f value -c id vb)
check "a server booted from a volume runs on hostA" \
    test "$(domstate "$uriA" "$vb")" = running
NUBES_HOST2_DIR=$T/hostA "$rig/libvirtd-host2-down" >/dev/null 2>&1
cloud-host-disable -q --reason "not answering" hostA
expect_fail 1 "3 of 3 servers stayed on host 'hostA'" \
    "a dead host not marked down: its servers cannot migrate" \
    cloud-host-evacuate -f value -c server -c result hostA
check "  ... each says why" test "$(grep -c "127.0.0.1:$portA" "$T/out")" = 3
check "  ... they stay on hostA; no claim is left on hostB" \
    test "$(used hostA)$(used hostB)" = "3 3 0 0 "
expect 0 "mark hostA down" cloud-host-disable --down --reason "power supply" \
    hostA
expect 0 "evacuate it" cloud-host-evacuate \
    -f value -c server -c action -c destination -c result hostA
out_is "g2	rebuild	hostB	moved
vb	rebuild	hostB	moved
vm	rebuild	hostB	moved" "  ... all three rebuilt on hostB"
check "  ... g2 runs there" test "$(domstate "$uriB" "$g2")" = running
# rebooted SERVER N PATTERN: the guest's Nth boot came up and its
# console has PATTERN N times; if not, the console's end, as comments.
rebooted() {
	wait_for 180 console_has "$1" "$2" NUBES-GUEST-READY &&
	    console_has "$1" "$2" "$3" && return 0
	cloud-server-console "$1" > "$T/console" 2>&1
	echo "# console: $(wc -c < "$T/console") bytes, $(grep -c \
	    NUBES-GUEST-BOOT "$T/console") boots, $(grep -c NUBES-GUEST-READY \
	    "$T/console") ready, $(grep -c -- "$3" "$T/console") '$3'"
	grep -n 'NUBES-GUEST\|NUBES-MARK\|NUBES-POWEROFF' "$T/console" |
	    sed 's/^/# /'
	return 1
}
# Its console log was in hostA's pool: hostB's starts afresh.
check "  ... on fresh disks, with its user data" \
    rebooted g2 1 "NUBES-MARK written"
check "  ... vm is there, off as it was" \
    test "$(domstate "$uriB" "$vm")/$(field vm status)" = "shut off/STOPPED"
check "  ... recorded as evacuations" \
    test "$(last_migration vm)" = "evacuation completed"
check "  ... vb runs there from its own volume" \
    test "$(domstate "$uriB" "$vb")" = running -a \
    "$(cloud-volume-show bootvol -f value -c status)" = in-use
check "  ... and boots" wait_for 180 console_has vb 1 NUBES-GUEST-READY
check "  ... the claims are on hostB" test "$(used hostB)" = "3 3 "

host_up hostA "$portA"
expect 0 "hostA returns: cloud-reconcile" cloud-reconcile \
    -f value -c resource -c now
check "  ... reports its two stale domains" \
    test "$(grep -c "^server	stale$" "$T/out")" = 3
expect 0 "cloud-reconcile --fix" cloud-reconcile --fix -f value -c now
check "  ... removes them" nothing_left "$uriA"
check "  ... and leaves hostB's alone" test "$(domstate "$uriB" "$g2")" = running

for s in vm g2 vb; do
	expect 0 "delete $s" cloud-server-delete "$s"
done
expect 0 "its boot volume stays; delete it" cloud-volume-delete bootvol
check "no domain or disk is left on hostB" nothing_left "$uriB"
done_testing
