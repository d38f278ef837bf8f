#!/bin/sh
# Hostile images are refused, each with its message and exit code 2,
# and nothing is left in the store, in cloud-image-list or the quota.
. "${top_srcdir:-.}/tests/lib.sh"
printf '[image]\nmax_virtual_size_gb = 1\n' >> "$CLOUD_CONFIG"
bootstrap_cloud
member=$(make_user alice demo member)
mkdir "$T/img"
cd "$T/img" || exit 1

qemu-img create -q -f raw base.raw 1M
qemu-img create -q -f qcow2 -b /etc/hostname -F raw backing-abs.qcow2 1M
qemu-img create -q -f qcow2 -b base.raw -F raw backing-rel.qcow2
qemu-img create -q -f qcow2 -u -F raw -b \
    'json:{"driver":"raw","file":{"driver":"file","filename":"/etc/shadow"}}' \
    backing-json.qcow2 1M
qemu-img create -q -f qcow2 -o data_file="$T/img/data.raw" datafile.qcow2 1M
qemu-img create -q -f qcow2 plain.qcow2 1M
qemu-img create -q -f vmdk plain.vmdk 1M
head -c 50 plain.qcow2 > truncated.qcow2
qemu-img create -q -f qcow2 big.qcow2 2G
# 2^60 bytes written over the virtual size (big-endian u64 at offset 24).
cp plain.qcow2 absurd.qcow2
printf '\020\000\000\000\000\000\000\000' |
    dd of=absurd.qcow2 bs=1 seek=24 conv=notrunc 2>/dev/null
cat > flat.vmdk <<VMDK
# Disk DescriptorFile
version=1
CID=fffffffe
parentCID=ffffffff
createType="monolithicFlat"

# Extent description
RW 2048 FLAT "/etc/shadow" 0
VMDK
mkdir isodir && echo x > isodir/x && genisoimage -quiet -o disk.iso isodir

dbdump > "$T/before"

# refused FILE FORMAT PATTERN DESCRIPTION
refused() {
	run as "$member" cloud-image-add "bad-$1" --disk-format "$2" < "$1"
	if [ "$rc" -eq 2 ] && grep -Eq -- "$3" "$T/err"; then
		ok "$4"
	else
		echo "# exit $rc"
		not_ok "$4"
	fi
	check "  ... nothing left in the store" \
	    test -z "$(ls -A "$CLOUD_STATE_DIR/images")"
}

refused backing-abs.qcow2 qcow2 "backing file.*/etc/hostname" \
    "qcow2 with an absolute backing file"
refused backing-rel.qcow2 qcow2 "backing file.*base.raw" \
    "qcow2 with a relative backing file"
refused backing-json.qcow2 qcow2 "backing file.*json:" \
    "qcow2 with a json: pseudo-protocol backing file"
refused datafile.qcow2 qcow2 "external data file" \
    "qcow2 with an external data file"
refused plain.qcow2 raw "declared raw, but the content is qcow2" \
    "qcow2 declared raw (CVE-2024-32498)"
refused plain.vmdk raw "declared raw, but the content is vmdk" \
    "vmdk declared raw"
refused plain.qcow2 ami "declared ami, but the content is qcow2" \
    "qcow2 declared ami"
refused flat.vmdk vmdk "vmdk.*(descriptor|extent|create type .monolithicFlat)" \
    "vmdk descriptor with a flat extent naming a host file"
refused truncated.qcow2 qcow2 "truncated|inconsistent" \
    "truncated qcow2 header"
refused big.qcow2 qcow2 "virtual size [0-9]* exceeds the limit" \
    "a virtual size beyond the configured limit"
refused absurd.qcow2 qcow2 "exceeds the limit|inconsistent" \
    "an absurd virtual size"
refused disk.iso qcow2 "declared qcow2, but the content is iso" \
    "iso declared as qcow2"
refused base.raw qcow2 "declared qcow2, but the content is raw" \
    "raw declared as qcow2"

unchanged_since "$T/before" "refused images left no row behind"
run as "$member" cloud-image-list -f value
out_is "" "cloud-image-list shows none of them"
run as "$member" cloud-quota-show -f value -c resource -c in_use
check "and the quota counts none" grep -q "^images	0$" "$T/out"
run cloud-event-list --action image:add --result failure -f value \
    -c target_name -c message --limit 1
check "each refusal is in the event log with its reason" grep -q \
    "^bad-base.raw	image refused: declared qcow2, but the content is raw" \
    "$T/out"

expect_fail 2 "disk format 'qcow3'" "an unknown disk format" \
    sh -c "cloud-image-add x --disk-format qcow3 < base.raw"
expect_fail 2 "container format 'tarball'" "an unknown container format" \
    sh -c "cloud-image-add x --disk-format raw --container-format tarball \
    < base.raw"
expect_fail 2 "must be the same for aki, ari and ami" \
    "aki with a bare container" sh -c \
    "cloud-image-add x --disk-format aki --container-format bare < base.raw"
expect_fail 2 "property 'name' is an image attribute" "a reserved property" \
    sh -c "cloud-image-add x --disk-format raw --property name=y < base.raw"
expect_fail 2 "property 'novalue'" "a property without =" \
    sh -c "cloud-image-add x --disk-format raw --property novalue < base.raw"
expect_fail 2 "--min-disk '-1'" "a negative min disk" \
    sh -c "cloud-image-add x --disk-format raw --min-disk -1 < base.raw"
expect_fail 2 "usage:" "no disk format" \
    sh -c "cloud-image-add x < base.raw"
unchanged_since "$T/before" "bad options changed nothing"
done_testing
