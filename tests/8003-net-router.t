#!/bin/sh
# Routers, floating IPs and DHCP on real guests.  Two subnets on two
# networks joined by a router: guest a (DHCP) and guest b (static, from
# its config drive) show the addresses IPAM gave them and a pings b
# across the router, then the outside through SNAT.  The "outside" is a
# namespace behind a veth that is the external flat network's physical
# interface: it reaches b through a floating IP, and no longer after
# the floating IP is disassociated.  A router namespace lost as in a
# reboot comes back with cloud-net-sync.  An address freed is leased by
# DHCP to the next port given it.  Deletes in use are refused;
# free ones leave no namespace, bridge, nft table or dnsmasq behind.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
out=nbt-out$$
ext=nbt-x$$
vx=nbt-v$$
cl=nbt-c$$
cat >> "$CLOUD_CONFIG" <<CONF
[network]
physical_interface_mappings = public:${ext}a,trunk:${vx}a
vxlan_interface = ${vx}a
CONF
cleanup() {
	ip netns del "$out" 2>/dev/null
	ip netns del "$cl" 2>/dev/null
	ip link del "${cl}a" 2>/dev/null
	ip netns del nrt-0bad0bad0ba 2>/dev/null
	ip link del nbr-0bad0bad0ba 2>/dev/null
	ip link del nbr-0bad0bad0bb 2>/dev/null
	ip link del nbr-0bad0bad0bc 2>/dev/null
	ip link del "${ext}a" 2>/dev/null
	ip link del "${vx}a" 2>/dev/null
	libvirt_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
# The nubes objects another cloud on this machine has (the quickstart's,
# say) are left alone: the test compares against them at its end.
nubes_objects() {
	{ ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
	    grep -E '^n(br|vx|vl|qr|qg|ds)-'
	  ip netns list | awk '{ print $1 }' | grep -E '^n(rt|dh)-'
	} | sort
}
nubes_objects > "$T/foreign"
# What this cloud makes here carries its mark (cloud-net-sync(1)).
mark="nubes:$(realpath "$CLOUD_STATE_DIR")"
ip netns add "$out" &&
    ip link add "${ext}a" type veth peer name "${ext}b" &&
    ip link set "${ext}b" netns "$out" &&
    ip -n "$out" addr add 198.51.100.1/24 dev "${ext}b" &&
    ip -n "$out" link set "${ext}b" up &&
    ip link add "${vx}a" type veth peer name "${vx}b" &&
    ip link set "${vx}a" up || {
	echo "Bail out! cannot make the outside namespace"
	exit 1
}
cloud-host-add -q host1 --uri qemu:///system
cloud-image-add -q tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
cloud-net-create -q --type flat --physical-net public --external public
cloud-subnet-create -q --net public --cidr 198.51.100.0/24 \
    --gateway 198.51.100.1 --pool 198.51.100.10-198.51.100.50 --no-dhcp pub
cloud-net-create -q n1
cloud-subnet-create -q --net n1 --cidr 10.81.1.0/24 s1
cloud-net-create -q n2
cloud-subnet-create -q --net n2 --cidr 10.81.2.0/24 --no-dhcp s2
br1=$(cloud-net-show n1 -f value -c bridge)
br2=$(cloud-net-show n2 -f value -c bridge)
brp=$(cloud-net-show public -f value -c bridge)
s1=$(cloud-subnet-show s1 -f value -c id)

# --- the model: refusals leave everything as it was ------------------
dbdump > "$T/before"
expect_fail 2 "not external" "a gateway on a network that is not external" \
    cloud-router-create --external-net n1 rx
expect_fail 3 "not found" "a gateway on no network" \
    cloud-router-create --external-net nosuch rx
expect_fail 2 "not external" "a floating IP from a network that is not" \
    cloud-fip-create n1
expect_fail 2 "usage" "cloud-router-set with nothing to set" \
    cloud-router-set rx
expect_fail 2 "outside the allocation pools" \
    "a floating IP is never the external subnet's gateway" \
    cloud-fip-create --address 198.51.100.1 public
unchanged_since "$T/before" "  ... nothing recorded"
check "no bridge before anything needs one" \
    test ! -e "/sys/class/net/$br1" -a ! -e "/sys/class/net/$brp"

expect 0 "a router with a gateway on the external network" \
    cloud-router-create --external-net public -f value -c gateway_ip \
    -c namespace r1
rns=$(sed -n 2p "$T/out")
check "  ... its gateway address is the pool's first" \
    test "$(sed -n 1p "$T/out")" = 198.51.100.10
check "  ... its namespace is made" test -e "/run/netns/$rns"
check "  ... it and the external bridge marked as this cloud's" sh -c "
    grep -qxF '$mark' /sys/class/net/$brp/ifalias &&
    ip -n $rns -o link show dev lo | grep -qF 'alias $mark'"
check "  ... with the external network's bridge and its uplink" \
    test "$(cat /sys/class/net/${ext}a/master/uevent 2>/dev/null |
    sed -n 's/^INTERFACE=//p')" = "$brp"
