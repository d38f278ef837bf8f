#!/bin/sh
# Volumes on real guests: attach to a running guest, which sees the disk
# and writes a marker; detach (the guest lets go); attach to a second
# guest, which reads the marker back; online extend seen by the guest;
# snapshots and volumes made from them; wrong-state requests refused;
# kill -9 during create and attach settled by one cloud-reconcile; the
# quota exact under parallel creates.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
alice=$(make_user alice demo member)
cloud-host-add -q local --uri qemu:///system
cloud-image-add -q --public tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
v="virsh -q -c qemu:///system"
db=$CLOUD_STATE_DIR/nubes.db
CLOUD_TOKEN=$alice

# wait_console SERVER PATTERN: the console of SERVER shows PATTERN.
wait_console() {
	tap_deadline=$(($(date +%s) + 180))
	until cloud-server-console "$1" 2>/dev/null | grep -q -- "$2"; do
		[ "$(date +%s)" -ge "$tap_deadline" ] && return 1
		sleep 0.5
	done
}
status() {
	cloud-volume-show "$1" -f value -c status
}
in_pool() {
	$v vol-list "$vpool" 2>/dev/null | awk '{ print $1 }' | grep -qx "$1"
}

# The guests: one writes a marker on the first volume it is given, the
# other reads back whatever volumes it is given.
# Linux names disks in the order they come, whatever libvirt's target:
# the guests find volumes by their serial, the volume's id.
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
cat > "$T/reader" <<'UD'
#!/bin/sh
(
	seen=
	while :; do
		for d in /sys/block/vd*; do
			s=$(cat $d/serial 2>/dev/null)
			[ -n "$s" ] || continue
			case " $seen " in *" $s "*) continue ;; esac
			seen="$seen $s"
			echo "NUBES-MARK-READ $s $(head -c 15 /dev/${d##*/})"
		done
		sleep 0.3
	done
) &
UD
serial() {
	cloud-volume-show "$1" -f value -c id | cut -c 1-20
}
a=$(cloud-boot --flavor m1.tiny --image tiny --user-data-stdin -f value -c id \
    writer < "$T/writer")
echo "$a" >> "$T/domains"

expect 0 "create an empty volume" cloud-volume-create --size 1 -f value \
    -c status -c size data
out_is "available
1" "  ... available, 1 GB"
vid=$(cloud-volume-show data -f value -c id)
check "  ... in the volume pool" in_pool "nubes-vol-$vid"
check "  ... of 1 GiB" test "$($v vol-info --bytes --pool "$vpool" \
    "nubes-vol-$vid" | awk '/^Capacity/ { print $2 }')" = 1073741824

check "the writer guest is up" wait_console writer NUBES-GUEST-READY
expect 0 "attach it to the running guest" cloud-volume-attach data writer
run cloud-volume-show data -f value -c status -c server -c device
out_is "in-use
writer
vdd" "  ... in-use by it at vdd"
check "  ... libvirt has the disk live" sh -c \
    "$v domblklist nubes-$a | grep -q '^ *vdd '"
check "  ... and in the definition" sh -c \
    "$v domblklist --inactive nubes-$a | grep -q '^ *vdd '"
check "  ... the guest sees the new disk" \
    wait_console writer "NUBES-BLOCK-ADD vdb 2097152"
check "  ... and writes its marker" wait_console writer NUBES-MARK-WRITTEN

dbdump > "$T/before"
expect_fail 5 "volume 'data' is in-use: attach needs it available" \
    "attaching an in-use volume is refused" cloud-volume-attach data writer
expect_fail 5 "volume 'data' is in-use: delete needs it" \
    "deleting an attached volume is refused" cloud-volume-delete data
expect_fail 2 "device 'vda'" "attaching at a server's own disk is refused" \
    cloud-volume-attach --device vda data writer
expect_fail 2 "extend makes it larger" "shrinking is refused" \
    cloud-volume-extend --size 1 data
unchanged_since "$T/before" "  ... and none of these changes anything"

expect 0 "extend it online to 2 GB" cloud-volume-extend --size 2 data
check "  ... the guest sees the new size" \
    wait_console writer "NUBES-BLOCK-SIZE vdb 4194304"
check "  ... it is 2 GB and in-use" \
    test "$(cloud-volume-show data -f value -c size -c status | tr '\n' ' ')" = "2 in-use "

expect 0 "lock the server" cloud-server-lock writer
expect_fail 5 "server 'writer' is locked" \
    "a locked server's volume is not detached" cloud-volume-detach data
expect 0 "unlock it" cloud-server-unlock writer
expect_fail 5 "attached to server 'writer', not 'nosuch'" \
    "detach naming another server is refused" cloud-volume-detach data nosuch
expect 0 "detach it" cloud-volume-detach data writer
check "  ... available" test "$(status data)" = available
check "  ... the guest let go of it" wait_console writer "NUBES-BLOCK-DEL vdb"
check "  ... libvirt has it neither live nor defined" sh -c \
    "! $v domblklist nubes-$a | grep -q vdd &&
     ! $v domblklist --inactive nubes-$a | grep -q vdd"
