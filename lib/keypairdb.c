/*
 * keypairdb.c: key pairs as records: the public half of each user's
 * keys, for the servers they boot.  The crypto is in keypair.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "compute.h"
#include "identity.h"
#include "keypair.h"
#include "resource.h"

#define KEYPAIR_SELECT \
    "SELECT k.name, k.fingerprint, k.type, k.bits AS \"bits:n\"," \
    " k.public_key, k.user_id, u.name AS user_name, k.id," \
    " k.created_at AS \"created_at:t\"" \
    " FROM keypairs k JOIN users u ON u.id = k.user_id"

static const char keypair_show_sql[] = KEYPAIR_SELECT " WHERE k.id = ?1";

/* A user's own key pairs; names are unique per user. */
const struct resource res_keypair = {
	.kind = "keypair",
	.table = "keypairs",
	.name_col = "name",
	.owner_col = "user_id",
	.show_sql = keypair_show_sql,
	.user_scoped = 1,
};

static const char insert_sql[] =
    "INSERT INTO keypairs (id, name, user_id, type, public_key, fingerprint,"
    " bits, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/* Record kp for the calling user; returns the row as shown, or NULL. */
static struct table *
keypair_store(struct nb *nb, const char *name, const struct keypair *kp)
{
	char	 id[NB_UUID_LEN + 1], msg[320];

	uuid_generate(id);
	snprintf(msg, sizeof(msg), "you already have a key pair named '%s'",
	    name);
	if (db_begin(nb) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "key_pairs", 1) == -1 ||
	    db_exec(nb, msg, insert_sql, "ssssssii", id, name, nb->ctx.user_id,
	    kp->type, kp->public_key, kp->fingerprint, (long long)kp->bits,
	    (long long)time(NULL)) == -1 ||
	    event_record(nb, "keypair:create", "keypair", id, name, 1,
	    kp->fingerprint) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "keypair:create", "keypair", name);
		return NULL;
	}
	return db_table(nb, keypair_show_sql, "s", id);
}

struct table *
keypair_create(struct nb *nb, const char *name, enum keypair_kind kind,
    int bits)
{
	struct keypair	 kp;
	struct table	*t;
	char		 err[256], comment[NB_NAME_MAX + 2];

	if (name_valid(nb, "key pair", name) == -1)
		return NULL;
	if (policy_check(nb, "keypair:create", nb->ctx.project_id,
	    nb->ctx.user_id) == -1) {
		event_failed(nb, "keypair:create", "keypair", name);
		return NULL;
	}
	memset(&kp, 0, sizeof(kp));
	snprintf(comment, sizeof(comment), "%s", name);
	if (keypair_generate(kind == KEYPAIR_KIND_RSA ? KEYPAIR_RSA :
	    KEYPAIR_ED25519, bits, comment, &kp, err, sizeof(err)) == -1) {
		nb_seterr(nb, bits != 0 ? NB_EUSAGE : NB_EFAIL, "%s", err);
		return NULL;
	}
	/* The only copy of the private key, never stored. */
	if ((t = keypair_store(nb, name, &kp)) != NULL)
		table_add_column(t, "private_key", kp.private_key);
	keypair_free(&kp);
	return t;
}

struct table *
keypair_import_public(struct nb *nb, const char *name, const char *text)
{
	struct keypair	 kp;
	struct table	*t;
	char		 err[256];

	if (name_valid(nb, "key pair", name) == -1)
		return NULL;
	memset(&kp, 0, sizeof(kp));
	if (keypair_import(text, NULL, &kp, err, sizeof(err)) == -1) {
		nb_seterr(nb, NB_EUSAGE, "public key refused: %s", err);
		return NULL;
	}
	if (policy_check(nb, "keypair:create", nb->ctx.project_id,
	    nb->ctx.user_id) == -1) {
		event_failed(nb, "keypair:create", "keypair", name);
		keypair_free(&kp);
		return NULL;
	}
	t = keypair_store(nb, name, &kp);
	keypair_free(&kp);
	return t;
}

struct table *
keypair_list(struct nb *nb, const char *user)
{
	static const char sql[] = KEYPAIR_SELECT
	    " WHERE k.user_id = ?1 ORDER BY k.name";
	struct ref	 u = { 0 };
	struct table	*t;

	if (policy_check(nb, "keypair:list", nb->ctx.project_id,
	    nb->ctx.user_id) == -1)
		return NULL;
	if (user != NULL) {
		if (!is_cloud_admin(nb)) {
			nb_seterr(nb, NB_EAUTH, "forbidden: --user is for cloud "
			    "admins");
			return NULL;
		}
		if (resource_resolve(nb, &res_user, user, &u) == -1)
			return NULL;
	}
	t = db_table(nb, sql, "s", user != NULL ? u.id : nb->ctx.user_id);
	ref_release(&u);
	return t;
}