expect 0 "s1 joins the router" cloud-router-add-subnet r1 s1
expect 0 "s2 joins the router" cloud-router-add-subnet r1 s2
expect_fail 5 "on router 'r1' already" "s1 cannot join twice" \
    cloud-router-add-subnet r1 s1
run cloud-router-show r1 -f value -c subnets
out_is "s1=10.81.1.1 s2=10.81.2.1" "  ... the router holds both gateways"
# A leg holds its subnet's gateway address, so its traffic: never the
# outside's, nor, but by a cloud admin, another project's.
mtok=$(make_user mem1 proj1 member)
cloud-net-create -q --shared shn
cloud-subnet-create -q --net shn --cidr 10.81.9.0/24 --no-dhcp shs
as "$mtok" cloud-router-create -q mr
dbdump > "$T/before"
expect_fail 2 "is on external network 'public'" \
    "the external subnet is no router's leg" cloud-router-add-subnet r1 pub
expect_fail 4 "subnet 'shs' is another project's" \
    "a member does not join another project's shared subnet to a router" \
    as "$mtok" cloud-router-add-subnet mr shs
expect_fail 4 "forbidden" "a member does not choose a floating IP's address" \
    as "$mtok" cloud-fip-create --address 198.51.100.20 public
unchanged_since "$T/before" "  ... nothing recorded"
as "$mtok" cloud-router-delete -q mr
cloud-net-delete -q shn
check "  ... in its namespace" sh -c "ip -n $rns -4 -o addr |
    grep -q ' 10.81.1.1/24 ' && ip -n $rns -4 -o addr | grep -q ' 10.81.2.1/24 '"
check "  ... with SNAT of both to the gateway address" sh -c "
    ip netns exec $rns nft list table ip nubes |
    grep -q 'ip saddr 10.81.2.0/24 snat to 198.51.100.10'"
expect_fail 5 "is on routers: r1" "a network on a router is not deleted" \
    cloud-net-delete n1
expect_fail 5 "is on router r1" "nor its subnet" cloud-subnet-delete s1
rleg=$(cloud-port-list --net n1 -f value -c id)
expect_fail 5 "a router's leg" "nor the router's port" \
    cloud-port-delete "$rleg"
expect_fail 5 "has subnets: s1, s2" "nor the router" cloud-router-delete r1

# --- in parallel: eight subnets join, get floating IPs, leave --------
for i in 1 2 3 4 5 6 7 8; do
	cloud-net-create -q "pn$i"
	cloud-subnet-create -q --net "pn$i" --cidr "10.82.$i.0/24" --no-dhcp \
	    "ps$i"
	cloud-port-create -q --net "pn$i" "pp$i"
done
# parallel CMD...: CMD with I set to 1..8 at once; the exit codes in $T/rc.
parallel() {
	: > "$T/rc"
	for I in 1 2 3 4 5 6 7 8; do
		( eval "$*" > /dev/null 2>&1; echo $? >> "$T/rc" ) &
	done
	wait
	sort -u "$T/rc" | tr '\n' ' '
}
check "eight subnets join r1 at once, all of them" \
    test "$(parallel 'cloud-router-add-subnet r1 ps$I')" = "0 "
