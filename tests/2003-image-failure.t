#!/bin/sh
# Uploads that fail mid-stream: the uploader interrupted, a full disk,
# the uploader killed outright (settled by cloud-reconcile).  Each time
# the image is killed, no partial file is left and no quota is used.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
member=$(make_user alice demo member)

part_exists() {
	ls -A "$CLOUD_STATE_DIR/images" 2>/dev/null | grep -q '\.part$'
}

# A producer that never ends: the upload is mid-stream until stopped.
mkfifo "$T/fifo"
(as "$member" cloud-image-add slow --disk-format raw < "$T/fifo" \
    >"$T/out" 2>"$T/err"; echo $? > "$T/rc") &
exec 3>"$T/fifo"
head -c 2000000 /dev/zero >&3
check "the upload is under way (a partial file exists)" wait_for 20 part_exists
pid=$(pgrep -f "cloud-image-add slow" | head -n 1)
kill -TERM "$pid"
check "the interrupted upload ends" wait_for 20 test -s "$T/rc"
exec 3>&-
check "  ... with exit 1" test "$(cat "$T/rc")" -eq 1
check "  ... saying it was interrupted" grep -q "interrupted after" "$T/err"
run as "$member" cloud-image-show slow -f value -c status
out_is killed "  ... the image is killed"
check "  ... no partial file is left" sh -c "! ls -A \
    '$CLOUD_STATE_DIR/images' | grep -q ."
run as "$member" cloud-quota-show -f value -c resource -c in_use
check "  ... and the image quota counts it not" grep -q "^images	0$" "$T/out"

# A full disk: a 6 MiB tmpfs holds the store.
mkdir -p "$CLOUD_STATE_DIR/images"
mount -t tmpfs -o size=6m nubes-test "$CLOUD_STATE_DIR/images"
expect_fail 1 "No space left on device" "a full disk fails the upload" \
    sh -c "head -c 16000000 /dev/zero | CLOUD_TOKEN='$member' \
    cloud-image-add full --disk-format raw"
run as "$member" cloud-image-show full -f value -c status
out_is killed "  ... the image is killed"
check "  ... no partial file is left" sh -c "! ls -A \
    '$CLOUD_STATE_DIR/images' | grep -q ."
check "  ... and the space is free again" \
    test "$(df -k --output=used "$CLOUD_STATE_DIR/images" | tail -n 1)" -lt 100
umount "$CLOUD_STATE_DIR/images"

# Killed outright: only cloud-reconcile can settle it.
(as "$member" cloud-image-add doomed --disk-format raw < "$T/fifo" \
    >/dev/null 2>&1) &
exec 3>"$T/fifo"
head -c 1000000 /dev/zero >&3
check "a second upload is under way" wait_for 20 part_exists
pid=$(pgrep -f "cloud-image-add doomed" | head -n 1)
kill -KILL "$pid"
exec 3>&-
wait
run as "$member" cloud-image-show doomed -f value -c status
out_is saving "after kill -9 the image is left saving"
expect 0 "cloud-reconcile --dry-run reports it" cloud-reconcile --dry-run \
    -f value -c resource -c name -c was -c now
check "  ... as an upload to kill" grep -q "^image	doomed	saving	killed$" \
    "$T/out"
run as "$member" cloud-image-show doomed -f value -c status
out_is saving "  ... and changes nothing"
expect 0 "cloud-reconcile settles it" cloud-reconcile -f value -c name -c now
check "  ... killed" grep -q "^doomed	killed$" "$T/out"
run as "$member" cloud-image-show doomed -f value -c status
out_is killed "the image is now killed"
check "  ... with no partial file" sh -c "! ls -A \
    '$CLOUD_STATE_DIR/images' | grep -q ."
run cloud-reconcile -f value
out_is "" "a second cloud-reconcile finds nothing to do"
touch "$CLOUD_STATE_DIR/images/stray"
run cloud-reconcile -f value -c name -c now
out_is "stray	removed" "a file no image owns is removed"
expect_fail 4 "forbidden" "members may not run cloud-reconcile" \
    as "$member" cloud-reconcile
run as "$member" cloud-image-list -f value -c name -c status
out_is "doomed	killed
full	killed
slow	killed" "killed images stay listed, for the record"
expect 0 "a killed image can be deleted" as "$member" cloud-image-delete \
    slow full doomed
done_testing
