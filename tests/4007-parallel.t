#!/bin/sh
# Parallel boots on a real libvirt host: claims are taken in the
# transaction that chooses the host, so a host that fits exactly N
# servers takes exactly N of N+3 boots run at once, and the other 3 exit
# 6 saying why; a project's quota holds exactly under parallel boots too.
. "${top_srcdir:-.}/tests/lib.sh"
use_libvirt
guests_exclusive
bootstrap_cloud
alice=$(make_user alice demo member)
# vCPUs decide: 2 CPUs (or however many) times a ratio that makes 3.
cpus=$(virsh -c qemu:///system nodeinfo | awk '/^CPU\(s\)/ { print $2 }')
ratio=$(echo "$cpus" | awk '{ printf "%.6f", 3 / $1 }')
cloud-host-add -q local --uri qemu:///system --cpu-ratio "$ratio"
cloud-image-add -q --public tiny --disk-format raw < "$NUBES_TEST_CACHE/disk.img"
cloud-flavor-create -q m1.tiny --vcpus 1 --ram 128 --disk 1
db=$CLOUD_STATE_DIR/nubes.db
check "the host offers exactly 3 vCPUs" \
    test "$(cloud-host-show local -f value -c vcpus_free)" = 3

# boot_all N PREFIX: N parallel boots as alice; their exit statuses and
# stderr in $T/PREFIX-I.rc and .err.
boot_all() {
	i=1
	while [ "$i" -le "$1" ]; do
		(
			CLOUD_TOKEN=$alice cloud-boot --no-wait --flavor m1.tiny \
			    --image tiny -f value -c id "$2-$i" \
			    > "$T/$2-$i.out" 2> "$T/$2-$i.err"
			echo $? > "$T/$2-$i.rc"
		) &
		i=$((i + 1))
	done
	wait
	cat "$T/$2"-*.out >> "$T/domains"
}
count_rc() {
	cat "$T/$1"-*.rc | grep -cx "$2"
}

# Quota: 2 instances for the project, 5 boots at once.
cloud-quota-set demo --instances 2
boot_all 5 q
check "exactly 2 of 5 parallel boots pass a quota of 2 instances" \
    test "$(count_rc q 0)" = 2
check "  ... the other 3 exit 5" test "$(count_rc q 5)" = 3
check "  ... saying the quota is exceeded" \
    test "$(cat "$T"/q-*.err | grep -c 'quota exceeded for instances')" = 3
check "  ... the project has 2 servers" \
    test "$(as "$alice" cloud-server-list -f value -c id | wc -l)" = 2
as "$alice" cloud-server-list -f value -c id | as "$alice" cloud-server-delete
cloud-quota-set demo --instances 10

# Placement: the host fits 3; 6 boots at once.
boot_all 6 p
check "exactly 3 of 6 parallel boots are placed on a host that fits 3" \
    test "$(count_rc p 0)" = 3
check "  ... the other 3 exit 6" test "$(count_rc p 6)" = 3
check "  ... each saying why: no vCPU left on the host" \
    test "$(cat "$T"/p-*.err | grep -c 'local: vcpus: need 1, free 0')" = 3
run as "$alice" cloud-server-list -f value -c status
check "  ... 3 ACTIVE" test "$(grep -cx ACTIVE "$T/out")" = 3
check "  ... 3 ERROR with the reason as their fault" \
    test "$(sqlite3 "$db" "SELECT count(*) FROM servers WHERE vm_state =
    'error' AND fault LIKE 'local: vcpus: need 1, free 0%'")" = 3
check "  ... the host is never overcommitted" \
    test "$(cloud-host-show local -f value -c vcpus_used -c vcpus_free -c servers | tr '\n' ' ')" = "3 0 3 "
running=0
for s in $(sqlite3 "$db" "SELECT id FROM servers"); do
	[ "$(virsh -c qemu:///system domstate "nubes-$s" 2>/dev/null |
	    head -n 1)" = running ] && running=$((running + 1))
done
check "  ... libvirt runs exactly 3 of their domains" test "$running" = 3
as "$alice" cloud-server-list -f value -c id | as "$alice" cloud-server-delete
check "after deleting them, the host is free again" \
    test "$(cloud-host-show local -f value -c vcpus_free -c servers | tr '\n' ' ')" = "3 0 "
done_testing
