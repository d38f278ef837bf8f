#!/bin/sh
# Tokens: issue, validate, revoke, rotate; expired, tampered, revoked
# and foreign tokens refused.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
tok=$(make_user alice demo member)
bob=$(make_user bob demo member)

expect 0 "validate a token" sh -c "echo '$tok' | cloud-token-validate -f json \
    -c user_name -c project_name -c roles"
out_is '{"user_name": "alice", "project_name": "demo", "roles": "member,reader"}' \
    "validation names the user, project and roles"
expect 0 "a user validates their own token" sh -c \
    "echo '$tok' | CLOUD_TOKEN='$tok' cloud-token-validate -f value -c user_name"
out_is alice "with its owner"
expect_fail 4 "forbidden" "a member cannot validate another's token" sh -c \
    "echo '$bob' | CLOUD_TOKEN='$tok' cloud-token-validate"
run as "$tok" cloud-token-issue -f value -c user_name -c project_name
out_is "alice
demo" "a token can be traded for a fresh one"
check "which keeps the old token's expiry" test \
    "$(as "$tok" cloud-token-issue -f value -c expires)" = \
    "$(echo "$tok" | cloud-token-validate -f value -c expires)"
expect_fail 2 "unknown column 'id'" "validation never prints the token" \
    sh -c "echo '$tok' | cloud-token-validate -c id"
expect_fail 2 "no token given" "revoking with empty stdin is a usage error" \
    sh -c "cloud-token-revoke < /dev/null"

alice_id=$(cloud-user-show alice -f value -c id)
demo_id=$(cloud-project-show demo -f value -c id)
expired=$(mktoken "$alice_id" "$demo_id" -10)
expect_fail 4 "the token expired at" "an expired token is refused" \
    as "$expired" cloud-project-show demo
fresh=$(mktoken "$alice_id" "$demo_id" 600)
expect 0 "a token made with the cloud's keys works" as "$fresh" \
    cloud-project-show demo
tampered=$(echo "$tok" | sed 's/^\(.\{50\}\)./\1A/;t;')
[ "$tampered" = "$tok" ] && tampered=$(echo "$tok" | sed 's/^\(.\{50\}\)./\1B/')
expect_fail 4 "not valid: no key signed it" "a tampered token is refused" \
    as "$tampered" cloud-project-show demo
expect_fail 4 "malformed" "garbage is refused" as "not-a-token" \
    cloud-project-show demo
mkdir "$T/other"
echo x | CLOUD_STATE_DIR=$T/other cloud-bootstrap -q --password-stdin
foreign=$(CLOUD_STATE_DIR=$T/other mktoken "$alice_id" "$demo_id" 600)
expect_fail 4 "no key signed it" "a token signed by another cloud's keys" \
    as "$foreign" cloud-project-show demo
# Interoperability with the reference Fernet implementation, both ways.
primary=$CLOUD_STATE_DIR/fernet-keys/$(ls "$CLOUD_STATE_DIR/fernet-keys" |
    sort -n | tail -n 1)
fernet() {
	/usr/bin/python3 -c '
import sys, time
from cryptography.fernet import Fernet
pad = lambda s: s + "=" * (-len(s) % 4)
f = Fernet(pad(open(sys.argv[1]).read().strip()).encode())
if sys.argv[2] == "decrypt":
	print(f.decrypt(pad(sys.argv[3]).encode()).decode())
else:
	print(f.encrypt(sys.argv[3].encode()).decode().rstrip("="))
' "$primary" "$@"
}
run fernet decrypt "$fresh"
check "Python's Fernet decrypts our token" grep -q \
    "^1 [0-9a-f]\{32\} $alice_id $demo_id 7 [0-9]*$" "$T/out"
theirs=$(fernet encrypt "1 0123456789abcdef0123456789abcdef $alice_id \
$demo_id 3 $(($(date +%s) + 600))")
expect 0 "a token made by Python's Fernet is accepted" sh -c \
    "echo '$theirs' | cloud-token-validate -f value -c user_name"
out_is alice "and names its user"

expect_fail 4 "invalid username or password" "a wrong password" env \
    CLOUD_TOKEN= CLOUD_USERNAME=alice CLOUD_PASSWORD=wrong CLOUD_PROJECT=demo \
    cloud-token-issue
cp "$T/err" "$T/err.wrongpw"
expect_fail 4 "invalid username or password" "an unknown user" env \
    CLOUD_TOKEN= CLOUD_USERNAME=nobody CLOUD_PASSWORD=wrong CLOUD_PROJECT=demo \
    cloud-token-issue
check "a wrong password and an unknown user get the same message" \
    cmp -s "$T/err" "$T/err.wrongpw"
expect_fail 4 "no credentials" "no credentials at all" env CLOUD_TOKEN= \
    cloud-project-list

expect 0 "revoke a token (the owner)" sh -c \
    "echo '$bob' | CLOUD_TOKEN='$bob' cloud-token-revoke"
expect_fail 4 "revoked" "a revoked token is refused" as "$bob" \
    cloud-project-show demo
carol=$(make_user carol demo member)
expect_fail 4 "forbidden" "a member cannot revoke another's token" sh -c \
    "echo '$tok' | CLOUD_TOKEN='$carol' cloud-token-revoke -"
expect 0 "alice's token survived that" as "$tok" cloud-project-show demo

cat >> "$CLOUD_CONFIG" <<CONF
[identity]
max_active_keys = 4
CONF
expect 0 "rotate the keys" cloud-token-rotate -f value
out_is 3 "three keys after the first rotation"
expect 0 "a token survives one rotation" as "$tok" cloud-project-show demo
expect 0 "rotate again" cloud-token-rotate -q
expect 0 "a token survives two rotations" as "$tok" cloud-project-show demo
new=$(cloud-token-issue -f value -c id)
expect 0 "rotate a third time" cloud-token-rotate -f value
out_is 4 "max_active_keys keys kept"
expect_fail 4 "rotated out" "the first token's key is gone" \
    as "$tok" cloud-project-show demo
expect 0 "a token from the newer key still works" as "$new" \
    cloud-project-list
dave=$(CLOUD_TOKEN=$new make_user dave demo member)
expect_fail 4 "forbidden" "a member cannot rotate keys" \
    as "$dave" cloud-token-rotate
check "keys stay mode 0600" test "$(stat -c %a \
    "$CLOUD_STATE_DIR"/fernet-keys/* | sort -u)" = 600

mkdir -p "$HOME/.config/nubes"
printf '[prod]\nusername = admin\npassword = secret\nproject = admin\n' \
    > "$HOME/.config/nubes/clouds.ini"
chmod 644 "$HOME/.config/nubes/clouds.ini"
expect_fail 4 "mode 0600" "a profile readable by others is refused" \
    env CLOUD_TOKEN= CLOUD_PROFILE=prod cloud-project-list
chmod 600 "$HOME/.config/nubes/clouds.ini"
expect 0 "a mode 0600 profile logs in" env CLOUD_TOKEN= CLOUD_PROFILE=prod \
    cloud-token-issue -f value -c user_name
out_is admin "as its user"
expect_fail 4 "no profile 'nosuch'" "an unknown profile" env CLOUD_TOKEN= \
    CLOUD_PROFILE=nosuch cloud-project-list
done_testing
