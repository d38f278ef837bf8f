#!/bin/sh
# Networks, subnets and ports as records (no dataplane here): provider
# checks, IPAM (pools, the next free address, fixed IPs, release and
# reuse), MACs, 64 parallel port creates on one subnet with no duplicate
# and a clean exhaustion, deletes refused while in use, quotas, another
# project's network not found, and bad input that changes nothing.
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud
cat >> "$CLOUD_CONFIG" <<'CONF'
[network]
physical_interface_mappings = physnet1:nbt-phys0
vni_ranges = 100:102
CONF
alice=$(make_user alice demo member)
bob=$(make_user bob other member)
db=$CLOUD_STATE_DIR/nubes.db

# Networks.
expect 0 "a member creates a local network" as "$alice" cloud-net-create \
    -f value -c type -c mtu -c bridge n1
check "  ... local, MTU 1500, a bridge name of 15 characters" \
    sh -c "sed -n 1,2p '$T/out' | tr '\n' ' ' | grep -qx 'local 1500 ' &&
    sed -n 3p '$T/out' | grep -Eqx 'nbr-[0-9a-f]{11}'"
expect 0 "vxlan networks get the lowest free VNI and MTU 1450" \
    cloud-net-create --type vxlan -f value -c segment -c mtu vx1
out_is "100
1450" "  ... VNI 100"
cloud-net-create -q --type vxlan --segment 102 vx3
expect 0 "the next skips a taken one" cloud-net-create --type vxlan \
    -f value -c segment vx2
out_is 101 "  ... VNI 101"
expect_fail 5 "no free VNI" "the range exhausted is a conflict" \
    cloud-net-create --type vxlan vx4
expect 0 "a vlan network on a known physical network" cloud-net-create \
    --type vlan --physical-net physnet1 --segment 42 --shared \
    -f value -c segment -c shared v42
out_is "42
True" "  ... VLAN 42, shared"
expect 0 "a flat external network" cloud-net-create --type flat \
    --physical-net physnet1 --external -f value -c external ext
out_is True "  ... external"

dbdump > "$T/before"
expect_fail 2 "unknown physical network 'nope'" "an unknown physnet" \
    cloud-net-create --type vlan --physical-net nope --segment 5 x
expect_fail 2 "VLAN id 4095 is out of range" "a VLAN id out of range" \
    cloud-net-create --type vlan --physical-net physnet1 --segment 4095 x
expect_fail 2 "needs --segment" "a vlan network without a segment" \
    cloud-net-create --type vlan --physical-net physnet1 x
expect_fail 5 "VLAN id 42 on physnet1 is taken" "a VLAN id taken" \
    cloud-net-create --type vlan --physical-net physnet1 --segment 42 x
expect_fail 5 "has its flat network already" "a second flat network" \
    cloud-net-create --type flat --physical-net physnet1 x
expect_fail 2 "network type 'ring'" "an unknown type" \
    cloud-net-create --type ring x
expect_fail 4 "for cloud admins" "a member may not create a shared network" \
    as "$alice" cloud-net-create --shared x
expect_fail 4 "for cloud admins" "nor a vlan network" \
    as "$alice" cloud-net-create --type vlan --physical-net physnet1 \
    --segment 7 x
expect_fail 5 "exists in this project" "a taken name" \
    as "$alice" cloud-net-create n1
expect_fail 2 "MTU 100 is out of range" "an MTU out of range" \
    cloud-net-create --mtu 100 x
unchanged_since "$T/before" "  ... and none of these changes anything"

# Subnets.
expect 0 "a subnet with the default gateway and pool" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.1.0.0/24 --dns 10.1.0.2 \
    -f value -c cidr -c gateway -c pools -c dhcp -c free s1
out_is "10.1.0.0/24
10.1.0.1
10.1.0.2-10.1.0.254
True
253" "  ... gateway .1, pool .2-.254, DHCP on, 253 free"
expect 0 "a second subnet with a pool, routes and no DHCP" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.2.0.0/29 --gateway 10.2.0.6 \
    --pool 10.2.0.2-10.2.0.4 --route 192.168.0.0/16=10.2.0.6 --no-dhcp \
    -f value -c pools -c routes -c dhcp -c free s2
