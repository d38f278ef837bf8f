#!/bin/sh
# Two real guests on one local network: their ports' addresses from IPAM
# reach them through the config drive, the network's bridge is made on
# the host through libvirt when the first guest needs it, the guests
# ping each other across it, and the bridge goes with the last port on
# the host.  Port security: a guest that takes another IP or MAC is cut
# off, and one whose port has no port security is not.  Security
# groups: the default group admits its members; a group's rules are
# applied to running guests at once, added and removed, by address and
# by remote group.  All traffic stays on that isolated bridge and a test
# namespace on it.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
# Port filters another cloud on this machine has (the quickstart's).
others=$(virsh -q nwfilter-list | grep -c ' nubes-port-')
cloud-host-add -q host1 --uri qemu:///system
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
cloud-net-create -q n1
cloud-subnet-create -q --net n1 --cidr 10.77.0.0/24 --no-dhcp s1
br=$(cloud-net-show n1 -f value -c bridge)
ns=nbt-sg-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip link del "nbt-s$$a" 2>/dev/null
	virsh -q net-destroy "$br" >/dev/null 2>&1
	virsh -q net-undefine "$br" >/dev/null 2>&1
	libvirt_cleanup
	rm -rf "$T"
}
trap cleanup EXIT

# ping_script PEER: user data that pings PEER until it answers (90 s).
ping_script() {
	cat <<EOF
#!/bin/sh
i=0
while [ \$i -lt 90 ]; do
	if ping -c 1 -W 1 $1 >/dev/null 2>&1; then
		echo "NUBES-PING $1 ok"
		exit 0
	fi
	i=\$((i + 1))
done
echo "NUBES-PING $1 failed"
EOF
}
# spoof_script PEER: user data that pings PEER as itself, then from
# another IP, then from another MAC, and says what got through.
spoof_script() {
	cat <<EOF
#!/bin/sh
try() {
	i=0
	while [ \$i -lt \$1 ]; do
		ping -c 1 -W 1 $1 >/dev/null 2>&1 && return 0
		i=\$((i + 1))
	done
	return 1
}
try 90 && echo "NUBES-SPOOF self ok" || echo "NUBES-SPOOF self failed"
ip=\$(ip -4 -o addr show dev eth0 | awk '{ print \$4 }')
ip addr del "\$ip" dev eth0
ip addr add 10.77.0.99/24 dev eth0
try 5 && echo "NUBES-SPOOF ip passed" || echo "NUBES-SPOOF ip blocked"
ip addr del 10.77.0.99/24 dev eth0
ip addr add "\$ip" dev eth0
ip link set eth0 down
ip link set eth0 address 02:00:00:00:00:99
ip link set eth0 up
# Tell the peer the new MAC, as a moved address would.
arping -U -c 2 -I eth0 "\${ip%/*}" >/dev/null 2>&1
try 10 && echo "NUBES-SPOOF mac passed" || echo "NUBES-SPOOF mac blocked"
EOF
}
console_has() {
	cloud-server-console "$1" 2>/dev/null | grep -q -- "$2"
}

expect 0 "a port with a fixed IP" cloud-port-create --net n1 \
    --fixed-ip 10.77.0.10 -f value -c status pa
out_is DOWN "  ... down until a server has it"
check "no bridge before a server needs it" \
    test ! -e "/sys/class/net/$br"

dbdump > "$T/before"
cloud-net-create -q --type vxlan vx
expect_fail 5 "vxlan_interface" \
    "a server on a vxlan network with no tunnel device is refused" \
    cloud-boot --flavor m1.tiny --image tiny --net vx x
cloud-net-delete -q vx
expect_fail 2 "usage" "--net and --port together are refused" \
    cloud-boot --flavor m1.tiny --image tiny --net n1 --port pa x
unchanged_since "$T/before" "  ... and nothing is recorded"

ping_script 10.77.0.2 > "$T/uda"
ping_script 10.77.0.10 > "$T/udb"
a=$(cloud-boot --flavor m1.tiny --image tiny --port pa --user-data-stdin \
    -f value -c id a < "$T/uda")
echo "$a" >> "$T/domains"
b=$(cloud-boot --flavor m1.tiny --image tiny --net n1 --user-data-stdin \
    -f value -c id b < "$T/udb")
echo "$b" >> "$T/domains"
check "both servers run" test -n "$a" -a -n "$b"
run cloud-port-list --net n1 -f value -c name -c fixed_ips -c device_id \
    -c status
check "  ... a has its port, b a new one with the next free address" \
    test "$(cat "$T/out")" = "	10.77.0.2	$b	ACTIVE
pa	10.77.0.10	$a	ACTIVE"
expect_fail 5 "in use by" "a port in use is not given to another server" \
    cloud-boot --flavor m1.tiny --image tiny --port pa x
check "the network's bridge is on the host" test -d "/sys/class/net/$br/bridge"
check "  ... as a libvirt network" virsh -q net-info "$br"
check "  ... with both guests' taps on it" \
    test "$(ls "/sys/class/net/$br/brif" | wc -l)" = 2
check "  ... and no address of the host's" \
    test -z "$(ip -4 addr show dev "$br" | grep inet)"
check "a has its address from the config drive" \
    wait_for 180 console_has a "NUBES-NET eth0 10.77.0.10/24"
check "b has its own" wait_for 180 console_has b "NUBES-NET eth0 10.77.0.2/24"
check "a pings b" wait_for 180 console_has a "NUBES-PING 10.77.0.2 ok"
check "b pings a" wait_for 180 console_has b "NUBES-PING 10.77.0.10 ok"

