#!/bin/sh
# Bad input, one case a line: its message, its exit code (CLI.md), and
# the database unchanged afterwards.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
member=$(make_user alice demo member)
make_user oscar elsewhere member > /dev/null
cloud-user-create -q bob
disabled=$(make_user dora demo member)
cloud-user-set -q dora --disable
revoked=$(make_user rex demo member)
echo "$revoked" | cloud-token-revoke -
alice_id=$(cloud-user-show alice -f value -c id)
demo_id=$(cloud-project-show demo -f value -c id)
expired=$(mktoken "$alice_id" "$demo_id" -5)
tampered=$(echo "$member" | tr 'A-Za-z' 'B-ZAb-za' | cut -c1-200)
mkdir "$T/other"
echo x | CLOUD_STATE_DIR=$T/other cloud-bootstrap -q --password-stdin
wrongkey=$(CLOUD_STATE_DIR=$T/other mktoken "$alice_id" "$demo_id" 600)
long=$(printf '%0300d' 0)
ctrl=$(printf 'bad\001name')

dbdump > "$T/before"

# bad CODE PATTERN DESCRIPTION COMMAND...: refused, nothing changed.
bad() {
	expect_fail "$@"
	unchanged_since "$T/before" "  ... and the database is unchanged"
}

bad 2 "unrecognized option '--frobnicate'" "unknown option" \
    cloud-user-create --frobnicate x
bad 2 "usage: cloud-user-create" "missing operand" cloud-user-create
bad 2 "option '--email' requires an argument" "missing option argument" \
    cloud-user-create x --email
bad 2 "format 'xml'" "unknown output format" cloud-user-list -f xml
bad 2 "unknown column 'nosuch' \\(columns: id name" "unknown column" \
    cloud-user-list -c nosuch
bad 2 "unknown column 'nope'" "an unknown column is refused before the change" \
    cloud-user-create -c nope carol
bad 2 "user name is too long: 300 bytes, at most 255" "name too long" \
    cloud-user-create "$long"
bad 2 "user name contains control characters" "control characters" \
    cloud-user-create "$ctrl"
bad 2 "description contains control characters" \
    "control characters in a description" \
    cloud-project-create p --description "$ctrl"
bad 2 "invalid email address 'not-an-email'" "bad email" \
    cloud-user-create carol --email not-an-email
bad 2 "'not-a-uuid' is not a valid endpoint id" "bad UUID" \
    cloud-endpoint-delete not-a-uuid
bad 3 "endpoint '00000000-0000-4000-8000-000000000000' not found" \
    "well-formed UUID, no such endpoint" \
    cloud-endpoint-delete 00000000-0000-4000-8000-000000000000
bad 5 "user name 'bob' is taken" "duplicate name" cloud-user-create bob
bad 5 "project name 'demo' is taken" "duplicate project" \
    cloud-project-create demo
bad 3 "user 'nosuch' not found" "not found" cloud-user-delete nosuch
bad 3 "project 'nosuch' not found" "not found in a join" \
    cloud-role-add member --user bob --project nosuch
bad 4 "authentication failed: invalid username or password" \
    "wrong password" env CLOUD_TOKEN= CLOUD_USERNAME=alice \
    CLOUD_PASSWORD=wrong CLOUD_PROJECT=demo cloud-user-list
bad 4 "authentication failed: invalid username or password" \
    "unknown user" env CLOUD_TOKEN= CLOUD_USERNAME=nobody \
    CLOUD_PASSWORD=wrong CLOUD_PROJECT=demo cloud-user-list
bad 4 "the token expired at" "expired token" as "$expired" cloud-user-list
bad 4 "the token is (malformed|not valid)" "tampered token" \
    as "$tampered" cloud-user-list
bad 4 "the token has been revoked" "revoked token" as "$revoked" \
    cloud-project-show demo
bad 4 "no key signed it" "token from another cloud's keys" \
    as "$wrongkey" cloud-user-list
bad 4 "user 'dora' is disabled" "disabled user's token" \
    as "$disabled" cloud-project-show demo
bad 4 "user 'dora' is disabled" "disabled user's password" env CLOUD_TOKEN= \
    CLOUD_USERNAME=dora CLOUD_PASSWORD=pw-dora CLOUD_PROJECT=demo \
    cloud-project-show demo
bad 4 "forbidden: 'user:create' requires admin" \
    "member attempting an admin action" as "$member" cloud-user-create eve
bad 4 "forbidden: 'user:delete' requires admin" \
    "member deleting a user" as "$member" cloud-user-delete bob
bad 3 "project 'elsewhere' not found" "cross-project access" \
    as "$member" cloud-project-show elsewhere
bad 3 "project 'elsewhere' not found" "cross-project write" \
    as "$member" cloud-project-delete elsewhere
bad 4 "no project 'elsewhere' for this user" \
    "logging in to a project without a role" env CLOUD_TOKEN= \
    CLOUD_USERNAME=alice CLOUD_PASSWORD=pw-alice CLOUD_PROJECT=elsewhere \
    cloud-project-list
bad 2 "password on stdin is too long" "an absurd password" sh -c \
    "head -c 5000 /dev/zero | tr '\\0' x | cloud-user-set alice \
    --password-stdin"
bad 1 "cannot parse config|config '/nonexistent'" "a missing config file" \
    env CLOUD_CONFIG=/nonexistent cloud-user-list
printf '[identity]\ntoken_expiration = soon\n' >> "$CLOUD_CONFIG"
bad 1 "config '.*': \\[identity\\] token_expiration 'soon' is invalid" \
    "a malformed config value names the key" cloud-token-issue
done_testing
