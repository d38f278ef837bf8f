/*
 * cloud-snapshot-delete: delete snapshots, from their pool and the records.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SNAPSHOT... | -", "snapshot",
	    snapshot_delete);
}
