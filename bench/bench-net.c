/*
 * bench-net: what a port costs in the database, what a network's bridge
 * costs on a host, and whether IPAM stays flat over 10,000 allocations
 * on one subnet.  Not a test: it prints numbers and asserts nothing.
 *
 *   bench/bench-net BINDIR POLICY [ALLOCATIONS]
 *
 * All of it happens in a scratch cloud with one local network and one
 * /16 subnet (10.200.0.0/16), the admin project's port quota raised to
 * 20,000 with cloud-quota-set.
 *
 * First, the database part of a port, end to end: cloud-port-create
 * --net, each run to completion (the process, authentication, the
 * BEGIN IMMEDIATE transaction with IPAM, the MAC and the port's rows,
 * the port shown), RUNS times, alternating with two baselines in the
 * same run: cloud-net-show of the network (a process that
 * authenticates and reads) and cloud-port-create --fixed-ip with an
 * address that does not parse (the same program's cheapest failing
 * path: it authenticates, begins the transaction, checks the policy,
 * and rolls back with exit 2, recording nothing).  The difference is
 * the port's own database work.
 *
 * Second, the dataplane part as it exists: a network's bridge made on
 * this host through libvirt (virt_net_ensure: an isolated libvirt
 * network, defined, started and autostarted), made again while it
 * exists (what every later server on that network pays there), and
 * removed (virt_net_remove), beside the kernel's own bridge made and
 * removed with ip(8) when running as root.  The bridge is
 * nbr-benchPID, removed at exit.  Without a libvirt daemon on
 * qemu:///system that part says "skipped".
 *
 * Then a security-group rule: its database part end to end, as the
 * port's (cloud-secgroup-rule-add beside cloud-secgroup-show and a
 * refused rule-add with a bad protocol); and its dataplane part, what
 * a rule change costs each bound port of the group on its host: the
 * port's traffic filter, as netvirt.c writes it with 10 rules,
 * redefined through libvirt (nubes-bench-PID, undefined at exit; no
 * guest uses it, so libvirt only stores and checks it: with running
 * guests it also rewrites their rules, see tests/8002).
 *
 * Then a router, as root: cloud-router-add-subnet and
 * cloud-router-remove-subnet end to end (the transaction, then the
 * router's namespace given or relieved of a veth leg, its address and
 * its nft table), beside cloud-router-show and, as the kernel's
 * baseline, the same leg made and removed with ip -batch.
 *
 * Third, IPAM at scale: ALLOCATIONS (default 10,000) ports made in this
 * process, each its own transaction as port_create() makes it
 * (db_begin, policy_check, port_create_tx, event_record, db_commit),
 * each timed; the rate, the median of the first and of the last 100,
 * and the median of each tenth.  Beside it, the same write transaction
 * with the event row only, at the start and at the end, and the port
 * quota's count alone.  Then the first part's processes again, now
 * with the subnet that much fuller.
 *
 * The scratch directory goes at exit, also after a failure or a
 * SIGINT/SIGTERM (the step in progress finishes first), and so does the
 * bridge.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "net.h"
#include "virt.h"
#include "bench.h"

#define URI		"qemu:///system"
#define NET		"bench-net"
#define SUBNET		"bench-sub"
#define CIDR		"10.200.0.0/16"
#define RUNS		100	/* processes of each kind, start and end */
#define DP_RUNS		7	/* bridges made and removed */
#define EDGE		100	/* allocations at each end compared */
#define TX_RUNS		100	/* baseline transactions at each end */
#define MAX_ALLOC	60000	/* a /16 has 65,533 free addresses */
#define NEUTRON_MS	400	/* Neutron's port create, the anchor */
#define TARGET_MS	10	/* the database part's target */

/* What cleanup() must undo; set as it is made. */
static struct nb	*nb;
static struct virt	*v;
static char		*dir, *errfile;
static char		 bridge[16], filter[40], ns[16];
static int		 router_made;	/* bench-r's namespace to remove */
static int		 ip_bridge;	/* ip(8) may have left the bridge */

