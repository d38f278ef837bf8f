#!/bin/sh
# Users: create, list, show, set, delete, in every output format; bad
# values and conflicts refused with the right code and nothing changed.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
cloud-project-create -q demo

expect 0 "create a user" cloud-user-create alice --email alice@example.org \
    --description "Alice <a&b>" --project demo -f json
check "json has the user's fields" grep -q '"name": "alice", "email": "alice@example.org", "description": "Alice <a&b>", "enabled": true' "$T/out"
check "json names the default project" grep -q '"default_project": "demo"' \
    "$T/out"
alice=$(cloud-user-show alice -f value -c id)
check "the id is a UUID" sh -c "echo '$alice' | grep -Eq \
    '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
run cloud-user-show "$alice" -f value -c name -c enabled
out_is "alice
True" "show by id, value format, -c in order"
run cloud-user-show alice -f tsv -c name
out_is "field	value
name	alice" "show in tsv has a field/value header"

cloud-user-create -q bob
cloud-user-create -q carol --disable
run cloud-user-list -f value -c name -c enabled
out_is "admin	True
alice	True
bob	True
carol	False" "list, sorted by name"
run cloud-user-list -f tsv -c name
out_is "name
admin
alice
bob
carol" "list in tsv has a header"
cloud-role-add member --user alice --project demo
run cloud-user-list --project demo -f value -c name
out_is "alice" "list users with a role on a project"
run cloud-user-list -f json -c name
out_is '[{"name": "admin"},
 {"name": "alice"},
 {"name": "bob"},
 {"name": "carol"}]' "list in json is an array of objects"

dbdump > "$T/before"
expect_fail 5 "user name 'bob' is taken" "a taken name is a conflict" \
    cloud-user-create bob
expect_fail 2 "invalid email address 'bob@'" "a bad email is refused" \
    cloud-user-create dave --email bob@
expect_fail 3 "project 'nosuch' not found" "an unknown project: not found" \
    cloud-user-create dave --project nosuch
expect_fail 3 "user 'nosuch' not found" "show an unknown user: not found" \
    cloud-user-show nosuch
expect_fail 5 "user name 'bob' is taken" "renaming onto a taken name" \
    cloud-user-set alice --name bob
expect_fail 2 "usage:" "set with nothing to change" cloud-user-set alice
expect_fail 2 "usage:" "--enable with --disable" \
    cloud-user-set alice --enable --disable
expect_fail 5 "last enabled cloud admin" "the last admin cannot be deleted" \
    cloud-user-delete admin
expect_fail 5 "last enabled cloud admin" "nor disabled" \
    cloud-user-set admin --disable
expect_fail 5 "last enabled cloud admin" "nor lose the global admin role" \
    cloud-role-remove admin --user admin --global
unchanged_since "$T/before" "refused requests changed nothing"

expect 0 "set email and description" cloud-user-set alice \
    --email a2@example.org --description "" -f value -c email -c description
out_is "a2@example.org" "set prints the changed user"
expect 0 "clear the email" cloud-user-set alice --email "" -f json -c email
out_is '{"email": null}' "an empty email clears it"
expect 0 "rename" cloud-user-set bob --name robert -q
expect 0 "the renamed user is found by its new name" cloud-user-show robert

echo pw-alice | cloud-user-set -q alice --password-stdin
tok=$(CLOUD_TOKEN= CLOUD_USERNAME=alice CLOUD_PASSWORD=pw-alice \
    CLOUD_PROJECT=demo cloud-token-issue -f value -c id)
check "a user with a password and a role can log in" test -n "$tok"
run as "$tok" cloud-user-show alice -f value -c name
out_is alice "a user may show themself"
expect 0 "disable the user" cloud-user-set alice --disable -q
expect_fail 4 "user 'alice' is disabled" "a disabled user's token fails" \
    as "$tok" cloud-user-show alice
expect_fail 4 "user 'alice' is disabled" "and so does the password" \
    env CLOUD_TOKEN= CLOUD_USERNAME=alice CLOUD_PASSWORD=pw-alice \
    CLOUD_PROJECT=demo cloud-token-issue
expect 0 "enable again" cloud-user-set alice --enable -q
expect 0 "the token works again" as "$tok" cloud-user-show alice

expect 0 "delete users from a pipe" sh -c \
    'printf "robert\ncarol\n" | cloud-user-delete -'
run cloud-user-list -f value -c name
out_is "admin
alice" "they are gone"
expect 0 "an empty list on stdin is nothing to do" sh -c \
    'cloud-user-delete - < /dev/null'
expect_fail 3 "user 'robert' not found" "deleting again: not found" \
    cloud-user-delete robert
expect 0 "delete by id" cloud-user-delete "$alice"
expect_fail 4 "no longer exists" "a deleted user's token fails" \
    as "$tok" cloud-project-list
run cloud-event-list -f value -c action -c target_name -c result \
    --action user:delete
out_is "user:delete	alice	success
user:delete	robert	failure
user:delete	carol	success
user:delete	robert	success
user:delete	admin	failure" "deletes and refusals are in the event log"
done_testing
