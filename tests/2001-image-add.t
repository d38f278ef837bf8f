#!/bin/sh
# cloud-image-add: good images of every format are accepted with their
# metadata right (size, SHA-512, virtual size as qemu-img sees it), and
# come back byte for byte from cloud-image-download.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
member=$(make_user alice demo member)
mkdir "$T/img"
cd "$T/img" || exit 1

qemu-img create -q -f qcow2 v3.qcow2 64M
qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 32M
qemu-img create -q -f vmdk sparse.vmdk 16M
qemu-img create -q -f vmdk -o subformat=streamOptimized stream.vmdk 16M
qemu-img create -q -f vdi disk.vdi 16M
qemu-img create -q -f vpc disk.vhd 16M
qemu-img create -q -f vhdx disk.vhdx 16M
head -c 3000000 /dev/urandom > disk.raw
mkfs.vfat -C fat.raw 4096 >/dev/null
mkdir isodir && echo hello > isodir/hello.txt
genisoimage -quiet -V config-2 -o disk.iso isodir
cache=$NUBES_TEST_CACHE

# add FILE FORMAT [OPTIONS...]: add as alice; check what it recorded.
add() {
	f=$1
	fmt=$2
	shift 2
	run as "$member" cloud-image-add "img-$f" --disk-format "$fmt" "$@" \
	    -f json < "$f"
	if [ "$rc" -ne 0 ]; then
		not_ok "$f is accepted as $fmt"
		return
	fi
	ok "$f is accepted as $fmt"
	check "  ... active, $fmt" grep -q "\"status\": \"active\", \"disk_format\": \"$fmt\"" "$T/out"
	check "  ... with its size" grep -q "\"size\": $(stat -c %s "$f")," "$T/out"
	check "  ... and its sha512" grep -q "\"os_hash_algo\": \"sha512\", \"os_hash_value\": \"$(sha512sum < "$f" | cut -d' ' -f1)\"" "$T/out"
}

# vsize FILE FORMAT: the virtual size qemu-img reports (an oracle).
vsize() {
	qemu-img info -f "$2" --output=json "$1" |
	    sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p'
}

for f in v3.qcow2 v2.qcow2; do
	add $f qcow2
	check "  ... virtual size as qemu-img says" \
	    grep -q "\"virtual_size\": $(vsize $f qcow2)," "$T/out"
done
for f in sparse.vmdk stream.vmdk; do
	add $f vmdk
	check "  ... virtual size as qemu-img says" \
	    grep -q "\"virtual_size\": $(vsize $f vmdk)," "$T/out"
done
add disk.vdi vdi
check "  ... virtual size as qemu-img says" \
    grep -q "\"virtual_size\": $(vsize disk.vdi vdi)," "$T/out"
add disk.vhd vhd
check "  ... virtual size as qemu-img says" \
    grep -q "\"virtual_size\": $(vsize disk.vhd vpc)," "$T/out"
add disk.vhdx vhdx
check "  ... virtual size as qemu-img says" \
    grep -q "\"virtual_size\": $(vsize disk.vhdx vhdx)," "$T/out"
add disk.raw raw --min-disk 1 --min-ram 64 --property os_distro=debian \
    --property hw_disk_bus=virtio
check "  ... with min_disk, min_ram and properties" grep -q '"min_disk": 1, "min_ram": 64, "owner": ".*"properties": {"hw_disk_bus":"virtio","os_distro":"debian"}' "$T/out"
add fat.raw raw
add disk.iso iso
check "  ... an iso's virtual size is its volume's" \
    grep -q "\"virtual_size\": $(stat -c %s disk.iso)," "$T/out"
cp "$cache/vmlinuz" vmlinuz
cp "$cache/initrd.img" initrd.img
cp "$cache/disk.img" disk.img
add vmlinuz aki
check "  ... aki goes with container format aki" \
    grep -q '"container_format": "aki"' "$T/out"
