#!/bin/sh
# Projects, roles and role assignments.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud

expect 0 "create a project" cloud-project-create demo \
    --description "the demo" -f value -c name -c description -c enabled
out_is "demo
the demo
True" "it is enabled, with its description"
cloud-project-create -q --disable other
run cloud-project-list -f value -c name -c enabled
out_is "admin	True
demo	True
other	False" "admins list every project"
expect_fail 5 "project name 'demo' is taken" "a taken name" \
    cloud-project-create demo
expect_fail 5 "project name 'demo' is taken" "renaming onto a taken name" \
    cloud-project-set other --name demo
expect 0 "rename and enable" cloud-project-set other --name third --enable \
    -f value -c name -c enabled
out_is "third
True" "renamed and enabled"

expect 0 "create a role" cloud-role-create -f value -c name -c implies auditor
out_is "auditor" "a new role implies nothing"
expect_fail 5 "role name 'auditor' is taken" "a taken role name" \
    cloud-role-create auditor
expect_fail 5 "role 'member' is built in" "built-in roles cannot be deleted" \
    cloud-role-delete member
run cloud-role-list -f value -c name -c implies
out_is "admin	member,reader
member	reader
reader	
auditor	" "roles list with what they imply"

tok=$(make_user alice demo member)
cloud-role-add -q auditor --user alice --project demo
cloud-role-add -q reader --user alice --project third
run cloud-role-assignment-list --user alice -f value -c role -c project
out_is "auditor	demo
member	demo
reader	third" "assignments of a user"
run cloud-role-assignment-list --project demo -f value -c user -c role
out_is "alice	auditor
alice	member" "assignments on a project"
expect_fail 5 "already has role 'member' on project 'demo'" \
    "granting a role twice is a conflict" \
    cloud-role-add member --user alice --project demo
expect_fail 3 "has no role 'admin' on project 'demo'" \
    "removing a role not held: not found" \
    cloud-role-remove admin --user alice --project demo
expect_fail 2 "usage:" "--project or --global is needed" \
    cloud-role-add member --user alice
expect_fail 2 "usage:" "not both" \
    cloud-role-add member --user alice --project demo --global
expect_fail 3 "role 'nosuch' not found" "an unknown role" \
    cloud-role-add nosuch --user alice --global

run as "$tok" cloud-project-list -f value -c name
out_is "demo
third" "a user lists the projects they hold roles on"
expect 0 "deleting a role removes its assignments" cloud-role-delete auditor
run cloud-role-assignment-list --user alice -f value -c role
out_is "member
reader" "auditor is gone from alice"

expect 0 "disable the project" cloud-project-set demo --disable -q
expect_fail 4 "project 'demo' is disabled" "its tokens stop working" \
    as "$tok" cloud-project-show demo
expect_fail 4 "project 'demo' is disabled" "and its users cannot log in to it" \
    env CLOUD_TOKEN= CLOUD_USERNAME=alice CLOUD_PASSWORD=pw-alice \
    CLOUD_PROJECT=demo cloud-token-issue
cloud-project-set -q demo --enable
expect 0 "enabled again, the token works" as "$tok" cloud-project-show demo

expect 0 "remove the member role" cloud-role-remove member --user alice \
    --project demo
expect_fail 4 "no longer holds a role on project 'demo'" \
    "a token for a project the user lost every role on fails" \
    as "$tok" cloud-project-show demo
expect 0 "delete a project" cloud-project-delete third
run cloud-role-assignment-list --user alice -f value -c role
out_is "" "its assignments went with it"
expect_fail 3 "project 'third' not found" "it is gone" cloud-project-show third
done_testing