static void
ip_bridge_remove(int quiet)
{
	char	*argv[] = { "ip", "link", "del", bridge, NULL };

	if (quiet)
		(void)run_redirect(argv, "/dev/null", NULL, "/dev/null", NULL);
	else if (run(argv, NULL) != 0)
		errx(1, "ip link del %s failed", bridge);
}

/* At exit, whatever happened: the bridge, then the scratch cloud. */
static void
cleanup(void)
{
	if (v != NULL) {
		if (virt_net_remove(v, bridge) == -1)
			warnx("removing network '%s': %s", bridge,
			    nb_errstr(nb));
		virt_close(v);
		v = NULL;
	}
	if (ip_bridge) {
		ip_bridge_remove(1);
		ip_bridge = 0;
	}
	if (router_made && nb != NULL) {
		char	*id = db_text(nb, "SELECT id FROM routers WHERE name ="
			    " 'bench-r'", NULL);

		char	*br = db_text(nb, "SELECT bridge FROM networks WHERE"
			    " name = ?1", "s", NET);

		if (id != NULL)
			(void)router_unapply(nb, id);
		if (br != NULL)
			(void)dp_bridge_remove(nb, br, "local", NULL);
		free(id);
		free(br);
		router_made = 0;
	}
	if (*ns != '\0') {
		char	*la[] = { "ip", "link", "del", NULL, NULL };
		char	*na[] = { "ip", "netns", "del", ns, NULL };
		char	 leg[24];

		snprintf(leg, sizeof(leg), "%sa", ns);
		la[3] = leg;
		(void)run_redirect(la, "/dev/null", NULL, "/dev/null", NULL);
		(void)run_redirect(na, "/dev/null", NULL, "/dev/null", NULL);
		*ns = '\0';
	}
	if (nb != NULL)
		db_rollback(nb);
	nb_close(nb);
	nb = NULL;
	if (dir != NULL) {
		scratch_remove(dir);
		dir = NULL;
	}
}

/*
 * Milliseconds of one run of argv, which must exit with want; its
 * stderr into errfile, for the message when it does not.
 */
static double
timed(char *const argv[], int want)
{
	double	 t0 = now();
	int	 rc;

	rc = run_redirect(argv, "/dev/null", NULL, errfile, NULL);
	t0 = (now() - t0) * 1e3;
	check_interrupted();
	if (rc != want)
		errx(1, "%s exited %d, not %d: %s", argv[0], rc, want,
		    read_first_line(errfile));
	return t0;
}

/* Medians in ms of the three programs, RUNS times each, alternating. */
struct e2e {
	double	 show, refused, create;
};

static struct e2e
end_to_end(void)
{
	struct e2e	 m;
	char		*show = prog("cloud-net-show");
	char		*create = prog("cloud-port-create");
	char		*sa[] = { show, NET, NULL };
	char		*ra[] = { create, "-q", "--net", NET, "--fixed-ip",
			    "not-an-address", NULL };
	char		*ca[] = { create, "-q", "--net", NET, NULL };
	double		 ts[RUNS], tr[RUNS], tc[RUNS];
	int		 i;

	/* One of each untimed: the page cache holds the programs. */
	(void)timed(sa, 0);
	(void)timed(ra, NB_EUSAGE);
	(void)timed(ca, 0);
	/* Rotating the order, so a change in load touches all alike. */
	for (i = 0; i < RUNS; i++) {
		switch (i % 3) {
		case 0:
			ts[i] = timed(sa, 0);
			tr[i] = timed(ra, NB_EUSAGE);
			tc[i] = timed(ca, 0);
			break;
		case 1:
			tr[i] = timed(ra, NB_EUSAGE);
			tc[i] = timed(ca, 0);
			ts[i] = timed(sa, 0);
			break;
		default:
			tc[i] = timed(ca, 0);
			ts[i] = timed(sa, 0);
			tr[i] = timed(ra, NB_EUSAGE);
			break;
		}
	}
	m.show = median(ts, RUNS);
	m.refused = median(tr, RUNS);
	m.create = median(tc, RUNS);
	free(show);
	free(create);
	return m;
}