check "  ... each with its leg and gateway in the namespace" \
    test "$(ip -n "$rns" -4 -o addr | grep -c ' 10\.82\.[1-8]\.1/24 ')" = 8
check "eight floating IPs made and bound at once" test "$(parallel \
    'cloud-fip-create -q --address 198.51.100.2$I public &&
    cloud-fip-associate 198.51.100.2$I pp$I')" = "0 "
check "  ... with eight 1:1 NAT rules, none lost" test "$(ip netns exec \
    "$rns" nft list table ip nubes | grep -c 'dnat to 10\.82\.')" = 8
check "all unbound and deleted at once" \
    test "$(parallel 'cloud-fip-delete 198.51.100.2$I')" = "0 "
check "the subnets leave at once" \
    test "$(parallel 'cloud-router-remove-subnet r1 ps$I')" = "0 "
check "  ... and no leg nor rule of theirs is left" sh -c "
    ! ip -n $rns -4 -o addr | grep -q ' 10\.82\.' &&
    ! ip netns exec $rns nft list table ip nubes | grep -q '10\.82\.'"
pbr=
for i in 1 2 3 4 5 6 7 8; do
	pbr="$pbr $(cloud-net-show "pn$i" -f value -c bridge)"
	cloud-port-delete -q "pp$i"
	cloud-net-delete -q "pn$i"
done
gone=0
for b in $pbr; do
	[ -e "/sys/class/net/$b" ] || gone=$((gone + 1))
done
check "  ... nor their bridges" test "$gone" = 8

# --- guests --------------------------------------------------------
console_has() {
	cloud-server-console "$1" 2>/dev/null | grep -q -- "$2"
}
reaches() {
	ip netns exec "$out" ping -c 1 -W 1 "$1" >/dev/null 2>&1
}
unreachable() {
	! reaches "$1" && ! reaches "$1" && ! reaches "$1"
}
cat > "$T/uda" <<'EOF'
#!/bin/sh
# Ping b across the router, then the outside host through SNAT.
for peer in 10.81.2.10 198.51.100.1; do
	i=0
	while [ $i -lt 90 ]; do
		if ping -c 1 -W 1 $peer >/dev/null 2>&1; then
			echo "NUBES-PING $peer ok"
			break
		fi
		i=$((i + 1))
	done
	[ $i -lt 90 ] || echo "NUBES-PING $peer failed"
done
EOF
# The outside host may ping what has a floating IP.
cloud-secgroup-rule-add -q default --direction ingress --protocol icmp \
    --remote-ip 198.51.100.0/24
cloud-port-create -q --net n2 --fixed-ip 10.81.2.10 pb
# dnsmasq reads its files as nobody: an admin's umask must not matter.
umask 077
a=$(cloud-boot --flavor m1.tiny --image tiny --net n1 --user-data-stdin \
    -f value -c id a < "$T/uda")
echo "$a" >> "$T/domains"
b=$(cloud-boot --flavor m1.tiny --image tiny --port pb -f value -c id b)
echo "$b" >> "$T/domains"
check "both servers run" test -n "$a" -a -n "$b"
aip=$(cloud-port-list --net n1 -f value -c fixed_ips -c device_id |
    awk -v a="$a" '$2 == a { print $1 }')
check "a's port has its address from IPAM" test -n "$aip"
run cloud-server-list --name a -f value -c addresses
out_is "n1=$aip" "  ... listed among the server's addresses"
dns=ndh-$(echo "$s1" | cut -c1-8)$(echo "$s1" | cut -c10-12)
check "s1's DHCP server runs in its namespace" test -e "/run/netns/$dns"
check "  ... as a dnsmasq serving a's MAC and address" sh -c "
    grep -q ',$aip\$' /run/nubes/dhcp/$s1/hosts &&
    pgrep -f -- '[-]-pid-file=/run/nubes/dhcp/$s1/pid' >/dev/null"
