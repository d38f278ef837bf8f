/*
 * flavoropt.c: parsing the options cloud-flavor-create and
 * cloud-flavor-set share into a flavor_spec.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "flavoropt.h"

void
flavoropt_init(struct flavoropt *o)
{
	memset(o, 0, sizeof(*o));
	o->spec.vcpus = o->spec.ram_mib = o->spec.disk_gb = -1;
	o->spec.ephemeral_gb = o->spec.swap_mib = -1;
	o->spec.is_public = -1;
	o->spec.props = o->props;
	o->spec.access_add = o->add;
	o->spec.access_remove = o->remove;
}

static void
full(size_t n)
{
	if (n == FLAVOROPT_MAX) {
		warnx("at most %d of each repeated option", FLAVOROPT_MAX);
		exit(NB_EUSAGE);
	}
}

int
flavoropt_option(struct flavoropt *o, int ch, char *arg)
{
	struct nb	 nb;

	switch (ch) {
	case 0x400:
	case 0x401:
		if (o->spec.is_public != -1 && o->spec.is_public != (ch == 0x400)) {
			warnx("--public and --private: choose one");
			exit(NB_EUSAGE);
		}
		o->spec.is_public = ch == 0x400;
		return 1;
	case 0x402:
		o->spec.description = arg;
		return 1;
	case 0x403:
		full(o->spec.nprops);
		memset(&nb, 0, sizeof(nb));
		if (flavor_spec_parse(&nb, arg,
		    &o->props[o->spec.nprops++]) == -1) {
			warnx("%s", nb_errstr(&nb));
			exit(NB_EUSAGE);
		}
		return 1;
	case 0x404:
		full(o->spec.naccess_add);
		o->add[o->spec.naccess_add++] = arg;
		return 1;
	default:
		return 0;
	}
}

void
flavoropt_remove_property(struct flavoropt *o, const char *key)
{
	full(o->spec.nprops);
	o->props[o->spec.nprops].key = key;
	o->props[o->spec.nprops++].value = NULL;
}

void
flavoropt_remove_project(struct flavoropt *o, const char *project)
{
	full(o->spec.naccess_remove);
	o->remove[o->spec.naccess_remove++] = project;
}