out_is "10.2.0.2-10.2.0.4
192.168.0.0/16=10.2.0.6
False
3" "  ... its pool, its route, DHCP off, 3 free"
dbdump > "$T/before"
expect_fail 2 "not a CIDR" "a malformed CIDR" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.3.0.0/33 x
expect_fail 2 "host bits set: the network is 10.3.0.0/24" \
    "a CIDR with host bits" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.3.0.7/24 x
expect_fail 2 "gateway 10.4.0.1 is outside" "a gateway outside the CIDR" \
    as "$alice" cloud-subnet-create --net n1 --cidr 10.3.0.0/24 \
    --gateway 10.4.0.1 x
expect_fail 2 "pool '10.3.1.2-10.3.1.9' is outside" "a pool outside the CIDR" \
    as "$alice" cloud-subnet-create --net n1 --cidr 10.3.0.0/24 \
    --pool 10.3.1.2-10.3.1.9 x
expect_fail 2 "overlap" "overlapping pools" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.3.0.0/24 \
    --pool 10.3.0.10-10.3.0.20 --pool 10.3.0.15-10.3.0.30 x
expect_fail 2 "is inside a pool" "a gateway inside a pool" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.3.0.0/24 --gateway 10.3.0.15 \
    --pool 10.3.0.10-10.3.0.20 x
expect_fail 5 "overlaps subnet s1" "a CIDR overlapping another on the network" \
    as "$alice" cloud-subnet-create --net n1 --cidr 10.1.0.128/25 x
expect_fail 2 "not an IPv4 address" "a bad DNS server" as "$alice" \
    cloud-subnet-create --net n1 --cidr 10.3.0.0/24 --dns 10.3.0.300 x
expect_fail 3 "network 'n1' not found" "another project's network" \
    as "$bob" cloud-subnet-create --net n1 --cidr 10.3.0.0/24 x
unchanged_since "$T/before" "  ... and none of these changes anything"

# Ports.
expect 0 "a port takes the next free address" as "$alice" cloud-port-create \
    --net n1 -f value -c fixed_ips -c mac p1
check "  ... 10.1.0.2, with a fa:16:3e MAC" sh -c "
    sed -n 1p '$T/out' | grep -qx 10.1.0.2 &&
    sed -n 2p '$T/out' | grep -Eqx 'fa:16:3e(:[0-9a-f]{2}){3}'"
expect 0 "a port with a fixed IP and a MAC" as "$alice" cloud-port-create \
    --net n1 --fixed-ip 10.1.0.9 --mac 52:54:00:AB:CD:EF \
    -f value -c fixed_ips -c mac p2
out_is "10.1.0.9
52:54:00:ab:cd:ef" "  ... as asked"
expect 0 "a fixed IP on the second subnet" as "$alice" cloud-port-create \
    --net n1 --fixed-ip 10.2.0.3 -f value -c fixed_ips -c subnets p3
out_is "10.2.0.3
s2" "  ... in s2"
dbdump > "$T/before"
expect_fail 5 "10.1.0.9 is taken" "a taken fixed IP" as "$alice" \
    cloud-port-create --net n1 --fixed-ip 10.1.0.9 x
expect_fail 2 "outside the allocation pools" "a fixed IP outside the pools" \
    as "$alice" cloud-port-create --net n1 --fixed-ip 10.2.0.5 x
expect_fail 2 "outside the allocation pools" "the gateway's address" \
    as "$alice" cloud-port-create --net n1 --fixed-ip 10.1.0.1 x
expect_fail 2 "in no subnet" "an address in no subnet" as "$alice" \
    cloud-port-create --net n1 --fixed-ip 172.16.0.1 x
expect_fail 2 "MAC 'zz:00" "a malformed MAC" as "$alice" \
    cloud-port-create --net n1 --mac zz:00:00:00:00:01 x
expect_fail 2 "multicast" "a multicast MAC" as "$alice" \
    cloud-port-create --net n1 --mac 01:00:5e:00:00:01 x
expect_fail 5 "MAC 52:54:00:ab:cd:ef is taken" "a taken MAC" as "$alice" \
    cloud-port-create --net n1 --mac 52:54:00:ab:cd:ef x
expect_fail 3 "not found" "a port on another project's network" \
    as "$bob" cloud-port-create --net n1 x
unchanged_since "$T/before" "  ... and none of these changes anything"
expect 0 "another project's member may use a shared network" as "$bob" \
    cloud-port-create --net v42 -f value -c network pb
out_is v42 "  ... its port is on it"
expect_fail 4 "forbidden" "  ... but not add a subnet to it" as "$bob" \
    cloud-subnet-create --net v42 --cidr 10.9.0.0/24 x

