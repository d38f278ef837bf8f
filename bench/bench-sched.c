/*
 * bench-sched: the scheduler's speed over 1,000, 10,000 and 100,000
 * hosts.  A SIMULATION: the hosts are synthetic records made in memory
 * (varied capacity, ratios and usage, a few disabled or full), not a
 * cloud.  It times sched_select() alone, the median of 5 runs, without
 * and with the explanation, beside a baseline measured in the same run:
 * a plain loop summing free RAM over the same hosts.  The issue's
 * targets (5 / 20 / 200 ms) are for the whole scheduling including
 * loading the rows from the database; that load is measured elsewhere,
 * so these numbers are the in-memory part only.  Not a test: it prints
 * numbers and asserts nothing.
 *
 *   bench/bench-sched
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "scheduler.h"

#define RUNS	5

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* A small deterministic generator, so every run sees the same cloud. */
static unsigned long long	 rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned int
rnd(unsigned int n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned int)(rng_state % n);
}

static struct sched_host *
make_hosts(size_t n, char ***strs)
{
	static const long long	 vcpus[] = { 16, 32, 48, 64, 96, 128 };
	static const long long	 ram[] = { 65536, 131072, 262144, 524288 };
	static const long long	 disk[] = { 500, 1000, 2000, 4000 };
	static const char *const zones[] = { "az1", "az2", "az3" };
	struct sched_host	*h = xcalloc(n, sizeof(*h));
	char			**s = xcalloc(2 * n, sizeof(*s));
	size_t			 i;

	for (i = 0; i < n; i++) {
		xasprintf(&s[2 * i], "%08zx-0000-4000-8000-%012zx", i, i);
		xasprintf(&s[2 * i + 1], "compute%06zu", i);
		h[i].id = s[2 * i];
		h[i].name = s[2 * i + 1];
		h[i].zone = zones[rnd(3)];
		h[i].enabled = rnd(100) != 0;
		h[i].disabled_reason = h[i].enabled ? NULL : "maintenance";
		h[i].cpu_ratio = rnd(2) ? 4.0 : 16.0;
		h[i].ram_ratio = rnd(4) ? 1.0 : 1.5;
		h[i].disk_ratio = 1.0;
		h[i].reserved_ram_mib = 512;
		h[i].vcpus = vcpus[rnd(6)];
		h[i].ram_mib = ram[rnd(4)];
		h[i].disk_gb = disk[rnd(4)];
		/* Used: 0 to 110% of capacity, so some hosts are full. */
		h[i].vcpus_used = h[i].vcpus * h[i].cpu_ratio * rnd(111) / 100;
		h[i].ram_used_mib = h[i].ram_mib * rnd(111) / 100;
		h[i].disk_used_gb = h[i].disk_gb * rnd(111) / 100;
		h[i].servers = rnd(200);
		h[i].arch = "x86_64";
		h[i].hypervisor_type = "QEMU";
		h[i].group_members = rnd(10) == 0;
	}
	*strs = s;
	return h;
}

/* The baseline: the least any scheduler must do, touch every host. */
static double
sum_free_ram(const struct sched_host *h, size_t n)
{
	double	 sum = 0.0;
	size_t	 i;

	for (i = 0; i < n; i++)
		sum += (h[i].ram_mib - h[i].reserved_ram_mib) *
		    h[i].ram_ratio - h[i].ram_used_mib;
	return sum;
}

int
main(void)
{
	static const size_t	 sizes[] = { 1000, 10000, 100000 };
	static const double	 targets[] = { 5, 20, 200 };
	struct sched_host	*h;
	struct sched_request	 req;
	struct sched_result	 res;
	struct sched_weights	 w;
	char			**strs;
	double			 t_sel[RUNS], t_exp[RUNS], t_base[RUNS], t0;
	volatile double		 sink = 0.0;
	size_t			 k, i, n, explain_len = 0, nrejected = 0;
	int			 r, chosen = -1;

	printf("bench-sched: SIMULATION over synthetic hosts made in memory;\n"
	    "sched_select() only, median of %d runs.  The targets are for "
	    "the whole\nscheduling including the database load, which is "
	    "measured elsewhere.\n\n", RUNS);
	printf("%8s %10s %11s %11s %12s %10s %9s  %s\n", "hosts",
	    "select ms", "explain ms", "explain MiB", "baseline ms",
	    "target ms", "rejected", "chosen");

	sched_weights_default(&w);
	memset(&req, 0, sizeof(req));
	req.vcpus = 4;
	req.ram_mib = 8192;
	req.disk_gb = 80;
	req.group_policy = "soft-anti-affinity";
	req.group_size = 12;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		n = sizes[k];
		h = make_hosts(n, &strs);
		for (r = 0; r < RUNS; r++) {
			t0 = now();
			sink += sum_free_ram(h, n);
			t_base[r] = (now() - t0) * 1e3;

			req.explain = 0;
			t0 = now();
			if (sched_select(h, n, &req, &w, &res) == -1)
				errx(1, "no host among %zu", n);
			t_sel[r] = (now() - t0) * 1e3;
			chosen = res.chosen;
			for (nrejected = 0, i = 0; res.reasons[i] != '\0'; i++)
				nrejected += res.reasons[i] == '\n';
			sched_result_free(&res);

			req.explain = 1;
			t0 = now();
			if (sched_select(h, n, &req, &w, &res) == -1)
				errx(1, "no host among %zu", n);
			t_exp[r] = (now() - t0) * 1e3;
			explain_len = strlen(res.explain);
			sched_result_free(&res);
		}
		printf("%8zu %10.2f %11.2f %11.1f %12.3f %10.0f %9zu  %s\n", n,
		    median(t_sel, RUNS), median(t_exp, RUNS),
		    explain_len / 1048576.0, median(t_base, RUNS), targets[k],
		    nrejected, h[chosen].name);
		for (i = 0; i < 2 * n; i++)
			free(strs[i]);
		free(strs);
		free(h);
	}
	(void)sink;
	return 0;
}