/* The median of n values from t, which it leaves in their order. */
static double
median_of(const double *t, int n)
{
	double	*c, m;

	c = xcalloc((size_t)n, sizeof(*c));
	memcpy(c, t, (size_t)n * sizeof(*c));
	m = median(c, n);
	free(c);
	return m;
}

/* Dies with the library's message. */
static void
nb_die(const char *what)
{
	char	 msg[sizeof(nb->errbuf)];

	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	db_rollback(nb);
	errx(1, "%s: %s", what, msg);
}

/* One port made as port_create() makes it, in ms. */
static double
allocate(const struct port_spec *spec)
{
	char	 id[NB_UUID_LEN + 1];
	double	 t0 = now();

	if (db_begin(nb) == -1 ||
	    policy_check(nb, "port:create", nb->ctx.project_id, NULL) == -1 ||
	    port_create_tx(nb, spec, id) == -1 ||
	    event_record(nb, "port:create", "port", id, id, 1, NULL) == -1 ||
	    db_commit(nb) == -1)
		nb_die("port_create_tx");
	return (now() - t0) * 1e3;
}

/*
 * The baseline of allocate(): the same write transaction with the
 * event row only, median of TX_RUNS in ms.
 */
static double
event_tx(void)
{
	double	 t[TX_RUNS], t0;
	int	 i;

	for (i = 0; i < TX_RUNS; i++) {
		t0 = now();
		if (db_begin(nb) == -1 ||
		    policy_check(nb, "port:create", nb->ctx.project_id,
		    NULL) == -1 ||
		    event_record(nb, "port:create", "port", NULL, "bench", 1,
		    "baseline") == -1 || db_commit(nb) == -1)
			nb_die("baseline transaction");
		t[i] = (now() - t0) * 1e3;
	}
	return median(t, TX_RUNS);
}

/* The port quota's check alone, median of TX_RUNS in ms. */
static double
quota_alone(void)
{
	double	 t[TX_RUNS], t0;
	int	 i;

	for (i = 0; i < TX_RUNS; i++) {
		t0 = now();
		if (db_begin(nb) == -1 || quota_check(nb, nb->ctx.project_id,
		    "ports", 1) == -1)
			nb_die("quota_check");
		t[i] = (now() - t0) * 1e3;
		db_rollback(nb);
	}
	return median(t, TX_RUNS);
}

/* Free addresses and free ranges of the subnet, now. */
static void
subnet_free(long long *addresses, long long *ranges)
{
	*addresses = db_int(nb, -1, "SELECT sum(r.last - r.first + 1) FROM"
	    " ip_ranges r JOIN subnets s ON s.id = r.subnet_id WHERE"
	    " s.name = ?1", "s", SUBNET);
	*ranges = db_int(nb, -1, "SELECT count(*) FROM ip_ranges r JOIN"
	    " subnets s ON s.id = r.subnet_id WHERE s.name = ?1", "s",
	    SUBNET);
	if (nb->errcode != 0)
		nb_die("subnet");
}

/*
 * The dataplane part: DP_RUNS times a bridge made, made again and
 * removed through libvirt, and as root the kernel's bridge made and
 * removed with ip(8), alternating; or a line saying why not.
 */