# Release and reuse: the freed address is the next one given.
expect 0 "delete p1" as "$alice" cloud-port-delete p1
expect 0 "a new port gets its address back" as "$alice" cloud-port-create \
    --net n1 -f value -c fixed_ips p4
out_is 10.1.0.2 "  ... 10.1.0.2"
check "the free ranges are joined again" test "$(sqlite3 "$db" \
    "SELECT count(*) FROM ip_ranges r JOIN subnets s ON s.id = r.subnet_id
    WHERE s.name = 's1'")" = 2

# 64 at once on a subnet with 60 addresses: 60 win, 4 exit 5.
cloud-net-create -q race
cloud-subnet-create -q --net race --cidr 10.50.0.0/24 \
    --pool 10.50.0.10-10.50.0.69 rs
mkdir "$T/p"
i=0
while [ $i -lt 64 ]; do
	( cloud-port-create --net race -f value -c fixed_ips -c mac \
	    "r$i" >"$T/p/out$i" 2>"$T/p/err$i"; echo $? >"$T/p/rc$i" ) &
	i=$((i + 1))
done
wait
check "64 parallel port creates: exactly 60 succeed" \
    test "$(cat "$T"/p/rc* | grep -c '^0$')" = 60
check "  ... the other 4 exit 5" test "$(cat "$T"/p/rc* | grep -c '^5$')" = 4
check "  ... saying the pool is exhausted" \
    test "$(cat "$T"/p/err* | grep -c "no free address left")" = 4
check "  ... no address given twice" \
    test "$(cat "$T"/p/out* | sed -n '/^10\./p' | sort -u | wc -l)" = 60
check "  ... no MAC given twice" \
    test "$(cat "$T"/p/out* | grep -c ':')" = 60 -a \
    "$(cat "$T"/p/out* | grep ':' | sort -u | wc -l)" = 60
check "  ... and nobody saw a lock" sh -c "! cat '$T'/p/err* |
    grep -Eiq 'locked|busy'"
check "the subnet has nothing free" test "$(cloud-subnet-show rs \
    -f value -c free -c used | tr '\n' ' ')" = "0 60 "

# Deletes refused while in use.
expect_fail 5 "has ports" "a network with ports is not deleted" \
    cloud-net-delete race
expect_fail 5 "has addresses in use" "nor a subnet with addresses in use" \
    cloud-subnet-delete rs
cloud-port-list --net race -f value -c id | cloud-port-delete -
check "once its ports are gone" test "$(cloud-port-list --net race \
    -f value -c id | wc -l)" = 0
expect 0 "  ... the network goes, its subnet with it" cloud-net-delete race
check "  ... no row of it is left" test "$(sqlite3 "$db" \
    "SELECT (SELECT count(*) FROM subnets WHERE name = 'rs')
    + (SELECT count(*) FROM ip_ranges r LEFT JOIN subnets s
       ON s.id = r.subnet_id WHERE s.id IS NULL)
    + (SELECT count(*) FROM subnet_pools p LEFT JOIN subnets s
       ON s.id = p.subnet_id WHERE s.id IS NULL)")" = 0

# Security groups as records.
expect 0 "a project's default group appears when looked for" as "$alice" \
    cloud-secgroup-list -f value -c name -c rules
out_is "default	2" "  ... with Neutron's two rules"
run as "$alice" cloud-secgroup-rule-list --group default -f value \
    -c direction -c protocol -c remote_ip_prefix -c remote_group
check "  ... out to anywhere, in from its own members" \
    test "$(sort "$T/out")" = "egress	any		
ingress	any		default"
expect 0 "a group" as "$alice" cloud-secgroup-create --description web web
expect 0 "a rule with a port range and a prefix" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol tcp \
    --port 8000-8080 --remote-ip 10.1.0.0/24 -f value -c protocol \
    -c ports -c remote_ip_prefix
out_is "tcp
8000-8080
10.1.0.0/24" "  ... as given"
dbdump > "$T/before"
expect_fail 2 "direction 'sideways'" "a bad direction" as "$alice" \
    cloud-secgroup-rule-add web --direction sideways --protocol tcp
