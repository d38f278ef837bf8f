/*
 * cloud-volume-delete: delete volumes, from their pool and the records.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "VOLUME... | -", "volume",
	    volume_delete);
}