static void
dataplane(void)
{
	double	 t_new[DP_RUNS], t_again[DP_RUNS], t_remove[DP_RUNS];
	double	 t_ipadd[DP_RUNS], t_ipdel[DP_RUNS], t0;
	char	*input, *ba[] = { "ip", "-batch", "-", NULL };
	char	*va[] = { "ip", "-V", NULL };
	int	 i, has_ip;

	if ((v = virt_open(nb, URI)) == NULL) {
		printf("dataplane: skipped: no libvirt daemon answers on %s: "
		    "%s\n", URI, nb_errstr(nb));
		nb_clearerr(nb);
		return;
	}
	has_ip = geteuid() == 0 && run(va, NULL) == 0;
	xasprintf(&input, "link add name %s type bridge stp_state 0 "
	    "forward_delay 0\nlink set %s up\n", bridge, bridge);
	/* Once untimed: libvirt's network driver loaded, ip(8) cached. */
	if (virt_net_ensure(v, bridge, 1500) == -1 ||
	    virt_net_remove(v, bridge) == -1)
		nb_die("bridge");
	for (i = 0; i < DP_RUNS; i++) {
		check_interrupted();
		t0 = now();
		if (virt_net_ensure(v, bridge, 1500) == -1)
			nb_die("virt_net_ensure");
		t_new[i] = (now() - t0) * 1e3;
		t0 = now();
		if (virt_net_ensure(v, bridge, 1500) == -1)
			nb_die("virt_net_ensure");
		t_again[i] = (now() - t0) * 1e3;
		t0 = now();
		if (virt_net_remove(v, bridge) == -1)
			nb_die("virt_net_remove");
		t_remove[i] = (now() - t0) * 1e3;
		if (!has_ip)
			continue;
		check_interrupted();
		ip_bridge = 1;
		t0 = now();
		if (run(ba, input) != 0)
			errx(1, "ip link add %s failed", bridge);
		t_ipadd[i] = (now() - t0) * 1e3;
		t0 = now();
		ip_bridge_remove(0);
		t_ipdel[i] = (now() - t0) * 1e3;
		ip_bridge = 0;
	}
	virt_close(v);
	v = NULL;
	free(input);

	printf("dataplane: a network's bridge on this host (%s, %s), "
	    "median of %d, ms\n", URI, bridge, DP_RUNS);
	printf("  %-62s %7.1f\n", "virt_net_ensure, new: defined, started, "
	    "autostarted", median(t_new, DP_RUNS));
	printf("  %-62s %7.1f\n", "virt_net_ensure, existing: the next "
	    "server on it", median(t_again, DP_RUNS));
	printf("  %-62s %7.1f\n", "virt_net_remove", median(t_remove,
	    DP_RUNS));
	if (has_ip) {
		printf("  %-62s %7.1f\n", "baseline: ip -batch: link add type "
		    "bridge, link set up", median(t_ipadd, DP_RUNS));
		printf("  %-62s %7.1f\n", "baseline: ip link del",
		    median(t_ipdel, DP_RUNS));
	} else
		printf("  baseline: skipped: ip(8) needs root\n");
}

/* A port's filter as netvirt.c writes it, with nrules tcp rules. */
static char *
filter_xml(int nrules)
{
	struct buf	 b;
	int		 i;

	buf_init(&b);
	buf_printf(&b, "<filter name='%s' chain='root'>\n  <filterref "
	    "filter='clean-traffic'>\n    <parameter name='IP' "
	    "value='10.200.0.2'/>\n  </filterref>\n  <rule action='accept' "
	    "direction='inout' priority='100'>\n    <all state='ESTABLISHED,"
	    "RELATED'/>\n  </rule>\n", filter);
	for (i = 0; i < nrules; i++)
		buf_printf(&b, "  <rule action='accept' direction='in' "
		    "priority='500'>\n    <tcp state='NEW' srcipaddr='10.9.%d.0'"
		    " srcipmask='24' dstportstart='%d' dstportend='%d'/>\n"
		    "  </rule>\n", i, 8000 + i, 8000 + i);
	buf_puts(&b, "  <rule action='drop' direction='inout' priority='1000'>"
	    "\n    <all/>\n  </rule>\n</filter>\n");
	return buf_release(&b);
}

