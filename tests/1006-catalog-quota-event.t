#!/bin/sh
# The service catalog, quotas and the event log.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
member=$(make_user alice demo member)

expect 0 "create a service" cloud-service-create --type image \
    --description "images" glance -f value -c name -c type
out_is "glance
image" "it has a name and a type"
expect_fail 5 "service name 'glance' is taken" "a taken service name" \
    cloud-service-create --type image glance
expect_fail 2 "service type 'Image!'" "a bad service type" \
    cloud-service-create --type 'Image!' g2
expect 0 "add an endpoint" cloud-endpoint-create glance --interface public \
    --url file:///var/lib/nubes/images --region r1 -f value -c service_name
out_is glance "the endpoint belongs to the service"
ep=$(cloud-endpoint-list --service glance -f value -c id)
expect_fail 5 "already has a public endpoint in region 'r1'" \
    "a second public endpoint in one region" cloud-endpoint-create glance \
    --interface public --url file:///x --region r1
expect_fail 2 "interface 'outside'" "a bad interface" \
    cloud-endpoint-create glance --interface outside --url file:///x
expect_fail 2 "is not a URL" "a bad URL" cloud-endpoint-create glance \
    --interface admin --url nothing
cloud-endpoint-create -q glance --interface internal --url file:///i
run cloud-endpoint-list --service glance --interface internal -f value \
    -c url
out_is "file:///i" "endpoints filter by interface"
run as "$member" cloud-catalog -f value -c name -c interface -c region
out_is "nubes	public	RegionOne
glance	internal	RegionOne
glance	public	r1" "members see the catalog"
expect_fail 2 "is not a valid endpoint id" \
    "a bad id among several fails alone" cloud-endpoint-delete not-a-uuid \
    "$ep"
run cloud-endpoint-list --service glance -f value -c id
check "  ... and the good one is deleted all the same" \
    sh -c "! grep -q '$ep' '$T/out'"
expect 0 "delete a service and its endpoints" cloud-service-delete glance
run cloud-endpoint-list -f value -c service_name
out_is nubes "only the identity endpoint remains"

run cloud-quota-show demo -f value -c resource -c limit -c in_use
check "quotas have OpenStack's defaults" grep -q "^instances	10	0$" "$T/out"
check "ram is in MiB" grep -q "^ram	51200	0$" "$T/out"
check "every resource is listed" test "$(wc -l < "$T/out")" -eq 17
expect 0 "set quotas" cloud-quota-set --instances 3 --gigabytes -1 \
    --floating-ips 0 demo
run cloud-quota-show demo -f json -c resource -c limit
check "the new limits show" grep -q '{"resource": "instances", "limit": 3}' \
    "$T/out"
check "-1 is unlimited" grep -q '{"resource": "gigabytes", "limit": -1}' \
    "$T/out"
run as "$member" cloud-quota-show -f value -c resource -c limit
check "a member sees its own project's quota" grep -q "^instances	3$" \
    "$T/out"
dbdump > "$T/before"
expect_fail 2 "--instances 'x' is invalid" "a bad limit" \
    cloud-quota-set --instances x demo
expect_fail 2 "too small" "a limit below -1" \
    cloud-quota-set --instances -2 demo
expect_fail 2 "usage:" "nothing to set" cloud-quota-set demo
expect_fail 4 "forbidden" "a member cannot set quotas" \
    as "$member" cloud-quota-set --instances 100 demo
expect_fail 3 "project 'nosuch' not found" "an unknown project" \
    cloud-quota-set --instances 1 nosuch
unchanged_since "$T/before" "refused quota changes changed nothing"

run cloud-event-list --action quota:set -f value -c action -c target_name \
    -c result -c message
out_is "quota:set	nosuch	failure	project 'nosuch' not found
quota:set	demo	failure	forbidden: 'project:quota_set' requires cloud_admin
quota:set	demo	success	instances=3 gigabytes=-1 floating_ips=0" \
    "quota changes and refusals are logged with who and what"
run cloud-event-list --action quota -f value -c action
check "--action quota matches every quota: action" \
    test "$(sort -u "$T/out")" = quota:set
run cloud-event-list --action quota:s -f value -c action
out_is "" "but is no substring match"
run cloud-event-list --user alice -f value -c user_name -c project_name \
    --limit 1
out_is "alice	demo" "events filter by user, newest first, limited"
run as "$member" cloud-event-list -f value -c project_name
check "a member sees only its project's events" \
    test "$(sort -u "$T/out")" = demo
run cloud-event-list --since 2000-01-01 --until 2000-01-02 -f value
out_is "" "a time window with no events"
expect_fail 2 "--since 'soon'" "a bad time" cloud-event-list --since soon
expect_fail 2 "--result 'maybe'" "a bad result" cloud-event-list \
    --result maybe
done_testing
