/*
 * t-sched: the scheduler (lib/sched.c) over synthetic hosts: every
 * filter passing and failing with its exact reason, the weighers'
 * choice under default and changed multipliers, server group policies
 * hard and soft, ties, no hosts, an exact fit, and the explanation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "scheduler.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A host with 8 vCPUs, 8192 MiB free (512 reserved), 100 GB, all free. */
static struct sched_host
mkhost(const char *id, const char *name)
{
	struct sched_host	 h;

	memset(&h, 0, sizeof(h));
	h.id = id;
	h.name = name;
	h.zone = "nova";
	h.enabled = 1;
	h.cpu_ratio = h.ram_ratio = h.disk_ratio = 1.0;
	h.reserved_ram_mib = 512;
	h.vcpus = 8;
	h.ram_mib = 8192 + 512;
	h.disk_gb = 100;
	h.arch = "x86_64";
	h.hypervisor_type = "QEMU";
	return h;
}

/* 2 vCPUs, 2048 MiB, 20 GB, nothing else asked. */
static struct sched_request
mkreq(void)
{
	struct sched_request	 r;

	memset(&r, 0, sizeof(r));
	r.vcpus = 2;
	r.ram_mib = 2048;
	r.disk_gb = 20;
	return r;
}

static struct sched_result	 res;

/* Run the scheduler into res (freed first); the chosen host's name. */
static const char *
pick(const struct sched_host *h, size_t n, const struct sched_request *r,
    const struct sched_weights *w)
{
	sched_result_free(&res);
	if (sched_select(h, n, r, w, &res) == -1)
		return "(none)";
	if (res.chosen < 0 || (size_t)res.chosen >= n)
		return "(bad index)";
	return h[res.chosen].name;
}

/* Whether s holds every one of the NULL-terminated words. */
static int
has_all(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (s == NULL || strstr(s, *words) == NULL)
			return 0;
	return 1;
}

static void
test_no_hosts(void)
{
	struct sched_request	 r = mkreq();
	int			 rc;

	r.explain = 1;
	sched_result_free(&res);
	rc = sched_select(NULL, 0, &r, NULL, &res);
	ok(rc == -1 && res.chosen == -1, "no hosts: none chosen");
	is_str(res.reasons, "no hosts\n", "no hosts: the reason says so");
	ok(res.explain != NULL && strstr(res.explain, "no hosts\n") &&
	    strstr(res.explain, "chosen: none\n"),
	    "no hosts: the explanation says so");
}

static void
test_enabled(void)
{
	struct sched_host	 h[2] = { mkhost("1", "h1"),
	    mkhost("2", "h2") };
	struct sched_request	 r = mkreq();

	h[0].enabled = 0;
	h[0].disabled_reason = "maintenance";
	is_str(pick(h, 2, &r, NULL), "h2", "enabled: the disabled host is "
	    "skipped");
	is_str(res.reasons, "h1: enabled: host disabled: maintenance\n",
	    "enabled: reason carries the admin's reason");
	h[1].enabled = 0;
	is_str(pick(h, 2, &r, NULL), "(none)", "enabled: all disabled, none");
	is_str(res.reasons, "h1: enabled: host disabled: maintenance\n"
	    "h2: enabled: host disabled\n",
	    "enabled: one line per host, no reason given");
}

static void
test_zone(void)
{
	struct sched_host	 h[2] = { mkhost("1", "h1"),
	    mkhost("2", "h2") };
	struct sched_request	 r = mkreq();

	h[0].zone = "az2";
	h[1].zone = "az1";
	h[1].ram_used_mib = 4096;	/* less RAM: only the zone picks it */
	r.zone = "az1";
	is_str(pick(h, 2, &r, NULL), "h2", "zone: the host in az1");
	is_str(res.reasons, "h1: zone: host in az2, requested az1\n",
	    "zone: reason names both zones");
	r.zone = NULL;
	is_str(pick(h, 2, &r, NULL), "h1", "zone: none asked, any zone");
}

static void
test_force_host(void)
{
	struct sched_host	 h[3] = { mkhost("id-1", "h1"),
	    mkhost("id-2", "h2"), mkhost("id-3", "h3") };
	struct sched_request	 r = mkreq();

	h[1].ram_used_mib = 6000;
	r.force_host = "h2";
	is_str(pick(h, 3, &r, NULL), "h2", "force_host: by name");
	is_str(res.reasons, "h1: host: requested h2\nh3: host: requested h2\n",
	    "force_host: others rejected by name");
	r.force_host = "id-3";
	is_str(pick(h, 3, &r, NULL), "h3", "force_host: by id");
	r.force_host = "h2";
	h[1].ram_used_mib = 8000;
	is_str(pick(h, 3, &r, NULL), "(none)",
	    "force_host: still filtered for RAM");
	ok(strstr(res.reasons, "h2: ram: need 2048 MiB, free 192 MiB") !=
	    NULL, "force_host: the forced host's own reason");
}

