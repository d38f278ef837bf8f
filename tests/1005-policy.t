#!/bin/sh
# Policy: members cannot administer, readers cannot write, other
# projects' resources are not found, and a site policy file overrides
# single actions.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
member=$(make_user alice demo member)
reader=$(make_user rita demo reader)
other=$(make_user oscar elsewhere member)
padmin=$(make_user pam demo admin)

dbdump > "$T/before"
expect_fail 4 "forbidden: 'user:create' requires admin \\(held globally\\)" \
    "a member cannot create users" as "$member" cloud-user-create mallory
expect_fail 4 "forbidden" "a member cannot create projects" \
    as "$member" cloud-project-create evil
expect_fail 4 "forbidden" "a member cannot grant roles" \
    as "$member" cloud-role-add admin --user alice --global
expect_fail 4 "forbidden" "a member cannot list users" \
    as "$member" cloud-user-list
expect_fail 4 "forbidden" "a member cannot show another user" \
    as "$member" cloud-user-show rita
expect_fail 4 "forbidden" "a member cannot change a project" \
    as "$member" cloud-project-set demo --description x
expect_fail 4 "forbidden" "a project admin is no cloud admin" \
    as "$padmin" cloud-user-create mallory
expect_fail 4 "forbidden" "a project admin cannot create services" \
    as "$padmin" cloud-service-create --type x evil
expect_fail 4 "forbidden: 'project:quota_set' requires cloud_admin" \
    "a project admin cannot raise its own quota" \
    as "$padmin" cloud-quota-set --instances 1000 demo
expect_fail 4 "forbidden: 'project:delete' requires cloud_admin" \
    "nor delete its project" as "$padmin" cloud-project-delete demo
expect_fail 3 "project 'elsewhere' not found" \
    "another project is not found, not forbidden" \
    as "$member" cloud-project-show elsewhere
expect_fail 3 "project 'elsewhere' not found" \
    "nor are its quotas" as "$member" cloud-quota-show elsewhere
expect_fail 3 "project 'demo' not found" "and the same the other way" \
    as "$other" cloud-project-show demo
unchanged_since "$T/before" "refused requests changed nothing"
run cloud-event-list --result failure -f value -c user_name -c action
check "denials are in the event log" grep -q "^alice	user:create$" "$T/out"

expect 0 "a reader may read its project" as "$reader" cloud-project-show demo
expect 0 "and its quotas" as "$reader" cloud-quota-show -f value -c resource
expect 0 "a member may read its project" as "$member" cloud-project-show demo

# A site policy lets members rename their project; readers still cannot.
printf '[policy]\nproject:set = member\n' > "$T/policy.conf"
expect 0 "with a site policy, a member may set the project" \
    as "$member" cloud-project-set demo --description "by alice"
expect_fail 4 "forbidden: 'project:set' requires member" \
    "a reader cannot write" as "$reader" cloud-project-set demo \
    --description "by rita"
expect_fail 3 "not found" "the member still cannot touch another project" \
    as "$member" cloud-project-set elsewhere --description x
run cloud-project-show demo -f value -c description
out_is "by alice" "only the allowed write happened"

printf '[policy]\nproject:set = member and\n' > "$T/policy.conf"
expect_fail 1 "policy: rule for 'project:set' is malformed" \
    "a malformed rule is an error, never an allow" \
    as "$member" cloud-project-set demo --description x
printf '[policy]\nuser:list = none\n' > "$T/policy.conf"
expect_fail 4 "forbidden" "'none' denies even the admin" cloud-user-list
rm "$T/policy.conf"
expect 0 "without the site file the defaults apply" cloud-user-list
done_testing