check "a has that address by DHCP" \
    wait_for 180 console_has a "NUBES-NET eth0 $aip/24"
check "b has its own from its config drive" \
    wait_for 180 console_has b "NUBES-NET eth0 10.81.2.10/24"
check "a pings b across the router" \
    wait_for 180 console_has a "NUBES-PING 10.81.2.10 ok"
check "a reaches the outside host, which has no route back but SNAT" \
    wait_for 120 console_has a "NUBES-PING 198.51.100.1 ok"

# --- floating IPs ----------------------------------------------------
cloud-net-create -q n3
cloud-subnet-create -q --net n3 --cidr 10.81.3.0/24 s3
cloud-port-create -q --net n3 p3
expect 0 "a floating IP" cloud-fip-create public -f value -c address \
    -c status
out_is "198.51.100.11
DOWN" "  ... the next free address, unbound"
expect_fail 5 "no router joins subnet 's3'" \
    "a port no router joins to the external network has no floating IP" \
    cloud-fip-associate 198.51.100.11 p3
check "the outside cannot reach b before" unreachable 198.51.100.11
expect 0 "the floating IP is bound to b" cloud-fip-associate 198.51.100.11 b
run cloud-fip-list -f value -c address -c fixed_ip -c server -c router \
    -c status
out_is "198.51.100.11	10.81.2.10	$b	r1	ACTIVE" "  ... listed so"
run cloud-server-show b -f value -c addresses
out_is "n2=10.81.2.10, 198.51.100.11" "  ... and among b's addresses"
check "the outside host pings b through it" wait_for 30 reaches 198.51.100.11
qg=$(ip -n "$rns" -o link | grep -o 'qg-[0-9a-f]*')
expect 0 "setting the gateway the router has changes nothing" \
    cloud-router-set --external-net public r1
check "  ... the same gateway leg" \
    test "$(ip -n "$rns" -o link | grep -o 'qg-[0-9a-f]*')" = "$qg"
check "  ... and b is still reached" wait_for 30 reaches 198.51.100.11
expect_fail 5 "has floating IP 198.51.100.11" "b has one floating IP" \
    sh -c "cloud-fip-create -q public && cloud-fip-associate 198.51.100.12 b"
cloud-fip-delete -q 198.51.100.12
cloud-secgroup-create -q closed
expect 0 "b's port moves to a group with no rules" \
    cloud-port-set --security-group closed pb
check "  ... the outside no longer reaches b, with no restart" \
    wait_for 30 unreachable 198.51.100.11
expect 0 "back to the default group" cloud-port-set --security-group default pb
check "  ... and the outside reaches b again" wait_for 30 reaches 198.51.100.11
expect_fail 5 "free ports only" "port security stays as b was booted with" \
    cloud-port-set --no-port-security pb
expect_fail 5 "floating IPs associated" \
    "s2 does not leave the router while b's floating IP uses it" \
    cloud-router-remove-subnet r1 s2

# A reboot empties the kernel: here, the router's namespace alone.
ip netns del "$rns"
check "the router's namespace is gone" test ! -e "/run/netns/$rns"
expect 0 "cloud-net-sync applies everything again" cloud-net-sync \
    -f value -c object -c result
check "  ... reporting the router and the DHCP server applied" sh -c "
    grep -qx 'router	applied' '$T/out' && grep -qx 'dhcp	applied' '$T/out'"
check "  ... b answers through its floating IP again" \
    wait_for 30 reaches 198.51.100.11
expect 0 "a second cloud-net-sync changes nothing and fails nothing" \
    cloud-net-sync -q

expect 0 "disassociate" cloud-fip-disassociate 198.51.100.11
check "  ... the outside no longer reaches b" wait_for 10 unreachable \
    198.51.100.11
check "  ... no NAT for it is left" sh -c "
    ! ip netns exec $rns nft list table ip nubes | grep -q 198.51.100.11 &&
    ! ip -n $rns -4 -o addr | grep -q 198.51.100.11"