/* A security-group rule: its database part, then its filter's cost. */
static void
secgroup_rules(void)
{
	char	*add = prog("cloud-secgroup-rule-add");
	char	*show = prog("cloud-secgroup-show");
	char	*mk = prog("cloud-secgroup-create");
	char	*ma[] = { mk, "-q", "bench-sg", NULL };
	char	*sa[] = { show, "-q", "bench-sg", NULL };
	char	*ra[] = { add, "-q", "bench-sg", "--direction", "ingress",
		    "--protocol", "nonsense", NULL };
	char	*aa[] = { add, "-q", "bench-sg", "--direction", "ingress",
		    "--protocol", "tcp", "--port", "22", NULL };
	char	*ha[] = { show, "--help", NULL };
	char	*la[] = { add, "--help", NULL };
	double	 ts[RUNS], tr[RUNS], ta[RUNS], td[DP_RUNS], t0;
	double	 th[RUNS], tl[RUNS];
	char	*xml;
	int	 i;

	(void)timed(ma, 0);
	(void)timed(sa, 0);
	(void)timed(ra, NB_EUSAGE);
	for (i = 0; i < RUNS; i++) {
		ts[i] = timed(sa, 0);
		tr[i] = timed(ra, NB_EUSAGE);
		ta[i] = timed(aa, 0);
		th[i] = timed(ha, 0);
		tl[i] = timed(la, 0);
	}
	printf("security-group rule create, database part (no bound port: no "
	    "filter to\n  redefine), median of %d runs each, alternating, "
	    "ms\n", RUNS);
	printf("  %-62s %7.1f\n", "baseline: cloud-secgroup-show",
	    median(ts, RUNS));
	printf("  %-62s %7.1f\n", "baseline: cloud-secgroup-rule-add, bad "
	    "protocol (refused)", median(tr, RUNS));
	printf("  %-62s %7.1f\n", "cloud-secgroup-rule-add", median(ta,
	    RUNS));
	printf("  %-62s %7.1f\n", "baseline: cloud-secgroup-show --help "
	    "(a process)", median(th, RUNS));
	printf("  %-62s %7.1f\n", "baseline: cloud-secgroup-rule-add --help "
	    "(one with libvirt)", median(tl, RUNS));
	printf("  the rule's own work: %.1f ms over the refused add; over "
	    "cloud-secgroup-show,\n  %.1f ms, of which %.1f ms is loading "
	    "libvirt (target <= %d ms;\n  Neutron: ~250 ms a rule)\n",
	    median(ta, RUNS) - median(tr, RUNS), median(ta, RUNS) -
	    median(ts, RUNS), median(tl, RUNS) - median(th, RUNS), TARGET_MS);
	free(add);
	free(show);
	free(mk);
	if ((v = virt_open(nb, URI)) == NULL) {
		printf("  dataplane: skipped: no libvirt daemon answers on %s\n",
		    URI);
		nb_clearerr(nb);
		return;
	}
	xml = filter_xml(10);
	for (i = 0; i < DP_RUNS + 1; i++) {
		check_interrupted();
		t0 = now();
		if (virt_nwfilter_define(v, filter, xml) == -1)
			nb_die("virt_nwfilter_define");
		if (i > 0)
			td[i - 1] = (now() - t0) * 1e3;
	}
	free(xml);
	printf("  dataplane, each bound port of the group, on its host: its "
	    "filter (10 rules)\n  redefined through libvirt, no guest on it, "
	    "median of %d, ms %9.1f\n", DP_RUNS, median(td, DP_RUNS));
	virt_nwfilter_undefine(v, filter);
	virt_close(v);
	v = NULL;
}

