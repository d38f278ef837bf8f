/*
 * server.h: servers (Nova's instances): the records, the claim that
 * schedules them, and the work on their hosts (boot.c).
 */
#ifndef NUBES_SERVER_H
#define NUBES_SERVER_H

#include "nubes.h"
#include "resource.h"

extern const struct resource	 res_server;

struct boot_spec {
	const char	*name;
	const char	*flavor, *image, *key_name;	/* names or ids */
	const char	*user_data;			/* NULL: none */
	const char	*zone, *host;			/* NULL: any */
	int		 explain;	/* fill *explain with the scheduler's */
	int		 wait;		/* until the domain runs */
};

/*
 * Boot a server: check flavor, image, key and quota, schedule it and
 * claim its host in one write transaction, then make its disks, config
 * drive and domain on the host, and record it active.  When no host
 * fits, the server is recorded in error with the scheduler's reasons as
 * its fault, and the error is NB_ENOHOST.  *explain (when asked for)
 * gets the scheduler's explanation, to free.  Returns the server as
 * shown, or NULL.
 */
struct table	*server_boot(struct nb *, const struct boot_spec *,
		    char **explain);
/*
 * A lifecycle action: "start", "stop" (ACPI, then the power cord after
 * a minute), "reboot", "hard-reboot", "pause", "unpause", "suspend"
 * (managed save) or "resume".  A server in a state the action does not
 * start from, or busy with other work, is NB_ECONFLICT naming its state.
 */
int		 server_action(struct nb *, const char *server,
		    const char *action);
/*
 * Lock or unlock a server: locked, it refuses every action and delete
 * but from cloud admins (server_check_unlocked(), inside the action's
 * transaction).
 */
int		 server_lock(struct nb *, const char *server, int lock);
int		 server_check_unlocked(struct nb *, const char *id,
		    const char *server);
/* Destroy the server's domain, remove its disks, forget it. */
int		 server_delete(struct nb *, const char *server);
/*
 * cloud-reconcile's part for servers, host by host: work whose process
 * died or is overdue is completed when libvirt shows it done, else
 * undone and the server put in error; servers whose domain vanished go
 * to error, those libvirt shows powered off to stopped; domains of ours
 * no server owns are reported, and removed with fix.  A row a repair
 * is added to t.  Returns -1 when a host could not be reached (the
 * others are still done).
 */
int		 server_reconcile(struct nb *, int dry_run, int fix,
		    struct table *t);
struct server_filter {
	const char	*status, *host, *name;
	int		 all_projects;
};
struct table	*server_list(struct nb *, const struct server_filter *);
/*
 * The server's serial console log (the last lines lines, 0: all), read
 * on this machine; NULL with the error set.
 */
char		*server_console(struct nb *, const char *server, long lines);
struct table	*server_events(struct nb *, const char *server);
/* Where a server's serial console is logged on this machine; to free. */
char		*server_console_path(struct nb *, const char *id);

#endif
