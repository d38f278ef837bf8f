#!/bin/sh
# Image quotas are exact under 16 parallel adds; a byte quota refuses an
# image that would pass it and keeps nothing of it.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
alice=$(make_user alice demo member)
cloud-quota-set --images 5 demo
head -c 200000 /dev/urandom > "$T/disk.raw"

mkdir "$T/p"
i=0
while [ $i -lt 16 ]; do
	( CLOUD_TOKEN=$alice cloud-image-add "img$i" --disk-format raw -q \
	    < "$T/disk.raw" 2>"$T/p/err$i"; echo $? > "$T/p/rc$i" ) &
	i=$((i + 1))
done
wait
check "16 parallel adds at a quota of 5: exactly 5 succeed" \
    test "$(cat "$T"/p/rc* | grep -c '^0$')" -eq 5
check "  ... the other 11 exit 5" \
    test "$(cat "$T"/p/rc* | grep -c '^5$')" -eq 11
check "  ... saying the quota is exceeded" test "$(cat "$T"/p/err* |
    grep -c 'quota exceeded for images: limit 5')" -eq 11
check "  ... nobody saw a locked database" sh -c "! cat '$T'/p/err* |
    grep -Eiq 'locked|busy'"
run as "$alice" cloud-image-list -f value -c status
check "5 active images" test "$(grep -c '^active$' "$T/out")" -eq 5 -a \
    "$(wc -l < "$T/out")" -eq 5
check "the store holds 5 files" \
    test "$(ls "$CLOUD_STATE_DIR/images" | wc -l)" -eq 5

cloud-quota-set --images 10 --image-bytes 1250000 demo
expect 0 "an image within the byte quota" sh -c \
    "CLOUD_TOKEN='$alice' cloud-image-add fits --disk-format raw -q \
    < '$T/disk.raw'"
expect_fail 5 "larger than .* image_bytes quota" \
    "an image past the byte quota is refused" sh -c \
    "CLOUD_TOKEN='$alice' cloud-image-add toobig --disk-format raw \
    < '$T/disk.raw'"
run as "$alice" cloud-image-show toobig -f value -c status
out_is killed "  ... and left killed"
check "  ... with no file" \
    test "$(ls -A "$CLOUD_STATE_DIR/images" | wc -l)" -eq 6
run as "$alice" cloud-quota-show -f value -c resource -c in_use
check "  ... its bytes are not counted" grep -q "^image_bytes	1200000$" \
    "$T/out"
done_testing