static void
test_same_different_host(void)
{
	struct sched_host	 h[3] = { mkhost("id-1", "h1"),
	    mkhost("id-2", "h2"), mkhost("id-3", "h3") };
	struct sched_request	 r = mkreq();
	const char		*same[] = { "id-2", "id-3" };
	const char		*avoid[] = { "id-1" };

	h[2].ram_used_mib = 1024;
	r.same_host = same;
	r.nsame_host = NELEM(same);
	is_str(pick(h, 3, &r, NULL), "h2", "same_host: best among the hint");
	is_str(res.reasons, "h1: same_host: host not among the 2 hinted\n",
	    "same_host: reason");
	r.nsame_host = 0;
	r.different_host = avoid;
	r.ndifferent_host = NELEM(avoid);
	is_str(pick(h, 3, &r, NULL), "h2", "different_host: avoided h1");
	is_str(res.reasons, "h1: different_host: host among the 1 to avoid\n",
	    "different_host: reason");
}

static void
test_image_properties(void)
{
	struct sched_host	 h[2] = { mkhost("1", "h1"),
	    mkhost("2", "h2") };
	struct sched_request	 r = mkreq();

	h[1].arch = "aarch64";
	h[1].hypervisor_type = "Xen";
	r.image_arch = "aarch64";
	is_str(pick(h, 2, &r, NULL), "h2", "arch: the aarch64 host");
	is_str(res.reasons, "h1: arch: image needs aarch64, host x86_64\n",
	    "arch: reason");
	r.image_arch = "amd64";
	is_str(pick(h, 2, &r, NULL), "h1", "arch: amd64 is x86_64");
	r.image_arch = "arm64";
	is_str(pick(h, 2, &r, NULL), "h2", "arch: arm64 is aarch64");
	h[0].arch = NULL;
	r.image_arch = "x86_64";
	is_str(pick(h, 2, &r, NULL), "(none)", "arch: unknown host arch fails");
	ok(strstr(res.reasons, "h1: arch: image needs x86_64, host unknown\n")
	    != NULL, "arch: reason for an unknown arch");
	h[0].arch = "x86_64";
	r.image_arch = NULL;

	r.image_hypervisor_type = "kvm";
	is_str(pick(h, 2, &r, NULL), "h1", "hypervisor_type: kvm on QEMU");
	is_str(res.reasons, "h2: hypervisor_type: image needs kvm, host Xen\n",
	    "hypervisor_type: reason");
	r.image_hypervisor_type = "qemu";
	is_str(pick(h, 2, &r, NULL), "h1", "hypervisor_type: qemu on QEMU");
	r.image_hypervisor_type = "xen";
	is_str(pick(h, 2, &r, NULL), "h2",
	    "hypervisor_type: case-insensitive xen on Xen");
	h[1].hypervisor_type = "kvm";
	r.image_hypervisor_type = "QEMU";
	h[0].ram_used_mib = 4096;
	is_str(pick(h, 2, &r, NULL), "h2", "hypervisor_type: QEMU on a kvm "
	    "host");
}

static void
test_ram(void)
{
	struct sched_host	 h[1] = { mkhost("1", "host1") };
	struct sched_request	 r = mkreq();

	h[0].ram_mib = 2048;
	h[0].reserved_ram_mib = 512;
	is_str(pick(h, 1, &r, NULL), "(none)", "ram: 1536 free, 2048 needed");
	is_str(res.reasons,
	    "host1: ram: need 2048 MiB, free 1536 MiB (ratio 1.0, reserved "
	    "512)\n", "ram: reason with ratio and reserved");
	h[0].ram_mib = 2048 + 512;
	is_str(pick(h, 1, &r, NULL), "host1", "ram: free == need fits");
	h[0].ram_used_mib = 1;
	is_str(pick(h, 1, &r, NULL), "(none)", "ram: one MiB short");
	h[0].ram_ratio = 1.5;
	h[0].ram_mib = 1024 + 512;	/* 1024 * 1.5 = 1536 */
	h[0].ram_used_mib = 0;
	r.ram_mib = 1537;
	is_str(pick(h, 1, &r, NULL), "(none)", "ram: overcommitted, short");
	is_str(res.reasons,
	    "host1: ram: need 1537 MiB, free 1536 MiB (ratio 1.5, reserved "
	    "512)\n", "ram: the ratio applies after reserved");
	h[0].ram_ratio = 0.29;
	h[0].ram_mib = 100 + 512;
	r.ram_mib = 29;
	is_str(pick(h, 1, &r, NULL), "host1",
	    "ram: 100 * 0.29 is 29, not 28.99");
}