dbdump > "$T/before"
expect_fail 5 "volume 'data' is available: detach needs it in-use" \
    "detaching a detached volume is refused" cloud-volume-detach data
unchanged_since "$T/before" "  ... and changes nothing"

b=$(cloud-boot --flavor m1.tiny --image tiny --user-data-stdin -f value -c id \
    reader < "$T/reader")
echo "$b" >> "$T/domains"
check "the reader guest is up" wait_console reader NUBES-GUEST-READY
expect 0 "attach the volume to the second guest" cloud-volume-attach data \
    reader
check "  ... which reads the first guest's marker back" \
    wait_console reader "NUBES-MARK-READ $(serial data) NUBES-MARKER-42"
expect 0 "detach it" cloud-volume-detach data

# Snapshots and copies.
expect 0 "snapshot it" cloud-snapshot-create --volume data -f value -c status \
    snap
out_is available "  ... available"
sid=$(cloud-snapshot-show snap -f value -c id)
check "  ... a copy in the pool" in_pool "nubes-snap-$sid"
expect_fail 5 "has snapshots .snap.: delete them first" \
    "a volume with snapshots cannot be deleted" cloud-volume-delete data
expect 0 "a volume from the snapshot" cloud-volume-create --snapshot snap \
    -f value -c size -c source_snapshot_id copy
out_is "2
$sid" "  ... of its size, naming its source"
expect 0 "attach the copy at vde" cloud-volume-attach --device vde copy reader
check "  ... it holds the same marker" \
    wait_console reader "NUBES-MARK-READ $(serial copy) NUBES-MARKER-42"
expect 0 "stop the reader" cloud-server-stop reader
expect 0 "start it again" cloud-server-start reader
check "  ... the copy stays attached across stop and start" sh -c \
    "$v domblklist nubes-$b | grep -q '^ *vde '"
expect 0 "a volume from the image" cloud-volume-create --image tiny -f value \
    -c size -c bootable fromimage
out_is "1
True" "  ... sized to the image, bootable"
fid=$(cloud-volume-show fromimage -f value -c id)
expect 0 "boot from that volume" cloud-boot --flavor m1.tiny \
    --volume fromimage -f value -c id -c disk bfv
c=$(head -n 1 "$T/out")
echo "$c" >> "$T/domains"
check "  ... its root disk is the volume" sh -c \
    "$v domblklist nubes-$c | grep -q '^ *vda .*nubes-vol-$fid$'"
check "  ... the host claims no root disk for it" \
    test "$(sed -n 2p "$T/out")" = 0
check "  ... the volume is in-use by it at vda" test "$(cloud-volume-show \
    fromimage -f value -c status -c server -c device | tr '\n' ' ')" = "in-use bfv vda "
check "  ... the guest boots from it" wait_console bfv NUBES-GUEST-READY
expect_fail 5 "boots from a volume" "rebuilding it is refused" \
    cloud-server-rebuild bfv
expect 0 "delete the server" cloud-server-delete bfv
check "  ... its boot volume stays, available" \
    test "$(status fromimage)" = available
expect 0 "boot from a new 2 GB volume made from the image, to go with it" \
    cloud-boot --no-wait --flavor m1.tiny --image tiny --boot-volume-size 2 \
    --delete-on-termination -f value -c id bfv2
cat "$T/out" >> "$T/domains"
check "  ... the volume was made, 2 GB, in-use" test "$(cloud-volume-show \
    bfv2 -f value -c size -c status | tr '\n' ' ')" = "2 in-use "
bid=$(cloud-volume-show bfv2 -f value -c id)
expect 0 "delete the server" cloud-server-delete bfv2
check "  ... its volume went with it" sh -c \
    "! cloud-volume-show $bid >/dev/null 2>&1 &&
     ! $v vol-list $vpool | grep -q nubes-vol-$bid"
dbdump > "$T/before"
expect_fail 2 "give --image or --volume, not both" \
    "--image with --volume is refused" cloud-boot --flavor m1.tiny \
    --image tiny --volume fromimage x
expect_fail 5 "is in-use: a boot volume must be available" \
    "booting from an in-use volume is refused" cloud-boot --flavor m1.tiny \
    --volume copy x
expect_fail 2 "the source needs 2 GB" "a copy smaller than its source is refused" \
    cloud-volume-create --size 1 --source-volume data small
expect_fail 2 "at most one of" "two sources are refused" \
    cloud-volume-create --image tiny --snapshot snap both
expect_fail 3 "not found" "an unknown snapshot is refused" \
    cloud-volume-create --snapshot nosuch x
unchanged_since "$T/before" "  ... and none of these changes anything"

# Deleting a server: its volumes are detached and become available.
expect 0 "delete the reader" cloud-server-delete reader
check "  ... the copy is available again" test "$(status copy)" = available

