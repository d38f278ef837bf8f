#!/bin/sh
# Key pairs: generated with OpenSSL, checked with OpenSSH's own tools;
# imported public keys validated; each user sees only their own.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
alice=$(make_user alice demo member)
bob=$(make_user bob demo member)

expect 0 "generate an ed25519 key pair" as "$alice" cloud-keypair-create k1
cp "$T/out" "$T/k1"
chmod 600 "$T/k1"
check "stdout is the private key alone, in OpenSSH format" test \
    "$(head -n 1 "$T/k1")" = "-----BEGIN OPENSSH PRIVATE KEY-----"
run ssh-keygen -y -f "$T/k1"
pub=$(cut -d' ' -f1,2 "$T/out")
check "ssh-keygen derives the public key nubes stored" test "$pub" = \
    "$(as "$alice" cloud-keypair-show k1 -f value -c public_key |
    cut -d' ' -f1,2)"
run ssh-keygen -l -E sha256 -f "$T/k1"
check "ssh-keygen's fingerprint is the one nubes stored" grep -q \
    "^256 $(as "$alice" cloud-keypair-show k1 -f value -c fingerprint) " \
    "$T/out"
expect 0 "generate an RSA key pair, as json" as "$alice" \
    cloud-keypair-create --type rsa --bits 2048 k2 -f json
check "json carries the private key once" grep -q \
    '"type": "ssh-rsa", "bits": 2048, .*"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----' \
    "$T/out"
run as "$alice" cloud-keypair-show k2 -f json
check "show never prints a private key" sh -c "! grep -q private '$T/out'"

ssh-keygen -q -t ed25519 -N '' -C laptop -f "$T/laptop"
expect 0 "import a public key from stdin" sh -c "CLOUD_TOKEN='$alice' \
    cloud-keypair-create --public-key-stdin k3 -f value -c fingerprint \
    < '$T/laptop.pub'"
check "  ... with the fingerprint ssh-keygen gives" test "$(cat "$T/out")" = \
    "$(ssh-keygen -l -E sha256 -f "$T/laptop.pub" | cut -d' ' -f2)"

run as "$alice" cloud-keypair-list -f value -c name -c type
out_is "k1	ssh-ed25519
k2	ssh-rsa
k3	ssh-ed25519" "alice lists her three key pairs"
run as "$bob" cloud-keypair-list -f value
out_is "" "bob sees none of them"
expect_fail 3 "keypair 'k1' not found" "bob cannot show alice's key pair" \
    as "$bob" cloud-keypair-show k1
expect_fail 3 "keypair 'k1' not found" "nor delete it" \
    as "$bob" cloud-keypair-delete k1
expect 0 "bob may have a key pair of the same name" as "$bob" \
    cloud-keypair-create k1
expect_fail 2 "only copy of the private key" "-q is refused when generating" \
    as "$bob" cloud-keypair-create -q k9
run cloud-keypair-list --user alice -f value -c name
check "an admin lists alice's key pairs with --user" \
    test "$(wc -l < "$T/out")" -eq 3

dbdump > "$T/before"
expect_fail 5 "you already have a key pair named 'k1'" "a taken name" \
    as "$alice" cloud-keypair-create k1
expect_fail 2 "public key refused" "garbage is not a public key" sh -c \
    "echo 'ssh-ed25519 not!base64' | CLOUD_TOKEN='$alice' \
    cloud-keypair-create --public-key-stdin bad"
expect_fail 2 "public key refused" "a private key is not a public key" \
    sh -c "CLOUD_TOKEN='$alice' cloud-keypair-create --public-key-stdin \
    bad < '$T/laptop'"
expect_fail 2 "public key refused" "a DSA key is refused" sh -c \
    "echo 'ssh-dss AAAAB3NzaC1kc3MAAACBAP8= x' | CLOUD_TOKEN='$alice' \
    cloud-keypair-create --public-key-stdin bad"
expect_fail 2 "no public key on stdin" "an empty stdin" sh -c \
    "CLOUD_TOKEN='$alice' cloud-keypair-create --public-key-stdin bad \
    < /dev/null"
expect_fail 2 "usage:" "--type means nothing for an imported key" sh -c \
    "CLOUD_TOKEN='$alice' cloud-keypair-create --type rsa \
    --public-key-stdin bad < '$T/laptop.pub'"
expect_fail 2 "--type 'dsa'" "an unknown key type" \
    as "$alice" cloud-keypair-create --type dsa bad
expect_fail 2 "--bits '1024' is too small" "a weak RSA key" \
    as "$alice" cloud-keypair-create --type rsa --bits 1024 bad
unchanged_since "$T/before" "refused key pairs changed nothing"
cloud-quota-set --key-pairs 3 demo
expect_fail 5 "quota exceeded for key_pairs: limit 3" \
    "a fourth key pair passes the quota of 3" \
    as "$alice" cloud-keypair-create k4
expect 0 "delete a key pair" as "$alice" cloud-keypair-delete k3
run as "$alice" cloud-keypair-list -f value -c name
out_is "k1
k2" "  ... it is gone"
done_testing