static void
test_vcpus_disk(void)
{
	struct sched_host	 h[1] = { mkhost("1", "host1") };
	struct sched_request	 r = mkreq();

	h[0].vcpus = 1;
	h[0].cpu_ratio = 4.0;
	h[0].vcpus_used = 3;
	is_str(pick(h, 1, &r, NULL), "(none)", "vcpus: 1 free, 2 needed");
	is_str(res.reasons, "host1: vcpus: need 2, free 1 (ratio 4.0)\n",
	    "vcpus: reason");
	h[0].vcpus_used = 2;
	is_str(pick(h, 1, &r, NULL), "host1", "vcpus: free == need fits");

	h[0].disk_gb = 10;
	is_str(pick(h, 1, &r, NULL), "(none)", "disk: 10 free, 20 needed");
	is_str(res.reasons, "host1: disk: need 20 GB, free 10 GB (ratio 1.0)\n",
	    "disk: reason");
	h[0].disk_gb = 30;
	h[0].disk_used_gb = 10;
	is_str(pick(h, 1, &r, NULL), "host1", "disk: free == need fits");
	h[0].disk_used_gb = 11;
	is_str(pick(h, 1, &r, NULL), "(none)", "disk: one GB short");

	/* The first failing filter is the reason, though more fail. */
	h[0].enabled = 0;
	h[0].ram_mib = 0;
	is_str(pick(h, 1, &r, NULL), "(none)", "several failures: none");
	is_str(res.reasons, "host1: enabled: host disabled\n",
	    "several failures: the first filter's reason only");
}

static void
test_weighers(void)
{
	struct sched_host	 h[3] = { mkhost("1", "c"), mkhost("2", "b"),
	    mkhost("3", "a") };
	struct sched_request	 r = mkreq();
	struct sched_weights	 w;

	sched_weights_default(&w);
	ok(w.ram == 1.0 && w.cpu == 1.0 && w.disk == 1.0 &&
	    w.servers == 0.0 && w.soft_affinity == 1.0 &&
	    w.soft_anti_affinity == 1.0, "weights: Nova's defaults");

	is_str(pick(h, 3, &r, &w), "a", "weighers: a full tie goes to the "
	    "name that sorts first");
	is_str(res.reasons, "", "weighers: no host rejected, no reasons");
	h[0].ram_used_mib = 1024;
	h[1].ram_used_mib = 0;
	h[2].ram_used_mib = 2048;
	is_str(pick(h, 3, &r, &w), "b", "weighers: most free RAM wins");
	is_str(pick(h, 3, &r, NULL), "b", "weighers: NULL means defaults");
	w.ram = -1.0;
	is_str(pick(h, 3, &r, &w), "a", "weighers: negative ram multiplier "
	    "stacks");

	sched_weights_default(&w);
	w.ram = 0.0;
	h[0].vcpus_used = 0;
	h[1].vcpus_used = 4;
	h[2].vcpus_used = 2;
	is_str(pick(h, 3, &r, &w), "c", "weighers: cpu alone, most free "
	    "vCPUs");
	w.cpu = 0.0;
	h[0].disk_used_gb = 50;
	h[1].disk_used_gb = 10;
	h[2].disk_used_gb = 30;
	is_str(pick(h, 3, &r, &w), "b", "weighers: disk alone, most free "
	    "disk");
	w.disk = 0.0;
	h[0].servers = 5;
	h[1].servers = 1;
	h[2].servers = 3;
	is_str(pick(h, 3, &r, &w), "a", "weighers: servers 0.0 ignores "
	    "servers (tie by name)");
	w.servers = 1.0;
	is_str(pick(h, 3, &r, &w), "c", "weighers: positive servers "
	    "multiplier packs");
	w.servers = -1.0;
	is_str(pick(h, 3, &r, &w), "b", "weighers: negative servers "
	    "multiplier spreads");

	/* Two weighers that disagree: the sum decides. */
	sched_weights_default(&w);
	memset(h, 0, sizeof(h));
	h[0] = mkhost("1", "x");
	h[1] = mkhost("2", "y");
	h[0].ram_used_mib = 0;		/* ram 1.0 */
	h[1].ram_used_mib = 4096;	/* ram 0.0 */
	h[0].vcpus_used = 6;		/* cpu 0.0 */
	h[1].vcpus_used = 0;		/* cpu 1.0 */
	h[0].disk_used_gb = 0;		/* disk 1.0 */
	h[1].disk_used_gb = 50;		/* disk 0.0 */
	is_str(pick(h, 2, &r, &w), "x", "weighers: ram and disk beat cpu");
	w.cpu = 3.0;
	is_str(pick(h, 2, &r, &w), "y", "weighers: a tripled cpu multiplier "
	    "wins");
}