expect_fail 2 "protocol 'gre'" "an unknown protocol" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol gre
expect_fail 2 "goes with tcp or udp" "a port with icmp" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol icmp --port 22
expect_fail 2 "port range '0-10'" "a port out of range" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol tcp --port 0-10
expect_fail 2 "host bits set" "a remote prefix with host bits" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol tcp \
    --remote-ip 10.1.0.5/24
expect_fail 2 "one or the other" "a remote prefix and group" as "$alice" \
    cloud-secgroup-rule-add web --direction ingress --protocol tcp \
    --remote-ip 10.1.0.0/24 --remote-group default
expect_fail 3 "not found" "another project's group" as "$bob" \
    cloud-secgroup-rule-add web --direction ingress --protocol tcp
expect_fail 2 "need port security" "groups on a port without port security" \
    as "$alice" cloud-port-create --net n1 --no-port-security \
    --security-group web x
unchanged_since "$T/before" "  ... and none of these changes anything"
expect_fail 5 "default security group is not deleted" \
    "the default group is not deleted" as "$alice" cloud-secgroup-delete default
cloud-secgroup-create -q --description x other0
as "$alice" cloud-secgroup-create -q ref
as "$alice" cloud-secgroup-rule-add -q ref --direction ingress --protocol any \
    --remote-group web
expect_fail 5 "in use by a rule of group ref" \
    "a group another's rule names is not deleted" as "$alice" \
    cloud-secgroup-delete web
as "$alice" cloud-secgroup-delete -q ref
expect 0 "once free it is, with its rules" as "$alice" cloud-secgroup-delete web
check "  ... no rule of it is left" test "$(sqlite3 "$db" "SELECT count(*)
    FROM security_group_rules r LEFT JOIN security_groups g ON g.id =
    r.group_id WHERE g.id IS NULL")" = 0
check "ports are in the default group unless told" test "$(sqlite3 "$db" \
    "SELECT count(*) FROM ports p WHERE p.port_security AND NOT EXISTS
    (SELECT 1 FROM port_security_groups g WHERE g.port_id = p.id)")" = 0

# cloud-port-set on free ports: names, groups, port security.
as "$alice" cloud-secgroup-create -q g1
as "$alice" cloud-secgroup-create -q g2
as "$alice" cloud-port-create -q --net n1 --security-group g1 ps1
groups_of() {
	sqlite3 "$db" "SELECT group_concat(g.name, ' ') FROM (SELECT s.name
	    FROM port_security_groups x JOIN security_groups s ON s.id =
	    x.group_id JOIN ports p ON p.id = x.port_id WHERE p.name = '$1'
	    ORDER BY s.name) g"
}
dbdump > "$T/before"
expect_fail 2 "usage" "cloud-port-set with nothing to set" \
    as "$alice" cloud-port-set ps1
expect_fail 2 "usage" "groups and --no-security-group together" \
    as "$alice" cloud-port-set --security-group g1 --no-security-group ps1
expect_fail 3 "not found" "a group that does not exist" \
    as "$alice" cloud-port-set --security-group nosuch ps1
expect_fail 2 "need port security" "groups with port security off" \
    as "$alice" cloud-port-set --no-port-security --security-group g2 ps1
expect_fail 3 "not found" "another project's port" \
    as "$bob" cloud-port-set --name x ps1
unchanged_since "$T/before" "  ... none of these changes anything"
expect 0 "a port's groups are replaced" \
    as "$alice" cloud-port-set --security-group g2 --security-group default ps1
check "  ... by exactly those" test "$(groups_of ps1)" = "default g2"
expect 0 "renamed" as "$alice" cloud-port-set --name ps2 ps1
check "  ... keeping its groups" test "$(groups_of ps2)" = "default g2"
expect 0 "port security off" as "$alice" cloud-port-set --no-port-security ps2
check "  ... and the port is in no group" test -z "$(groups_of ps2)"
expect 0 "on again: the default group" \
    as "$alice" cloud-port-set --port-security ps2
check "  ... so" test "$(groups_of ps2)" = default
expect 0 "no group at all" as "$alice" cloud-port-set --no-security-group ps2
check "  ... so" test -z "$(groups_of ps2)"
as "$alice" cloud-port-delete -q ps2
as "$alice" cloud-secgroup-delete -q g1 g2

# Quotas.
cloud-quota-set -q --ports 3 demo
expect_fail 5 "quota" "a port over the project's quota" as "$alice" \
    cloud-port-create --net n1 x
check "listing is per project" test "$(as "$bob" cloud-port-list \
    -f value -c name)" = pb
done_testing
