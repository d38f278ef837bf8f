#!/bin/sh
# cloud-boot's options beyond the basics, on real guests: server groups
# (affinity and anti-affinity as hard filters), --count, --property (the
# guest's meta), ephemeral and swap disks the guest sees, and ami images
# booted through their kernel and ramdisk.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
alice=$(make_user alice demo member)
bob=$(make_user bob other member)
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q --public tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
cloud-flavor-create -q m1.disks --vcpus 1 --ram 128 --disk 1 --ephemeral 2 \
    --swap 48
v="virsh -q -c qemu:///system"
CLOUD_TOKEN=$alice

# wait_console SERVER PATTERN: SERVER's console shows PATTERN.
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until cloud-server-console "$1" 2>/dev/null | grep -q -- "$2"; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}

# Server groups.
expect 0 "create an affinity group" cloud-server-group-create \
    --policy affinity pack
expect 0 "create an anti-affinity group" cloud-server-group-create \
    --policy anti-affinity spread
dbdump > "$T/before"
expect_fail 2 "policy 'together': use affinity" "an unknown policy is refused" \
    cloud-server-group-create --policy together g
expect_fail 5 "a server group named 'pack' exists" "a taken name is refused" \
    cloud-server-group-create --policy affinity pack
expect_fail 3 "not found" "another project's group is not found" \
    as "$bob" cloud-server-group-show pack
unchanged_since "$T/before" "  ... and none of these changes anything"

# --count with anti-affinity on one host: the second cannot be placed,
# so neither is.
expect_fail 6 "group: " "two servers kept apart on one host: no valid host" \
    cloud-boot --flavor m1.tiny --image tiny --group spread --count 2 apart
check "  ... the reason names the server that could not be placed" \
    grep -q "anti-affinity" "$T/err"
run cloud-server-list -f value -c name -c status
out_is "apart-2	ERROR
apart-1	ERROR" "  ... both are recorded in error"
check "  ... with the reason as their fault" sh -c \
    "cloud-server-show apart-1 -f value -c fault | grep -q 'server 2 of 2: local: group: '"
check "  ... and no domain was made" sh -c \
    "! $v list --all --name | grep -q nubes-\$(cloud-server-show apart-1 -f value -c id)"
cloud-server-delete apart-1 apart-2

# --count with affinity, and properties the guest sees.
expect 0 "two servers kept together, with properties" cloud-boot \
    --flavor m1.tiny --image tiny --group pack --count 2 \
    --property role=web --property 'odd=<a & "b">' -f value -c id -c name \
    -c status -c group pair
awk -F'\t' '{ print $1 }' "$T/out" >> "$T/domains"
run sh -c "cloud-server-list -f value -c name -c status -c host -c group | sort"
out_is "pair-1	ACTIVE	local	pack
pair-2	ACTIVE	local	pack" "  ... named NAME-1 and NAME-2, both active on the host, in the group"
run as "$ADMIN_TOKEN" cloud-server-list --project demo -f value -c name
out_is "pair-2
pair-1" "a cloud admin lists one project's servers with --project"
expect_fail 4 "forbidden" "  ... a member may not" cloud-server-list \
    --project demo
run cloud-server-group-show pack -f value -c members -c member_names
out_is "2
pair-1 pair-2" "  ... the group lists them"
run cloud-server-show pair-1 -f json -c properties
out_is '{"properties": {"odd":"<a & \"b\">","role":"web"}}' \
    "  ... the server shows its properties"
check "  ... the guest's meta_data.json has them" \
    wait_console pair-2 '"meta": {"role": "web", "odd": "<a & \\"b\\">"}'
expect 0 "a third single server joins the affinity group" cloud-boot \
    --no-wait --flavor m1.tiny --image tiny --group pack -f value -c id third
cat "$T/out" >> "$T/domains"
expect 0 "one server in the anti-affinity group" cloud-boot --no-wait \
    --flavor m1.tiny --image tiny --group spread -f value -c id lone
cat "$T/out" >> "$T/domains"
expect_fail 6 "local: group: " "a second one cannot share its host" \
    cloud-boot --flavor m1.tiny --image tiny --group spread lone2
# Scheduler hints: same_host and different_host, by server.
dbdump > "$T/before"
expect_fail 6 "local: different_host: " \
    "--hint different_host: the only host is refused" cloud-boot \
    --flavor m1.tiny --image tiny --hint different_host=third hinted
expect_fail 3 "not found" "--hint naming an unknown server is refused" \
    cloud-boot --flavor m1.tiny --image tiny --hint same_host=nosuch hinted