add initrd.img ari
add disk.img ami --kernel img-vmlinuz --ramdisk img-initrd.img
kernel=$(cloud-image-show img-vmlinuz -f value -c id)
check "  ... an ami points at its kernel" \
    grep -q "\"kernel_id\": \"$kernel\"" "$T/out"

run as "$member" cloud-image-list -f value -c name
check "alice lists the 13 images" test "$(wc -l < "$T/out")" -eq 13
run as "$member" cloud-image-list --property os_distro=debian -f value -c name
out_is img-disk.raw "list filters by property"
run as "$member" cloud-image-list --name img-disk.iso -f value -c disk_format
out_is iso "list filters by name"
run as "$member" cloud-image-list --status killed -f value
out_is "" "no image is killed"
run as "$member" cloud-image-show img-v3.qcow2 -f json
check "show has Glance's keys" grep -q '^{"id": ".*", "name": "img-v3.qcow2", "status": "active", "disk_format": "qcow2", "container_format": "bare", "size": [0-9]*, "virtual_size": [0-9]*, "os_hash_algo": "sha512", "os_hash_value": "[0-9a-f]\{128\}", "visibility": "shared", "protected": false, "min_disk": 0, "min_ram": 0, "owner": "[0-9a-f-]\{36\}", "created_at": "[0-9T:Z-]*", "updated_at": "[0-9T:Z-]*", "properties": {}, "kernel_id": null, "ramdisk_id": null}$' "$T/out"

for f in v3.qcow2 disk.raw disk.iso vmlinuz; do
	as "$member" cloud-image-download "img-$f" > "$T/back" 2>"$T/err"
	check "download of $f gives back the same bytes" cmp -s "$f" "$T/back"
done
id=$(cloud-image-show img-disk.raw -f value -c id)
check "the store holds the file with the image's id, mode 0640" \
    test "$(stat -c %a "$CLOUD_STATE_DIR/images/$id")" = 640
expect_fail 2 "stdout is a terminal|usage" "download refuses no image name" \
    cloud-image-download
expect_fail 3 "image 'nosuch' not found" "download of an unknown image" \
    sh -c 'cloud-image-download nosuch > /dev/null'
expect_fail 1 "corrupt in the store" \
    "a corrupted store file is reported after the bytes" sh -c \
    "printf X | dd of='$CLOUD_STATE_DIR/images/$id' bs=1 seek=10 \
    conv=notrunc 2>/dev/null; cloud-image-download img-disk.raw > '$T/back'"
check "  ... the bytes were written all the same" test \
    "$(stat -c %s "$T/back")" -eq "$(stat -c %s disk.raw)"
{ cloud-image-download img-fat.raw 2>"$T/err"; echo $? > "$T/rc"; } |
    head -c 10 > /dev/null
check "a reader that goes away fails the download with exit 1" \
    test "$(cat "$T/rc")" -eq 1
check "  ... saying so" grep -q "writing image 'img-fat.raw': Broken pipe" \
    "$T/err"
run sh -c "CLOUD_TOKEN='$member' cloud-image-add quiet --disk-format raw \
    -q < disk.raw"
check "no progress line when stderr is not a terminal" test ! -s "$T/err"
run script -qec "CLOUD_TOKEN='$member' cloud-image-add tty --disk-format raw \
    -q < fat.raw" /dev/null
check "a progress line (MiB, MiB/s) when stderr is a terminal" \
    grep -q "cloud-image-add: [0-9.]* MiB, [0-9.]* MiB/s" "$T/out"
run script -qec "CLOUD_TOKEN='$member' cloud-image-download tty \
    > /dev/null" /dev/null
check "  ... and while downloading, of the whole size" \
    grep -q "cloud-image-download: [0-9.]* MiB of [0-9.]* MiB" "$T/out"
as "$member" cloud-image-delete quiet tty
run cloud-event-list --action image:add --result success -f value -c user_name
check "each add is in the event log as alice's" \
    test "$(sort -u "$T/out")" = alice
done_testing