cloud-fip-associate -q 198.51.100.11 b
expect 0 "bound again, then b is deleted" cloud-server-delete b
run cloud-fip-list -f value -c address -c fixed_ip -c status
out_is "198.51.100.11	10.81.2.10	ACTIVE" \
    "  ... the floating IP stays with b's port, which b was given"
expect 0 "the port is deleted" cloud-port-delete pb
run cloud-fip-list -f value -c address -c fixed_ip -c status
out_is "198.51.100.11		DOWN" "  ... the floating IP stays, unbound"
check "  ... and its NAT is gone" sh -c "
    ip netns exec $rns nft list table ip nubes >/dev/null &&
    ! ip netns exec $rns nft list table ip nubes | grep -q 198.51.100.11"

# --- a VXLAN network's uplink ----------------------------------------
cloud-net-create -q --type vxlan --segment 4242 vxn
cloud-subnet-create -q --net vxn --cidr 10.81.4.0/24 --no-dhcp vxs
brv=$(cloud-net-show vxn -f value -c bridge)
vxdev=nvx-$(echo "$brv" | cut -c5-)
expect 0 "a vxlan subnet joins the router" cloud-router-add-subnet r1 vxs
check "  ... its bridge has a VXLAN device with its VNI over the tunnel \
device" sh -c "ip -d link show $vxdev | grep -q 'vxlan id 4242 .*dev ${vx}a' &&
    test \"\$(basename \$(readlink /sys/class/net/$vxdev/master))\" = $brv"
cloud-router-remove-subnet r1 vxs
check "  ... both go with it" test ! -e "/sys/class/net/$vxdev" -a \
    ! -e "/sys/class/net/$brv"

# --- a VLAN network's uplink ----------------------------------------
# Where the kernel has 802.1Q: a VLAN device with the segment's id on the
# physical interface, in the bridge.  Where it has not (this CI machine's
# kernel has no CONFIG_VLAN_8021Q), the join fails saying so.
cloud-net-create -q --type vlan --physical-net trunk --segment 42 vln
cloud-subnet-create -q --net vln --cidr 10.81.5.0/24 --no-dhcp vls
brl=$(cloud-net-show vln -f value -c bridge)
vldev=nvl-$(echo "$brl" | cut -c5-)
if ip link add link "${vx}a" name "${cl}q" type vlan id 4094 2>/dev/null
then
	ip link del "${cl}q"
	expect 0 "a vlan subnet joins the router" cloud-router-add-subnet r1 vls
	check "  ... its bridge has a VLAN device with the segment's id on \
the physical interface" sh -c "
	    ip -d -o link show $vldev |
	    grep -q '$vldev@${vx}a:.*vlan protocol 802.1Q id 42' &&
	    test \"\$(basename \$(readlink /sys/class/net/$vldev/master))\" = $brl"
	cloud-router-remove-subnet r1 vls
	check "  ... both go with it" test ! -e "/sys/class/net/$vldev" -a \
	    ! -e "/sys/class/net/$brl"
else
	expect_fail 1 "VLAN device $vldev \\(id 42 on ${vx}a\\): .* no 802.1Q" \
	    "a vlan subnet's join fails where the kernel has no 802.1Q" \
	    cloud-router-add-subnet r1 vls
	cloud-router-remove-subnet r1 vls
	check "  ... and taken off again, leaves no VLAN device or bridge" \
	    test ! -e "/sys/class/net/$vldev" -a ! -e "/sys/class/net/$brl"
fi
cloud-net-delete -q vln

# --- an address given again ------------------------------------------
# a held a lease on its address: once a is gone, a new port given that
# address gets it by DHCP (dnsmasq keeps leases in memory, past SIGHUP).
# The client is a namespace on n1's bridge with the new port's MAC.
cloud-server-delete -q a
cloud-port-create -q --net n1 --fixed-ip "$aip" pa2
ip netns add "$cl" &&
    ip link add "${cl}a" type veth peer name "${cl}b" &&
    ip link set "${cl}b" netns "$cl" &&
    ip -n "$cl" link set "${cl}b" address \
    "$(cloud-port-show pa2 -f value -c mac)" &&
    ip -n "$cl" link set "${cl}b" up &&
    ip link set "${cl}a" master "$br1" up