# kill -9 during a create and during an attach.
NUBES_CRASH_AT=volume:create cloud-volume-create --image tiny crashed \
    >/dev/null 2>&1
check "a create from the image killed mid-way (status $?)" \
    test "$(status crashed)" = creating
NUBES_CRASH_AT=volume:create-made cloud-volume-create --image tiny crashed2 \
    >/dev/null 2>&1
c2=$(cloud-volume-show crashed2 -f value -c id)
check "a create from the image killed once its volume was made (status $?)" \
    sh -c "[ \"\$(cloud-volume-show crashed2 -f value -c status)\" = creating ] &&
    $v vol-list $vpool | grep -q nubes-vol-$c2"
NUBES_CRASH_AT=volume:attach cloud-volume-attach copy writer >/dev/null 2>&1
check "an attach killed after libvirt attached (status $?)" \
    test "$(status copy)" = attaching
expect 0 "one cloud-reconcile" as "$ADMIN_TOKEN" cloud-reconcile -f value \
    -c name -c now
check "  ... the killed create is in error" test "$(status crashed)" = error
check "  ... with nothing of it in the pool" sh -c "! $v vol-list $vpool |
    grep -q nubes-vol-$(cloud-volume-show crashed -f value -c id)"
check "  ... so is the one killed after its volume was made" \
    test "$(status crashed2)" = error
check "  ... whose volume is gone from the pool" sh -c \
    "! $v vol-list $vpool | grep -q nubes-vol-$c2"
check "  ... the killed attach is in-use, as libvirt shows" \
    test "$(status copy)" = in-use
run sqlite3 "$db" "SELECT count(*) FROM volumes WHERE claim IS NOT NULL
    OR status NOT IN ('available', 'in-use', 'error')"
out_is 0 "  ... no volume is left busy"
expect 0 "a second cloud-reconcile" as "$ADMIN_TOKEN" cloud-reconcile \
    -f value -c name
out_is "" "  ... has nothing left to do"
expect 0 "detach the copy" cloud-volume-detach copy

# Volume types name pools: the admin's, which must exist on the host.
expect_fail 4 "forbidden" "a member may not create a volume type" \
    cloud-volume-type-create --pool "$vpool" fast
CLOUD_TOKEN=$ADMIN_TOKEN
expect 0 "a cloud admin creates one" cloud-volume-type-create --pool "$vpool" \
    --property tier=fast -f value -c name -c pool fast
out_is "fast
$vpool" "  ... naming its pool"
expect 0 "a type naming a pool no host has" cloud-volume-type-create \
    --pool no-such-pool ghost
expect_fail 2 "pool 'bad/pool'" "a pool name that is not one is refused" \
    cloud-volume-type-create --pool bad/pool bad
CLOUD_TOKEN=$alice
expect 0 "a volume of the type" cloud-volume-create --type fast --size 1 \
    -f value -c type -c status typed
out_is "fast
available" "  ... in its pool"
expect_fail 1 "storage pool 'no-such-pool' of volume type 'ghost' is not on host" \
    "a volume of a type whose pool is missing fails" cloud-volume-create \
    --type ghost --size 1 ghostly
check "  ... and is recorded in error" test "$(status ghostly)" = error
expect_fail 5 "has 1 volume" "a type in use cannot be deleted" \
    as "$ADMIN_TOKEN" cloud-volume-type-delete fast
cloud-volume-delete typed ghostly
expect 0 "once unused it can" as "$ADMIN_TOKEN" cloud-volume-type-delete \
    fast ghost
run cloud-volume-type-list -f value -c name
out_is "" "  ... and the types are gone"

# Quota: 5 creates at once against a quota of the 5 volumes there are
# plus 2.
as "$ADMIN_TOKEN" cloud-quota-set demo --volumes 7
for i in 1 2 3 4 5; do
	(cloud-volume-create --size 1 "p$i" >/dev/null 2>"$T/p$i.err"
	echo $? > "$T/p$i.rc") &
done
wait
for i in 1 2 3 4 5; do
	echo "# p$i: $(cat "$T/p$i.rc") $(cat "$T/p$i.err")"
done
check "exactly 2 of 5 parallel creates pass the quota" \
    test "$(cat "$T"/p*.rc | grep -cx 0)" = 2
check "  ... the other 3 exit 5, quota exceeded" \
    test "$(cat "$T"/p*.err | grep -c 'quota exceeded for volumes')" = 3
check "  ... the project has 7 volumes" \
    test "$(cloud-volume-list -f value -c id | wc -l)" = 7

# Clean up: every volume and the snapshot go, nothing stays in the pool.
expect 0 "delete the snapshot" cloud-snapshot-delete snap
cloud-volume-list -f value -c id | cloud-volume-delete
check "all volumes are deleted" test -z "$(cloud-volume-list -f value -c id)"
check "  ... and the volume pool is empty" \
    test -z "$($v vol-list "$vpool" 2>/dev/null)"
done_testing