# Port security, on by default, and off for a control.  ICMP from
# anywhere to the default group, so that only port security is tested.
expect 0 "a rule: the default group admits ICMP from anywhere" \
    cloud-secgroup-rule-add default --direction ingress --protocol icmp \
    -f value -c direction -c protocol
out_is "ingress
icmp" "  ... recorded"
spoof_script 10.77.0.10 > "$T/udc"
cloud-port-create -q --net n1 --no-port-security popen
c=$(cloud-boot --flavor m1.tiny --image tiny --net n1 --user-data-stdin \
    -f value -c id c < "$T/udc")
echo "$c" >> "$T/domains"
d=$(cloud-boot --flavor m1.tiny --image tiny --port popen --user-data-stdin \
    -f value -c id d < "$T/udc")
echo "$d" >> "$T/domains"
check "libvirt filters c's traffic by its port's filter" \
    sh -c "virsh dumpxml nubes-$c | grep -q \"filterref filter='nubes-port-\""
check "  ... and not d's, whose port has no port security" \
    sh -c "! virsh dumpxml nubes-$d | grep -q filterref"
check "c reaches a as itself" \
    wait_for 180 console_has c "NUBES-SPOOF self ok"
check "  ... not from another IP" \
    wait_for 60 console_has c "NUBES-SPOOF ip blocked"
check "  ... nor from another MAC" \
    wait_for 60 console_has c "NUBES-SPOOF mac blocked"
check "d, unfiltered, reaches a as itself" \
    wait_for 180 console_has d "NUBES-SPOOF self ok"
check "  ... and from another IP" \
    wait_for 60 console_has d "NUBES-SPOOF ip passed"
check "  ... and from another MAC" \
    wait_for 60 console_has d "NUBES-SPOOF mac passed"
cloud-server-delete -q c d
cloud-port-delete -q popen

# Security groups, seen from a namespace on the bridge (10.77.0.250,
# no port: outside every group).
outside_ns "$ns" "nbt-s$$" "$br" 10.77.0.250/24 || {
	echo "Bail out! cannot make the test's namespace"
	exit 1
}
reaches() {
	ip netns exec "$ns" ping -c 1 -W 1 "$1" >/dev/null 2>&1
}
unreachable() {
	! reaches "$1" && ! reaches "$1" && ! reaches "$1"
}
cloud-secgroup-create -q web
cloud-secgroup-create -q clients
cloud-port-create -q --net n1 --fixed-ip 10.77.0.20 --security-group web pe
e=$(cloud-boot --flavor m1.tiny --image tiny --port pe -f value -c id e)
echo "$e" >> "$T/domains"
check "e, in group web with no rules, is up" \
    wait_for 180 console_has e "NUBES-NET eth0 10.77.0.20/24"
check "  ... and admits no ping" unreachable 10.77.0.20
rule=$(cloud-secgroup-rule-add web --direction ingress --protocol icmp \
    --remote-ip 10.77.0.250/32 -f value -c id)
check "a rule admitting the namespace: e answers, with no restart" \
    wait_for 30 reaches 10.77.0.20
check "  ... a still admits it, by the default group's rule" \
    reaches 10.77.0.10
expect 0 "delete the rule" cloud-secgroup-rule-delete "$rule"
check "  ... e admits no ping again" wait_for 30 unreachable 10.77.0.20
cloud-secgroup-rule-add -q web --direction ingress --protocol icmp \
    --remote-group clients
cloud-secgroup-rule-add -q clients --direction egress --protocol any
ping_script 10.77.0.20 > "$T/udf"
f=$(cloud-boot --flavor m1.tiny --image tiny --net n1 --security-group clients \
    --user-data-stdin -f value -c id f < "$T/udf")
echo "$f" >> "$T/domains"
check "f, a new member of clients, which web admits, pings e" \
    wait_for 180 console_has f "NUBES-PING 10.77.0.20 ok"
check "  ... the namespace, no member, still cannot" unreachable 10.77.0.20
expect_fail 5 "in use by" "a group in use is not deleted" \
    cloud-secgroup-delete clients
expect_fail 5 "default security group is not deleted" \
    "nor the default group" cloud-secgroup-delete default
cloud-server-delete -q e f
cloud-port-delete -q pe
check "only a's and b's port filters are left in libvirt" \
    test "$(virsh -q nwfilter-list | grep -c ' nubes-port-')" = \
    $((others + 2))
cloud-secgroup-rule-list --group web -f value -c id | cloud-secgroup-rule-delete -
expect 0 "then the groups go" cloud-secgroup-delete web clients

expect_fail 5 "in use by server a" "a server's port is not deleted" \
    cloud-port-delete pa
expect_fail 5 "has ports" "nor a network in use" cloud-net-delete n1
expect 0 "delete a" cloud-server-delete a
check "  ... its port stays, free again" test "$(cloud-port-show pa \
    -f value -c status -c device_id | tr '\n' ' ')" = "DOWN  "
check "  ... the bridge stays for b" test -d "/sys/class/net/$br/bridge"
expect 0 "delete b" cloud-server-delete b
check "  ... its own port goes with it" \
    test "$(cloud-port-list --net n1 -f value -c name)" = pa
check "  ... and the bridge with the last port on the host" \
    test ! -e "/sys/class/net/$br"
check "  ... libvirt's network too" sh -c "! virsh -q net-info '$br' \
    >/dev/null 2>&1"
expect 0 "delete the free port" cloud-port-delete pa
expect 0 "then the network" cloud-net-delete n1
done_testing