static void
test_groups(void)
{
	struct sched_host	 h[3] = { mkhost("1", "h1"), mkhost("2", "h2"),
	    mkhost("3", "h3") };
	struct sched_request	 r = mkreq();

	h[0].ram_used_mib = 0;
	h[1].ram_used_mib = 2000;
	h[2].ram_used_mib = 200;
	r.group_policy = "affinity";
	r.group_size = 0;
	is_str(pick(h, 3, &r, NULL), "h1", "affinity: the first server goes "
	    "anywhere");
	h[1].group_members = 1;
	r.group_size = 1;
	is_str(pick(h, 3, &r, NULL), "h2", "affinity: then only where the "
	    "group is");
	is_str(res.reasons, "h1: group: affinity: none of the group's 1 "
	    "server here\nh3: group: affinity: none of the group's 1 server "
	    "here\n", "affinity: reasons");
	h[1].ram_used_mib = 8000;
	is_str(pick(h, 3, &r, NULL), "(none)", "affinity: group's host full, "
	    "no host");

	r.group_policy = "anti-affinity";
	h[1].ram_used_mib = 0;
	h[0].group_members = 2;
	r.group_size = 3;
	is_str(pick(h, 3, &r, NULL), "h3", "anti-affinity: only hosts "
	    "without the group");
	is_str(res.reasons, "h1: group: anti-affinity: 2 servers of the "
	    "group here\nh2: group: anti-affinity: 1 server of the group "
	    "here\n", "anti-affinity: reasons");

	/* Soft: weights only.  h3 has a little less RAM than h1. */
	memset(h, 0, sizeof(h));
	h[0] = mkhost("1", "h1");
	h[1] = mkhost("2", "h2");
	h[2] = mkhost("3", "h3");
	h[1].ram_used_mib = 4096;
	h[2].ram_used_mib = 200;
	h[2].group_members = 2;
	r.group_policy = "soft-affinity";
	r.group_size = 2;
	is_str(pick(h, 3, &r, NULL), "h3", "soft-affinity: the group's host "
	    "outweighs a little RAM");
	is_str(res.reasons, "", "soft-affinity: rejects nobody");
	h[0].group_members = 1;
	h[1].group_members = 1;
	h[2].group_members = 0;
	r.group_policy = "soft-anti-affinity";
	is_str(pick(h, 3, &r, NULL), "h3", "soft-anti-affinity: the host "
	    "without the group");
	r.group_policy = "soft-affinity";
	is_str(pick(h, 3, &r, NULL), "h1", "soft-affinity: members and RAM "
	    "agree");

	r.group_policy = "sticky";
	is_str(pick(h, 1, &r, NULL), "(none)", "unknown policy: no host");
	is_str(res.reasons, "h1: group: unknown policy 'sticky'\n",
	    "unknown policy: reason");
}