/* A router's leg: end to end, beside the kernel's own veth leg. */
static void
router_legs(void)
{
	char	*rc = prog("cloud-router-create");
	char	*rs = prog("cloud-router-show");
	char	*ra = prog("cloud-router-add-subnet");
	char	*rr = prog("cloud-router-remove-subnet");
	char	*ca[] = { rc, "-q", "bench-r", NULL };
	char	*sa[] = { rs, "-q", "bench-r", NULL };
	char	*aa[] = { ra, "bench-r", SUBNET, NULL };
	char	*da[] = { rr, "bench-r", SUBNET, NULL };
	char	*ba[] = { "ip", "-batch", "-", NULL };
	char	*na[] = { "ip", "-n", ns, "-batch", "-", NULL };
	char	*input, *inner, *undo;
	double	 ts[DP_RUNS], tadd[DP_RUNS], tdel[DP_RUNS];
	double	 tip[DP_RUNS], tipd[DP_RUNS], t0;
	int	 i;

	if (geteuid() != 0) {
		printf("router: skipped: namespaces need root\n");
		return;
	}
	router_made = 1;
	(void)timed(ca, 0);
	snprintf(ns, sizeof(ns), "nbt-bench%ld", (long)getpid() % 100000);
	xasprintf(&input, "netns add %s\nlink add %sa type veth peer name "
	    "%sb netns %s\nlink set %sa up\n", ns, ns, ns, ns, ns);
	xasprintf(&inner, "link set %sb up\naddr add 10.201.0.1/24 dev %sb\n",
	    ns, ns);
	xasprintf(&undo, "link del %sa\nnetns del %s\n", ns, ns);
	for (i = 0; i < DP_RUNS; i++) {
		check_interrupted();
		ts[i] = timed(sa, 0);
		tadd[i] = timed(aa, 0);
		tdel[i] = timed(da, 0);
		t0 = now();
		if (run(ba, input) != 0 || run(na, inner) != 0)
			errx(1, "ip -batch: a leg in %s failed", ns);
		tip[i] = (now() - t0) * 1e3;
		t0 = now();
		if (run(ba, undo) != 0)
			errx(1, "ip -batch: removing %s failed", ns);
		tipd[i] = (now() - t0) * 1e3;
	}
	printf("router: a subnet joined to a router and taken off, end to "
	    "end, median of %d, ms\n", DP_RUNS);
	printf("  %-62s %7.1f\n", "baseline: cloud-router-show", median(ts,
	    DP_RUNS));
	printf("  %-62s %7.1f\n", "cloud-router-add-subnet (port, leg, "
	    "address, nft table)", median(tadd, DP_RUNS));
	printf("  %-62s %7.1f\n", "cloud-router-remove-subnet",
	    median(tdel, DP_RUNS));
	printf("  %-62s %7.1f\n", "baseline: ip -batch: netns, veth leg, "
	    "address", median(tip, DP_RUNS));
	printf("  %-62s %7.1f\n", "baseline: ip -batch: leg and netns "
	    "removed", median(tipd, DP_RUNS));
	free(input);
	free(inner);
	free(undo);
	free(rc);
	free(rs);
	free(ra);
	free(rr);
}