check "a's address, given to a new port, is leased to it by DHCP" sh -c "
    ip netns exec $cl busybox udhcpc -i ${cl}b -n -q -t 5 -T 1 \
    -s /bin/true 2>&1 | grep -q 'lease of $aip obtained'"
ip netns del "$cl"
# A DHCP server that died (killed here, by its pid) is started again by
# the next change of the subnet's ports.
kill -9 "$(cat "/run/nubes/dhcp/$s1/pid")"
check "s1's dnsmasq is gone" wait_for 10 sh -c "
    ! pgrep -f -- '[-]-pid-file=/run/nubes/dhcp/$s1/pid' >/dev/null"
cloud-port-delete -q pa2
check "  ... and back after the next port change" sh -c "
    pgrep -f -- '[-]-pid-file=/run/nubes/dhcp/$s1/pid' >/dev/null"

# --- removal leaves nothing ----------------------------------------
cloud-port-delete -q p3
cloud-fip-delete -q 198.51.100.11
cloud-router-remove-subnet r1 s1
expect_fail 2 "outside the allocation pools" \
    "s1's gateway address goes back to no pool" \
    cloud-port-create --net n1 --fixed-ip 10.81.1.1 x
cloud-router-remove-subnet r1 s2
expect 0 "the router, without subnets, is deleted" cloud-router-delete r1
cloud-secgroup-delete -q closed
for n in vxn n3 n2 n1; do
	cloud-net-delete -q "$n" || echo "# cannot delete $n"
done
check "no router or DHCP namespace is left" \
    test ! -e "/run/netns/$rns" -a ! -e "/run/netns/$dns"
check "no dnsmasq is left, nor its files" sh -c "
    ! pgrep -f -- '[-]-pid-file=/run/nubes/dhcp/$s1/pid' >/dev/null &&
    test ! -e /run/nubes/dhcp/$s1"
check "no bridge is left" test ! -e "/sys/class/net/$br1" -a \
    ! -e "/sys/class/net/$br2" -a ! -e "/sys/class/net/$brp"
nubes_objects > "$T/after"
check "no veth leg, or anything else, is left" cmp -s "$T/foreign" "$T/after"
check "the physical interface is free again" \
    test ! -e "/sys/class/net/${ext}a/master"
# What a database lost track of (a restore, say): --prune removes it.
# What a database lost track of (a restore, say): --prune removes what
# carries this cloud's mark, reports what has none, and leaves another
# cloud's (its mark names its state directory) alone.
ip netns add nrt-0bad0bad0ba &&
    ip -n nrt-0bad0bad0ba link set lo alias "$mark" &&
    ip link add nbr-0bad0bad0ba type bridge &&
    ip link set nbr-0bad0bad0ba alias "$mark" &&
    ip link add nbr-0bad0bad0bb type bridge &&
    ip link add nbr-0bad0bad0bc type bridge &&
    ip link set nbr-0bad0bad0bc alias "nubes:/var/lib/another"
expect 0 "cloud-net-sync --prune" cloud-net-sync --prune -f value
check "  ... removes what no row names and carries this cloud's mark, \
and reports what has no mark" sh -c "test \"\$(grep 0bad '$T/out' | sort)\" = \
'bridge	nbr-0bad0bad0ba	removed
bridge	nbr-0bad0bad0bb	left: no nubes mark
namespace	nrt-0bad0bad0ba	removed'"
check "  ... from the kernel" test ! -e /run/netns/nrt-0bad0bad0ba -a \
    ! -e /sys/class/net/nbr-0bad0bad0ba
check "  ... and leaves the unmarked and the other cloud's" test -e \
    /sys/class/net/nbr-0bad0bad0bb -a -e /sys/class/net/nbr-0bad0bad0bc
ip link del nbr-0bad0bad0bb
ip link del nbr-0bad0bad0bc
done_testing