static void
test_explain(void)
{
	struct sched_host	 h[3] = { mkhost("id-1", "alpha"),
	    mkhost("id-2", "bravo"), mkhost("id-3", "charlie") };
	struct sched_request	 r = mkreq();
	struct sched_weights	 w;
	const char		*request = "request: vcpus 2, ram 2048 MiB, "
	    "disk 20 GB, zone nova, host any, same_host 0, different_host 0, "
	    "arch any, hypervisor_type any, group none\n";
	char			*first;
	const char *const	 every[] = { "alpha", "bravo", "charlie",
	    "enabled:", "zone:", "host:", "same_host:", "different_host:",
	    "arch:", "hypervisor_type:", "ram:", "vcpus:", "disk:", "group:",
	    NULL };

	h[0].ram_used_mib = 4096;
	h[2].zone = "az9";
	h[2].ram_mib = 1024;
	r.zone = "nova";
	r.explain = 0;
	is_str(pick(h, 3, &r, NULL), "bravo", "explain off: chosen");
	ok(res.explain == NULL, "explain off: no explanation");
	is_str(res.reasons, "charlie: zone: host in az9, requested nova\n",
	    "explain off: reasons still given");

	r.explain = 1;
	is_str(pick(h, 3, &r, NULL), "bravo", "explain on: same choice");
	ok(has_all(res.explain, every),
	    "explain: every host and every filter named");
	ok(strncmp(res.explain, request, strlen(request)) == 0,
	    "explain: starts with the request");
	ok(strstr(res.explain, "host alpha (id id-1, zone nova): PASS\n") !=
	    NULL, "explain: a passing host's header");
	ok(strstr(res.explain, "host charlie (id id-3, zone az9): FAIL zone\n")
	    != NULL, "explain: a failing host's header names the first "
	    "failure");
	ok(strstr(res.explain, "  FAIL zone: host in az9, requested nova\n")
	    != NULL && strstr(res.explain, "  FAIL ram: need 2048 MiB, free "
	    "512 MiB (ratio 1.0, reserved 512)\n") != NULL,
	    "explain: a failing host shows every failing filter");
	ok(strstr(res.explain, "  PASS ram: need 2048 MiB, free 8192 MiB "
	    "(ratio 1.0, reserved 512)\n") != NULL,
	    "explain: passing verdicts carry their numbers");
	ok(strstr(res.explain, "  weight: ram 1.00 x 1.0 + cpu 0.00 x 1.0 + "
	    "disk 0.00 x 1.0 + servers 0.00 x 0.0 = 1.00\n") != NULL,
	    "explain: the winner's weight line");
	ok(strstr(res.explain, "  weight: ram 0.00 x 1.0 + cpu 0.00 x 1.0 + "
	    "disk 0.00 x 1.0 + servers 0.00 x 0.0 = 0.00\n") != NULL,
	    "explain: the loser's weight line");
	ok(strstr(res.explain, "weighers: 2 of 3 hosts passed; ram free "
	    "4096..8192 MiB") != NULL, "explain: the weighers' ranges");
	ok(strstr(res.explain, "chosen: bravo (id id-2, weight 1.00)\n") !=
	    NULL, "explain: the chosen host");
	ok(strstr(strstr(res.explain, "host charlie"), "weight:") == NULL,
	    "explain: no weight line for a failing host");

	first = xstrdup(res.explain);
	pick(h, 3, &r, NULL);
	is_str(res.explain, first, "explain: deterministic");
	free(first);

	r.group_policy = "soft-anti-affinity";
	h[0].group_members = 1;
	pick(h, 3, &r, NULL);
	ok(strstr(res.explain, "+ soft-anti-affinity ") != NULL &&
	    strstr(res.explain, "soft-affinity 0") == NULL,
	    "explain: only the policy's soft weigher shown");

	sched_weights_default(&w);
	w.ram = -1.0;
	w.servers = 0.125;
	h[1].ram_ratio = 1.25;
	h[1].cpu_ratio = 16.0;
	h[1].disk_ratio = 0.5;
	pick(h, 3, &r, &w);
	ok(strstr(res.explain, "ram -1.0 x") == NULL &&
	    strstr(res.explain, "x -1.0 + cpu") != NULL &&
	    strstr(res.explain, "servers 0.00 x 0.125 + ") != NULL,
	    "explain: multipliers as written, negative and fractional");
	ok(strstr(res.explain, "(ratio 1.25, reserved 512)") != NULL &&
	    strstr(res.explain, "(ratio 16.0)") != NULL &&
	    strstr(res.explain, "free 50 GB (ratio 0.5)") != NULL,
	    "explain: ratios with the decimals they need");

	r.zone = "nowhere";
	pick(h, 3, &r, NULL);
	ok(strstr(res.explain, "weighers: 0 of 3 hosts passed\n") != NULL &&
	    strstr(res.explain, "chosen: none\n") != NULL,
	    "explain: none passed");
}

static void
test_free(void)
{
	struct sched_result	 r2;

	sched_result_free(NULL);
	memset(&r2, 0, sizeof(r2));
	sched_result_free(&r2);
	sched_result_free(&r2);
	ok(r2.explain == NULL && r2.reasons == NULL && r2.chosen == -1,
	    "sched_result_free: NULL, empty and twice are fine");
}

int
main(void)
{
	test_no_hosts();
	test_enabled();
	test_zone();
	test_force_host();
	test_same_different_host();
	test_image_properties();
	test_ram();
	test_vcpus_disk();
	test_weighers();
	test_groups();
	test_explain();
	test_free();
	sched_result_free(&res);
	return done_testing();
}