expect_fail 2 "--hint 'near=third'" "an unknown hint is refused" \
    cloud-boot --flavor m1.tiny --image tiny --hint near=third hinted
check "  ... the refused hint left its server in error" \
    test "$(cloud-server-show hinted -f value -c status)" = ERROR
cloud-server-delete hinted
expect 0 "--hint same_host: placed with that server" cloud-boot --no-wait \
    --flavor m1.tiny --image tiny --hint same_host=third -f value -c id \
    -c host hinted
out_is "$(cloud-server-show hinted -f value -c id)
local" "  ... on its host"
cloud-server-show hinted -f value -c id >> "$T/domains"
cloud-server-delete pair-1 pair-2 third lone lone2 hinted
expect 0 "a group with no servers left is deleted" \
    cloud-server-group-delete pack spread
run cloud-server-group-list -f value -c name
out_is "" "  ... and gone"

# Bad properties change nothing.
dbdump > "$T/before"
expect_fail 2 "--property 'novalue': use KEY=VALUE" \
    "a property without = is refused" cloud-boot --flavor m1.tiny \
    --image tiny --property novalue x
expect_fail 2 "property 'k' given twice" "a property given twice is refused" \
    cloud-boot --flavor m1.tiny --image tiny --property k=1 --property k=2 x
expect_fail 2 "the key is empty" "an empty key is refused" \
    cloud-boot --flavor m1.tiny --image tiny --property =1 x
expect_fail 2 "--count '0'" "--count 0 is refused" \
    cloud-boot --flavor m1.tiny --image tiny --count 0 x
unchanged_since "$T/before" "  ... and none of these changes anything"

# Ephemeral and swap disks, seen by the guest; an ami image booted
# through its kernel and ramdisk.
CLOUD_TOKEN=$ADMIN_TOKEN
cloud-image-add -q --public vmlinuz --disk-format aki --container-format aki \
    < "$NUBES_TEST_CACHE/vmlinuz"
cloud-image-add -q --public initrd --disk-format ari --container-format ari \
    < "$NUBES_TEST_CACHE/initrd.img"
head -c 1048576 /dev/zero > "$T/root.img"
expect 0 "an ami image with its kernel and ramdisk" cloud-image-add -q \
    --public --disk-format ami --container-format ami --kernel vmlinuz \
    --ramdisk initrd --property os_command_line='console=ttyS0 nubes.ami' \
    ami < "$T/root.img"
CLOUD_TOKEN=$alice
cat > "$T/ud" <<'UD'
#!/bin/sh
for d in vda vdb vdc; do echo "DISK $d $(cat /sys/block/$d/size)"; done
echo "CMDLINE $(cat /proc/cmdline)"
UD
expect 0 "boot the ami image with ephemeral and swap disks" cloud-boot \
    --flavor m1.disks --image ami --user-data-stdin -f value -c id \
    -c disk -c ephemeral_gb -c swap_mib kernelvm < "$T/ud"
head -n 1 "$T/out" >> "$T/domains"
id=$(head -n 1 "$T/out")
out_is "$id
4
2
48" "  ... it claims root, ephemeral and swap"
check "  ... libvirt boots it through its kernel" sh -c \
    "$v dumpxml nubes-$id | grep -q '<kernel>.*nubes-image-'"
check "  ... and its ramdisk" sh -c \
    "$v dumpxml nubes-$id | grep -q '<initrd>.*nubes-image-'"
check "  ... the guest runs" wait_console kernelvm NUBES-GUEST-READY
check "  ... with the image's command line" \
    wait_console kernelvm "CMDLINE console=ttyS0 nubes.ami"
check "  ... it sees its 1 GiB root disk" wait_console kernelvm "DISK vda 2097152"
check "  ... its 2 GiB ephemeral disk" wait_console kernelvm "DISK vdb 4194304"
check "  ... and its 48 MiB swap disk" wait_console kernelvm "DISK vdc 98304"
expect 0 "delete it" cloud-server-delete kernelvm
check "  ... its ephemeral and swap volumes go too" \
    sh -c "! $v vol-list $pool | grep -q '$id'"

# The weighers' multipliers come from [scheduler]; a bad one is refused
# before anything is recorded.
printf '[scheduler]\nram_weight_multiplier = lots\n' >> "$CLOUD_CONFIG"
dbdump > "$T/before"
expect_fail 1 "\\[scheduler\\] ram_weight_multiplier = 'lots' is not a number" \
    "a multiplier that is not a number is refused" \
    cloud-boot --flavor m1.tiny --image tiny x
unchanged_since "$T/before" "  ... and nothing is recorded"
done_testing