int
main(int argc, char *argv[])
{
	struct port_spec	 spec;
	struct e2e		 start, end;
	const char		*errstr;
	char			*errs;
	double			*t, first, last, block[10], total, t0;
	double			 tx_start, tx_end, q_start, q_end;
	long long		 free0, ranges0, free1, ranges1;
	int			 n = 10000, code, i, k;

	if (argc != 3 && argc != 4)
		errx(2, "usage: bench-net BINDIR POLICY [ALLOCATIONS]");
	bench_bindir = argv[1];
	if (argc == 4 && ((n = strtonum(argv[3], 2 * EDGE, MAX_ALLOC,
	    &errstr)), errstr != NULL))
		errx(2, "ALLOCATIONS %s (%d to %d)", errstr, 2 * EDGE,
		    MAX_ALLOC);
	snprintf(bridge, sizeof(bridge), "nbr-bench%ld",
	    (long)getpid() % 100000);
	snprintf(filter, sizeof(filter), "nubes-bench-%ld", (long)getpid());

	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	bench_catch_signals();
	scratch_token(dir);
	xasprintf(&errfile, "%s/stderr", dir);
	{
		char	*quo = prog("cloud-quota-set");
		char	*net = prog("cloud-net-create");
		char	*sub = prog("cloud-subnet-create");
		char	*qa[] = { quo, "--ports", "20000",
			    "--security-group-rules", "1000", "admin", NULL };
		char	*na[] = { net, "-q", NET, NULL };
		char	*sa[] = { sub, "-q", "--net", NET, "--cidr", CIDR,
			    SUBNET, NULL };

		(void)timed(qa, 0);
		(void)timed(na, 0);
		(void)timed(sa, 0);
		free(quo);
		free(net);
		free(sub);
	}
	if ((nb = nb_open("bench-net", NB_AUTH, &errs, &code)) == NULL)
		errx(1, "%s", errs);

	/* 1. The database part of a port, end to end. */
	start = end_to_end();
	printf("bench-net: a scratch cloud under /tmp ([database] synchronous "
	    "= %s), one\n  local network, subnet %s; programs run to "
	    "completion, median of\n  %d runs each, alternating, ms\n",
	    conf_get(nb->conf, "database", "synchronous", "full"), CIDR, RUNS);
	printf("port create, database part:\n");
	printf("  %-62s %7.1f\n", "baseline: cloud-net-show (authenticates, "
	    "reads)", start.show);
	printf("  %-62s %7.1f\n", "baseline: cloud-port-create --fixed-ip "
	    "bad (BEGIN, rollback)", start.refused);
	printf("  %-62s %7.1f\n", "cloud-port-create --net", start.create);
	printf("  the port's own work: %.1f ms over cloud-net-show, %.1f ms "
	    "over the\n  failing create (target <= %d ms; Neutron: ~%d ms a "
	    "port)\n", start.create - start.show, start.create -
	    start.refused, TARGET_MS, NEUTRON_MS);
	fflush(stdout);
	check_interrupted();

	/* 2. The dataplane part; a rule's; a router's. */
	dataplane();
	fflush(stdout);
	secgroup_rules();
	fflush(stdout);
	router_legs();
	fflush(stdout);
	check_interrupted();

	/* 3. IPAM at scale, in this process. */
	memset(&spec, 0, sizeof(spec));
	spec.net = NET;
	t = xcalloc((size_t)n, sizeof(*t));
	subnet_free(&free0, &ranges0);
	tx_start = event_tx();
	q_start = quota_alone();
	t0 = now();
	for (i = 0; i < n; i++) {
		t[i] = allocate(&spec);
		check_interrupted();
	}
	total = now() - t0;
	tx_end = event_tx();
	q_end = quota_alone();
	subnet_free(&free1, &ranges1);
	for (k = 0; k < 10; k++)
		block[k] = median_of(t + (size_t)n * k / 10, n / 10);
	first = median_of(t, EDGE);
	last = median_of(t + n - EDGE, EDGE);

	printf("IPAM at scale: %d ports made in this process on subnet %s,\n"
	    "  each its own transaction as port_create() makes it "
	    "(db_begin, policy_check,\n  port_create_tx, event_record, "
	    "db_commit)\n", n, CIDR);
	printf("  free addresses %lld in %lld range(s) before, %lld in %lld "
	    "after\n", free0, ranges0, free1, ranges1);
	printf("  %-62s %7.0f /s (%.1f s)\n", "rate", n / total, total);
	printf("  %-62s %7.2f\n", "allocation, median of the first 100, ms",
	    first);
	printf("  %-62s %7.2f\n", "allocation, median of the last 100, ms",
	    last);
	printf("  %-62s %7.2f\n", "last / first", last / first);
	printf("  median of each tenth, ms:");
	for (k = 0; k < 10; k++)
		printf(" %.2f", block[k]);
	printf("\n");
	printf("  baseline: the same transaction with the event row only, "
	    "ms:\n  %-62s %7.2f\n  %-62s %7.2f\n", "  at the start", tx_start,
	    "  at the end", tx_end);
	printf("  the port quota's count alone (inside BEGIN IMMEDIATE), "
	    "ms:\n  %-62s %7.3f\n  %-62s %7.3f\n", "  at the start", q_start,
	    "  at the end", q_end);
	fflush(stdout);
	check_interrupted();

	end = end_to_end();
	printf("  end to end, %d runs each, alternating, ms: %12s %9s\n", RUNS,
	    "start", "end");
	printf("  %-46s %9.1f %9.1f\n", "baseline: cloud-net-show", start.show,
	    end.show);
	printf("  %-46s %9.1f %9.1f\n", "baseline: cloud-port-create "
	    "--fixed-ip bad", start.refused, end.refused);
	printf("  %-46s %9.1f %9.1f\n", "cloud-port-create --net",
	    start.create, end.create);
	printf("  %-46s %9.1f %9.1f\n", "  minus cloud-net-show", start.create -
	    start.show, end.create - end.show);

	free(t);
	free(errfile);
	return 0;	/* cleanup() runs at exit */
}
