/*
 * imageopt.c: parsing the options cloud-image-add and cloud-image-set
 * share into an image_spec.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "imageopt.h"

void
imageopt_init(struct imageopt *o)
{
	memset(o, 0, sizeof(*o));
	o->spec.min_disk = o->spec.min_ram = -1;
	o->spec.protected = -1;
	o->spec.props = o->props;
}

static struct image_prop *
next_prop(struct imageopt *o)
{
	if (o->spec.nprops == IMAGEOPT_MAXPROPS) {
		warnx("at most %d --property options", IMAGEOPT_MAXPROPS);
		exit(NB_EUSAGE);
	}
	return &o->props[o->spec.nprops++];
}

int
imageopt_option(struct imageopt *o, int ch, char *arg)
{
	static const char *const vis[] = {
		"public", "private", "shared", "community"
	};
	struct nb	 nb;

	switch (ch) {
	case 0x300:
	case 0x301:
	case 0x302:
	case 0x303:
		if (o->spec.visibility != NULL &&
		    strcmp(o->spec.visibility, vis[ch - 0x300]) != 0) {
			warnx("--%s and --%s: choose one visibility",
			    o->spec.visibility, vis[ch - 0x300]);
			exit(NB_EUSAGE);
		}
		o->spec.visibility = vis[ch - 0x300];
		return 1;
	case 0x304:
		o->spec.min_disk = opt_number("min-disk", arg, 0, 1 << 20);
		return 1;
	case 0x305:
		o->spec.min_ram = opt_number("min-ram", arg, 0, 1 << 30);
		return 1;
	case 0x306:
		memset(&nb, 0, sizeof(nb));
		if (image_prop_parse(&nb, arg, next_prop(o)) == -1) {
			warnx("%s", nb_errstr(&nb));
			exit(NB_EUSAGE);
		}
		return 1;
	case 0x307:
		o->spec.kernel = arg;
		return 1;
	case 0x308:
		o->spec.ramdisk = arg;
		return 1;
	case 0x309:
		if (o->spec.protected == 0) {
			warnx("--protected and --unprotected: choose one");
			exit(NB_EUSAGE);
		}
		o->spec.protected = 1;
		return 1;
	default:
		return 0;
	}
}

void
imageopt_remove(struct imageopt *o, const char *key)
{
	struct image_prop	*p = next_prop(o);

	p->key = key;
	p->value = NULL;
}
