#!/bin/sh
# Visibility and membership across projects, with Glance's rules.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
alice=$(make_user alice projA member)
bob=$(make_user bob projB member)
head -c 100000 /dev/urandom > "$T/disk.raw"

add() {
	tap_name=$1
	shift
	as "$alice" cloud-image-add "$tap_name" --disk-format raw -q "$@" \
	    < "$T/disk.raw"
}
add priv --private
add shared1 --shared
add comm --community
add plain

expect_fail 3 "image 'priv' not found" \
    "a private image of project A is not found for project B" \
    as "$bob" cloud-image-show priv
expect_fail 3 "image 'priv' not found" "  ... nor can B download it" \
    sh -c "CLOUD_TOKEN='$bob' cloud-image-download priv > /dev/null"
expect_fail 3 "image 'priv' not found" "  ... nor delete it" \
    as "$bob" cloud-image-delete priv
run as "$bob" cloud-image-list -f value -c name
out_is "" "B lists none of A's images by default"
comm=$(as "$alice" cloud-image-show comm -f value -c id)
expect 0 "a community image can be shown by B, by id" as "$bob" \
    cloud-image-show "$comm"
expect_fail 3 "image 'comm' not found" \
    "  ... not by name, so it cannot shadow a public image's name" \
    as "$bob" cloud-image-show comm
run as "$bob" cloud-image-list --visibility community -f value -c name
out_is comm "  ... and is listed when B asks for community images"
expect_fail 4 "forbidden: 'image:set'" "B sees it but may not change it" \
    as "$bob" cloud-image-set "$comm" --name mine
expect_fail 4 "forbidden" "  ... nor delete it" as "$bob" \
    cloud-image-delete "$comm"

expect_fail 5 "only shared images have members" \
    "a private image cannot get members" as "$alice" \
    cloud-image-member-add priv projB
expect 0 "A shares an image with B" as "$alice" cloud-image-member-add \
    shared1 projB
expect_fail 5 "already a member" "sharing twice is a conflict" \
    as "$alice" cloud-image-member-add shared1 projB
expect_fail 3 "project 'nosuch' not found" "sharing with no such project" \
    as "$alice" cloud-image-member-add shared1 nosuch
run as "$bob" cloud-image-member-list shared1 -f value -c member -c status
out_is "projB	pending" "B sees its pending membership"
run as "$bob" cloud-image-list -f value -c name
out_is "" "a pending shared image is not listed"
expect 0 "  ... but B can show it" as "$bob" cloud-image-show shared1
expect 0 "B accepts" as "$bob" cloud-image-member-set --accept shared1
run as "$bob" cloud-image-list -f value -c name
out_is shared1 "an accepted shared image is listed for B"
expect 0 "  ... and B can download it" sh -c \
    "CLOUD_TOKEN='$bob' cloud-image-download shared1 | cmp -s - '$T/disk.raw'"
expect 0 "B rejects it" as "$bob" cloud-image-member-set --reject shared1
run as "$bob" cloud-image-list -f value -c name
out_is "" "a rejected image leaves B's list"
expect_fail 4 "forbidden" "B may not add members to A's image" \
    as "$bob" cloud-image-member-add shared1 projB
expect 0 "A stops sharing" as "$alice" cloud-image-member-remove shared1 projB
expect_fail 3 "image 'shared1' not found" "B no longer sees it" \
    as "$bob" cloud-image-show shared1
expect_fail 3 "not a member" "removing a non-member" \
    as "$alice" cloud-image-member-remove shared1 projB

expect_fail 4 "forbidden: 'image:publicize' requires cloud_admin" \
    "a member may not make an image public" \
    as "$alice" cloud-image-set plain --public
expect_fail 4 "forbidden: 'image:publicize'" "  ... nor add one as public" \
    sh -c "CLOUD_TOKEN='$alice' cloud-image-add pub --disk-format raw \
    --public < '$T/disk.raw'"
expect 0 "a cloud admin makes it public" cloud-image-set plain --public \
    -f value -c visibility
out_is public "  ... it is public"
run as "$bob" cloud-image-list -f value -c name
out_is plain "B lists the public image"

expect_fail 4 "forbidden" "a member may not deactivate an image" \
    as "$alice" cloud-image-deactivate plain
expect 0 "an admin deactivates it" cloud-image-deactivate plain
expect_fail 5 "deactivated: only cloud admins may download it" \
    "a deactivated image cannot be downloaded by non-admins" \
    sh -c "CLOUD_TOKEN='$bob' cloud-image-download plain > /dev/null"
expect 0 "  ... but by an admin" sh -c \
    "cloud-image-download plain | cmp -s - '$T/disk.raw'"
expect_fail 5 "only active and deactivated" "deactivating twice is fine, a killed image is not" \
    sh -c "sqlite3 '$CLOUD_STATE_DIR/nubes.db' \"UPDATE images SET status = 'killed' WHERE name = 'comm'\"; cloud-image-deactivate comm"
expect 0 "reactivate" cloud-image-reactivate plain
expect 0 "  ... B downloads it again" sh -c \
    "CLOUD_TOKEN='$bob' cloud-image-download plain > /dev/null"

expect 0 "protect an image" as "$alice" cloud-image-set priv --protected \
    --property os_distro=debian -f value -c protected
out_is True "  ... it is protected"
expect_fail 5 "image 'priv' is protected" "a protected image cannot be deleted" \
    as "$alice" cloud-image-delete priv
expect 0 "unprotect and drop the property" as "$alice" cloud-image-set priv \
    --unprotected --remove-property os_distro -f json -c protected \
    -c properties
out_is '{"protected": false, "properties": {}}' "  ... both changed"
id=$(as "$alice" cloud-image-show priv -f value -c id)
expect 0 "delete it" as "$alice" cloud-image-delete priv
check "  ... its file is gone" test ! -e "$CLOUD_STATE_DIR/images/$id"
expect_fail 5 "still referenced" "a project with images cannot be deleted" \
    cloud-project-delete projA
run cloud-image-list --all-projects -f value -c name
check "an admin lists every project's images with --all-projects" \
    test "$(wc -l < "$T/out")" -eq 3
expect_fail 4 "for cloud admins" "a member may not use --all-projects" \
    as "$alice" cloud-image-list --all-projects
done_testing
