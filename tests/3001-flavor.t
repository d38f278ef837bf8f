#!/bin/sh
# Flavors: sizes, public and private ones with project access, extra
# specs checked, admin-only changes.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
alice=$(make_user alice projA member)
bob=$(make_user bob projB member)

expect 0 "create a flavor" cloud-flavor-create m1.tiny --vcpus 1 --ram 128 \
    --disk 1 -f json
check "it has Nova's sizes" grep -q '"name": "m1.tiny", "vcpus": 1, "ram": 128, "disk": 1, "ephemeral": 0, "swap": 0, "is_public": true' "$T/out"
expect 0 "a flavor with every size and extra specs" cloud-flavor-create \
    m1.big --vcpus 4 --ram 4096 --disk 20 --ephemeral 10 --swap 512 \
    --property hw:cpu_sockets=2 --property hw:cpu_cores=2 \
    --property quota:cpu_shares=2048 --property aggregate:ssd=true \
    -f json -c properties -c ephemeral -c swap
out_is '{"properties": {"aggregate:ssd":"true","hw:cpu_cores":"2","hw:cpu_sockets":"2","quota:cpu_shares":"2048"}, "ephemeral": 10, "swap": 512}' \
    "  ... all recorded, printed in -c order"
expect 0 "a private flavor for project A" cloud-flavor-create a.only \
    --vcpus 2 --ram 256 --disk 1 --private --project projA -f value \
    -c is_public
out_is False "  ... is not public"

run as "$alice" cloud-flavor-list -f value -c name
out_is "m1.tiny
a.only
m1.big" "A sees the public flavors and its private one, smallest first"
run as "$bob" cloud-flavor-list -f value -c name
out_is "m1.tiny
m1.big" "B sees only the public ones"
expect_fail 3 "flavor 'a.only' not found" "B cannot see A's private flavor" \
    as "$bob" cloud-flavor-show a.only
run cloud-flavor-list --all -f value -c name
check "an admin lists all flavors with --all" test "$(wc -l < "$T/out")" -eq 3
expect_fail 4 "for cloud admins" "members may not use --all" \
    as "$alice" cloud-flavor-list --all

expect 0 "give B access" cloud-flavor-set a.only --project projB -q
expect 0 "  ... B sees it now" as "$bob" cloud-flavor-show a.only
expect 0 "take it back" cloud-flavor-set a.only --remove-project projB \
    --property hw:cpu_policy=dedicated --description "for A" -q
expect_fail 3 "not found" "  ... B no longer sees it" \
    as "$bob" cloud-flavor-show a.only

dbdump > "$T/before"
expect_fail 5 "flavor name 'm1.tiny' is taken" "a taken name" \
    cloud-flavor-create m1.tiny --vcpus 1 --ram 64 --disk 1
expect_fail 2 "usage:" "--vcpus, --ram and --disk are needed" \
    cloud-flavor-create x --vcpus 1
expect_fail 2 "--vcpus '0' is too small" "zero vCPUs" \
    cloud-flavor-create x --vcpus 0 --ram 64 --disk 1
expect_fail 2 "--ram 'lots' is invalid" "RAM that is not a number" \
    cloud-flavor-create x --vcpus 1 --ram lots --disk 1
expect_fail 2 "property quota:cpu_shares 'many' is invalid" \
    "a malformed quota: spec" cloud-flavor-create x --vcpus 1 --ram 64 \
    --disk 1 --property quota:cpu_shares=many
expect_fail 2 "property quota:cpu_quota '500' is too small" \
    "a CPU quota libvirt would refuse" cloud-flavor-create x --vcpus 1 \
    --ram 64 --disk 1 --property quota:cpu_quota=500
expect_fail 2 "property hw:cpu_policy 'fast': use one of" \
    "an unknown hw:cpu_policy" cloud-flavor-create x --vcpus 1 --ram 64 \
    --disk 1 --property hw:cpu_policy=fast
expect_fail 2 "'quota:cpu_sharez' is not one nubes knows" \
    "a misspelt quota: spec" cloud-flavor-create x --vcpus 1 --ram 64 \
    --disk 1 --property quota:cpu_sharez=1
expect_fail 2 "does not make the flavor's 4 vCPUs" \
    "a CPU topology that is not the vCPU count" cloud-flavor-create x \
    --vcpus 4 --ram 64 --disk 1 --property hw:cpu_sockets=1 \
    --property hw:cpu_cores=1 --property hw:cpu_threads=2
expect_fail 2 "--project gives access to a private flavor: add --private" \
    "--project without --private" cloud-flavor-create x --vcpus 1 \
    --ram 64 --disk 1 --project projA
expect_fail 3 "project 'nosuch' not found" "access for no such project" \
    cloud-flavor-create x --vcpus 1 --ram 64 --disk 1 --private \
    --project nosuch
expect_fail 4 "forbidden: 'flavor:create' requires cloud_admin" \
    "members may not create flavors" as "$alice" cloud-flavor-create x \
    --vcpus 1 --ram 64 --disk 1
expect_fail 4 "forbidden" "nor delete them" as "$alice" \
    cloud-flavor-delete m1.tiny
unchanged_since "$T/before" "refused requests changed nothing"
expect 0 "delete a flavor" cloud-flavor-delete a.only
expect_fail 3 "flavor 'a.only' not found" "  ... it is gone" \
    cloud-flavor-show a.only
done_testing
