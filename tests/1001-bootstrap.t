#!/bin/sh
# cloud-bootstrap: creates the state directory, keys, database, roles
# and the admin; is idempotent; never changes a password unasked.
. "${top_srcdir:-.}/tests/lib.sh"

expect_fail 2 "usage:" "bootstrap needs --password-stdin" cloud-bootstrap
check "and created nothing" test ! -e "$CLOUD_STATE_DIR"
expect_fail 2 "no password on stdin" "an empty password is refused" \
    sh -c 'printf "" | cloud-bootstrap --password-stdin'
expect 0 "bootstrap creates a cloud" sh -c \
    'echo secret | cloud-bootstrap --password-stdin -f json'
check "it reports the admin user it created" \
    grep -q '"admin_user": "admin".*"created": true' "$T/out"
check "state directory is mode 0750" \
    test "$(stat -c %a "$CLOUD_STATE_DIR")" = 750
check "key directory is mode 0700" \
    test "$(stat -c %a "$CLOUD_STATE_DIR/fernet-keys")" = 700
check "keys are mode 0600" test "$(stat -c %a \
    "$CLOUD_STATE_DIR"/fernet-keys/* | sort -u)" = 600
check "a staged and a primary key" test "$(ls "$CLOUD_STATE_DIR/fernet-keys" |
    sort | tr '\n' ' ')" = "0 1 "
check "database is not world-readable" \
    test "$(stat -c %a "$CLOUD_STATE_DIR/nubes.db")" = 640
check "database is in WAL mode" test "$(sqlite3 \
    "$CLOUD_STATE_DIR/nubes.db" 'PRAGMA journal_mode')" = wal

keys_before=$(cat "$CLOUD_STATE_DIR"/fernet-keys/*)
dbdump > "$T/before"
expect 0 "bootstrapping again succeeds" sh -c \
    'echo secret | cloud-bootstrap --password-stdin -f value -c created'
out_is False "and creates nothing new"
unchanged_since "$T/before" "the second bootstrap changed no state"
check "nor the keys" test "$keys_before" = "$(cat \
    "$CLOUD_STATE_DIR"/fernet-keys/*)"

expect_fail 5 "user 'admin' exists with another password.*--reset-password" \
    "another password is refused without --reset-password" \
    sh -c 'echo other | cloud-bootstrap --password-stdin'
unchanged_since "$T/before" "and changes nothing"

CLOUD_USERNAME=admin CLOUD_PASSWORD=secret CLOUD_PROJECT=admin
export CLOUD_USERNAME CLOUD_PASSWORD CLOUD_PROJECT
old=$(cloud-token-issue -f value -c id)
expect 0 "the admin logs in with the password" cloud-role-list
run cloud-role-list -f value -c name
out_is "admin
member
reader" "roles admin, member and reader exist"
run cloud-role-assignment-list --user admin -f value -c role -c project -c global
out_is "admin		True
admin	admin	False" "admin holds admin globally and on the admin project"

expect 0 "--reset-password changes it" sh -c \
    'echo newpass | cloud-bootstrap --password-stdin --reset-password'
expect_fail 4 "invalid username or password" "the old password fails" \
    cloud-role-list
expect_fail 4 "revoked" "tokens issued before the reset are revoked" \
    env -u CLOUD_USERNAME CLOUD_TOKEN="$old" cloud-role-list
CLOUD_PASSWORD=newpass
expect 0 "the new password works" cloud-role-list

# Bootstrapping again must not hand out admin rights.
echo pw-bob | cloud-user-create -q bob --password-stdin
dbdump > "$T/before"
expect_fail 4 "user 'bob' exists and is not a cloud admin" \
    "bootstrap will not make an existing user an admin" \
    sh -c 'echo pw-bob | cloud-bootstrap --admin-user bob --password-stdin'
expect_fail 4 "only root or the owner of .*, not through sudo" \
    "nor run again through sudo, even for a new admin" sh -c \
    'echo x | SUDO_USER=mallory cloud-bootstrap --admin-user eve \
    --password-stdin'
expect_fail 4 "not through sudo" "nor reset the admin's password through sudo" \
    sh -c 'echo x | SUDO_USER=mallory cloud-bootstrap --password-stdin \
    --reset-password'
unchanged_since "$T/before" "  ... and changed nothing"
expect 0 "root, directly, may still add a second admin" sh -c \
    'echo pw-eve | cloud-bootstrap --admin-user eve --password-stdin -q'

run cloud-catalog -f value -c type -c interface -c url
out_is "identity	public	file://$CLOUD_STATE_DIR" \
    "the catalog names the identity service"
run cloud-event-list -f value -c action -c result --action cloud
out_is "cloud:bootstrap	success
cloud:bootstrap	success
cloud:bootstrap	success
cloud:bootstrap	success" "every bootstrap is in the event log"
done_testing
