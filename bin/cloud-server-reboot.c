/*
 * cloud-server-reboot: reboot servers: the guest is asked to, or with
 * --hard reset as by the button.
 */
#include "config.h"

#include <string.h>

#include "prog.h"
#include "server.h"

static const char	*action = "reboot";

static int
act(struct nb *nb, const char *server)
{
	return server_action(nb, server, action);
}

int
main(int argc, char *argv[])
{
	int	 i;

	/* --hard is this program's own; the rest is operands_main's. */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--hard") == 0) {
			action = "hard-reboot";
			memmove(&argv[i], &argv[i + 1],
			    (size_t)(argc - i) * sizeof(*argv));
			argc--;
			break;
		}
	return operands_main(argc, argv, "[--hard] SERVER... | -", "server",
	    act);
}
