/*
 * cloud-server-events: what was done to a server, by whom, when, and
 * with what result, as Nova's instance actions.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]... SERVER", OPERAND_REQUIRED, 1, NULL,
		server_events
	};

	return simple_main(argc, argv, &sp);
}
