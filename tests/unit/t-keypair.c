/*
 * t-keypair: SSH key pairs against OpenSSH's own ssh-keygen: the keys
 * we generate load in ssh-keygen with our public key, fingerprint and
 * size, and sign what their public key verifies; keys ssh-keygen makes
 * import with the fingerprint it prints; bad input is refused with its
 * reason.  Everything happens in a temporary directory, removed at the
 * end.  Skipped when ssh-keygen is not installed.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "keypair.h"
#include "tap.h"

extern char	**environ;

static char	 dir[PATH_MAX];

/*
 * Run argv with stdin from in and stdout to out (NULL: /dev/null),
 * stderr to the file stderr.  Its exit status, or -1 when it
 * cannot run or dies.
 */
static int
run(const char *in, const char *out, char *const argv[])
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;
	int				 status, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, "stderr",
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The contents of name, NUL-terminated; the caller frees it. */
static char *
slurp(const char *name)
{
	char	*s;
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(name, "r")) == NULL)
		return strdup("");
	if ((s = calloc(1, 65536)) != NULL) {
		n = fread(s, 1, 65535, fp);
		s[n] = '\0';
	}
	fclose(fp);
	return s;
}

static int
spew(const char *name, const char *text)
{
	int	 fd;
	ssize_t	 n;

	unlink(name);
	if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The first n space-separated fields of s, in a new string. */
static char *
fields(const char *s, int n)
{
	const char	*p = s;

	for (; *p != '\0' && *p != '\n'; p++)
		if (*p == ' ' && --n == 0)
			break;
	return strndup(s, (size_t)(p - s));
}

static int
have_program(const char *name)
{
	char		 p[PATH_MAX];
	const char	*env;
	char		*dirs, *d, *next;
	int		 found = 0;

	if ((env = getenv("PATH")) == NULL || (dirs = strdup(env)) == NULL)
		return 0;
	for (d = dirs; d != NULL && !found; d = next) {
		if ((next = strchr(d, ':')) != NULL)
			*next++ = '\0';
		snprintf(p, sizeof(p), "%s/%s", *d ? d : ".", name);
		found = access(p, X_OK) == 0;
	}
	free(dirs);
	return found;
}

static void
remove_dir(void)
{
	DIR		*dp;
	struct dirent	*de;

	if ((dp = opendir(".")) != NULL) {
		while ((de = readdir(dp)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				unlink(de->d_name);
		closedir(dp);
	}
	if (chdir("/") == 0)
		rmdir(dir);
}

/* What ssh-keygen -l says of name: bits and fingerprint (128 bytes). */
static int
keygen_l(const char *name, int *bits, char fp[128])
{
	char	*argv[] = { "ssh-keygen", "-l", "-E", "sha256", "-f",
		    (char *)name, NULL };
	char	*out;
	int	 rc;

	*bits = 0;
	*fp = '\0';
	if (run(NULL, "out", argv) != 0)
		return -1;
	out = slurp("out");
	rc = sscanf(out, "%d %127s", bits, fp) == 2 ? 0 : -1;
	free(out);
	return rc;
}

/* A key we generate, checked against ssh-keygen. */
static void
generated(enum keypair_type type, int bits, const char *label)
{
	struct keypair	 kp, imp;
	char		 err[256], fp[128], *out, *want, *line;
	char		*sign[] = { "ssh-keygen", "-Y", "sign", "-f",
			    "id", "-n", "file",
			    "data", NULL };
	char		*verify[] = { "ssh-keygen", "-Y", "verify", "-f",
			    "allowed", "-I", "nubes@example",
			    "-n", "file", "-s", "data.sig",
			    NULL };
	char		*y[] = { "ssh-keygen", "-y", "-f", "id",
			    NULL };
	const char	*s;
	int		 rc, gotbits, width_ok;
	size_t		 n;

	rc = keypair_generate(type, bits, "test key@nubes", &kp, err,
	    sizeof(err));
	ok(rc == 0, "%s: generated", label);
	if (rc != 0) {
		printf("#   %s\n", err);
		return;
	}
	ok(kp.bits == bits, "%s: %d bits", label, bits);
	n = strlen(kp.type);
	ok(strncmp(kp.public_key, kp.type, n) == 0 && kp.public_key[n] == ' ',
	    "%s: public key starts with its type %s", label, kp.type);
	n = strlen(kp.public_key);
	ok(n > 15 && strcmp(kp.public_key + n - 15, " test key@nubes") == 0 &&
	    strchr(kp.public_key, '\n') == NULL,
	    "%s: public key is one line ending in the comment", label);
	ok(strncmp(kp.private_key, "-----BEGIN OPENSSH PRIVATE KEY-----\n",
	    36) == 0 && (n = strlen(kp.private_key)) > 34 &&
	    strcmp(kp.private_key + n - 34,
	    "-----END OPENSSH PRIVATE KEY-----\n") == 0,
	    "%s: private key is OpenSSH PEM", label);
	width_ok = 1;
	for (s = kp.private_key; (line = strchr(s, '\n')) != NULL; s = line + 1)
		if (line - s > 70)
			width_ok = 0;
	ok(width_ok, "%s: private key lines are at most 70 columns", label);

	spew("id", kp.private_key);
	rc = run(NULL, "out", y);
	out = slurp("out");
	want = fields(kp.public_key, 2);
	line = fields(out, 2);
	ok(rc == 0, "%s: ssh-keygen -y loads the private key", label);
	is_str(line, want, "%s: ssh-keygen -y derives our public key", label);
	free(line);
	free(want);
	free(out);

	rc = keygen_l("id", &gotbits, fp);
	ok(rc == 0 && gotbits == kp.bits, "%s: ssh-keygen -l says %d bits",
	    label, kp.bits);
	is_str(fp, kp.fingerprint, "%s: ssh-keygen -l prints our fingerprint",
	    label);

	/* Sign with the private key, verify with our public key line. */
	spew("data", "some data to sign\n");
	unlink("data.sig");
	rc = run(NULL, NULL, sign);
	ok(rc == 0, "%s: ssh-keygen -Y sign signs with the private key",
	    label);
	want = fields(kp.public_key, 2);
	if ((line = malloc(strlen(want) + 32)) != NULL) {
		sprintf(line, "nubes@example %s\n", want);
		spew("allowed", line);
		free(line);
	}
	free(want);
	rc = run("data", NULL, verify);
	ok(rc == 0, "%s: ssh-keygen -Y verify accepts it with our public key",
	    label);

	rc = keypair_import(kp.public_key, NULL, &imp, err, sizeof(err));
	ok(rc == 0 && strcmp(imp.fingerprint, kp.fingerprint) == 0 &&
	    strcmp(imp.public_key, kp.public_key) == 0 &&
	    imp.bits == kp.bits && imp.private_key == NULL,
	    "%s: our public key imports unchanged", label);
	if (rc != 0)
		printf("#   %s\n", err);
	keypair_free(&imp);
	keypair_free(&kp);
	ok(kp.public_key == NULL && kp.private_key == NULL &&
	    kp.fingerprint[0] == '\0', "%s: keypair_free empties it", label);
}

/* ssh-keygen makes a key; it imports with ssh-keygen's fingerprint. */
static void
imported(const char *type, const char *bits)
{
	struct keypair	 kp;
	char		 err[256], fp[128], label[64], *pub, *want;
	char		*argv[] = { "ssh-keygen", "-q", "-t", (char *)type,
			    "-b", (char *)bits, "-N", "", "-C", "c",
			    "-f", (char *)type, NULL };
	char		 pubname[64];
	int		 rc, gotbits;

	snprintf(label, sizeof(label), "import %s %s", type, bits);
	snprintf(pubname, sizeof(pubname), "%s.pub", type);
	unlink(type);
	unlink(pubname);
	rc = run(NULL, NULL, argv);
	ok(rc == 0, "%s: ssh-keygen makes it", label);
	pub = slurp(pubname);
	keygen_l(pubname, &gotbits, fp);
	rc = keypair_import(pub, NULL, &kp, err, sizeof(err));
	ok(rc == 0, "%s: imported", label);
	if (rc != 0)
		printf("#   %s\n", err);
	is_str(kp.fingerprint, fp, "%s: fingerprint is ssh-keygen's", label);
	ok(kp.bits == gotbits && gotbits == atoi(bits),
	    "%s: %s bits as ssh-keygen says", label, bits);
	want = fields(pub, 3);
	is_str(kp.public_key, want, "%s: public key line kept", label);
	ok(kp.private_key == NULL, "%s: no private key", label);
	free(want);
	keypair_free(&kp);

	rc = keypair_import(pub, "renamed", &kp, err, sizeof(err));
	want = fields(pub, 2);
	ok(rc == 0 && strncmp(kp.public_key, want, strlen(want)) == 0 &&
	    strcmp(kp.public_key + strlen(want), " renamed") == 0,
	    "%s: comment replaced", label);
	free(want);
	keypair_free(&kp);
	free(pub);
}

static void
refused(const char *text, const char *why, const char *label)
{
	struct keypair	 kp;
	char		 err[256] = "";
	int		 rc;

	rc = keypair_import(text, NULL, &kp, err, sizeof(err));
	ok(rc == -1 && strstr(err, why) != NULL && kp.public_key == NULL,
	    "import refuses %s: \"%s\"", label, why);
	if (rc != -1 || strstr(err, why) == NULL)
		printf("#   got %d: '%s'\n", rc, err);
	keypair_free(&kp);
}

/* "TYPE BASE64(blob)" and a comment. */
static char *
key_line(const char *type, const unsigned char *blob, size_t n)
{
	char	*s;
	size_t	 len;

	len = strlen(type) + 1 + (n + 2) / 3 * 4 + 3;
	if ((s = malloc(len)) == NULL)
		return NULL;
	snprintf(s, len, "%s ", type);
	EVP_EncodeBlock((unsigned char *)s + strlen(s), blob, (int)n);
	strcat(s, " c");
	return s;
}

static size_t
put_string(unsigned char *p, const void *s, size_t n)
{
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
	memcpy(p + 4, s, n);
	return 4 + n;
}

/* The blob of a key line, decoded; its length in *n. */
static unsigned char *
blob_of(const char *line, size_t *n)
{
	unsigned char	*blob;
	char		*b64;
	const char	*p;
	int		 len;

	if ((p = strchr(line, ' ')) == NULL || (b64 = fields(p + 1, 1)) ==
	    NULL)
		return NULL;
	if ((blob = malloc(strlen(b64))) != NULL) {
		len = EVP_DecodeBlock(blob, (unsigned char *)b64,
		    (int)strlen(b64));
		*n = len < 0 ? 0 : (size_t)len - (strstr(b64, "==") ? 2 :
		    strchr(b64, '=') ? 1 : 0);
	}
	free(b64);
	return blob;
}

static void
refusals(void)
{
	char		*ed, *rsa, *priv, *s, *t, *rsa1024;
	char		*argv[] = { "ssh-keygen", "-q", "-t", "rsa", "-b",
			    "1024", "-N", "", "-f", "rsa1024",
			    NULL };
	unsigned char	*blob, big[256], modulus[129];
	size_t		 n, len;
	struct keypair	 kp;
	char		 err[256];

	ed = slurp("ed25519.pub");
	rsa = slurp("rsa.pub");
	priv = slurp("ed25519");

	refused("", "no public key", "an empty key");
	refused("\n  \n", "no public key", "white space");
	refused("ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9E"
	    "AMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7gB00b/JmYLdrmVClpJ+f6"
	    " c", "unsupported key type 'ssh-dss'", "ssh-dss");
	refused("ssh-ed25519 not*base64! c", "not valid base64",
	    "garbage base64");
	refused("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", "not valid base64",
	    "unpadded base64");
	refused("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 c", "malformed",
	    "a truncated blob");
	if ((s = strdup(rsa)) != NULL && (t = malloc(strlen(s) + 8)) != NULL) {
		sprintf(t, "ssh-ed25519%s", strchr(s, ' '));
		refused(t, "key of type 'ssh-rsa' is labelled 'ssh-ed25519'",
		    "an ssh-rsa blob labelled ssh-ed25519");
		free(t);
	}
	free(s);
	if ((s = malloc(strlen(ed) + strlen(rsa) + 1)) != NULL) {
		sprintf(s, "%s%s", ed, rsa);
		refused(s, "more than one public key", "two keys on two lines");
		*strchr(s, '\n') = ' ';
		refused(s, "more than one public key", "two keys on one line");
		sprintf(s, "%sjunk\n", ed);
		refused(s, "text after the public key",
		    "a second line of junk");
		free(s);
	}
	refused(priv, "private key", "a private key");
	refused("ssh-ed25519\tAAAA\001 c", "control character",
	    "a control character");

	/* An ed25519 blob with bytes after it. */
	if ((blob = blob_of(ed, &n)) != NULL) {
		memcpy(big, blob, n);
		memcpy(big + n, "\0\0\0\0", 4);
		if ((s = key_line("ssh-ed25519", big, n + 4)) != NULL)
			refused(s, "4 bytes of trailing data",
			    "trailing bytes in the blob");
		free(s);
		free(blob);
	}

	/* RSA 1024: from ssh-keygen, or made here when it refuses. */
	if (run(NULL, NULL, argv) == 0)
		rsa1024 = slurp("rsa1024.pub");
	else {
		memset(modulus, 0xc5, sizeof(modulus));
		modulus[0] = 0;		/* the top bit of 1024 is set */
		len = put_string(big, "ssh-rsa", 7);
		len += put_string(big + len, "\001\000\001", 3);
		len += put_string(big + len, modulus, sizeof(modulus));
		if ((rsa1024 = key_line("ssh-rsa", big, len)) == NULL)
			rsa1024 = strdup("");
	}
	refused(rsa1024, "1024 bits is too small", "rsa 1024");
	free(rsa1024);

	/* Over 16 KiB, in the comment of a good key. */
	if ((s = malloc(20000)) != NULL) {
		n = strcspn(ed, "\n");
		memcpy(s, ed, n);
		memset(s + n, 'x', 20000 - n - 1);
		s[n] = ' ';
		s[20000 - 1] = '\0';
		refused(s, "longer than 16384 bytes", "a key over 16 KiB");
		s[16383] = '\0';
		ok(keypair_import(s, NULL, &kp, err, sizeof(err)) == 0,
		    "import takes a key of 16383 bytes");
		keypair_free(&kp);
		free(s);
	}
	free(ed);
	free(rsa);
	free(priv);
}

static void
bad_generate(void)
{
	struct keypair	 kp;
	char		 err[256];
	int		 i;
	static const int bits[] = { 1024, 2047, 2049, 8200 };

	for (i = 0; i < 4; i++) {
		ok(keypair_generate(KEYPAIR_RSA, bits[i], "", &kp, err,
		    sizeof(err)) == -1 && strstr(err, "rsa key size") != NULL,
		    "generate refuses rsa %d bits", bits[i]);
		keypair_free(&kp);
	}
	ok(keypair_generate(KEYPAIR_ED25519, 0, "a\nb", &kp, err,
	    sizeof(err)) == -1 && strstr(err, "control character") != NULL,
	    "generate refuses a comment with a newline");
	ok(keypair_generate(KEYPAIR_ED25519, 0, NULL, &kp, err,
	    sizeof(err)) == 0 && strchr(kp.public_key, ' ') ==
	    strrchr(kp.public_key, ' '), "generate without a comment");
	keypair_free(&kp);
}

int
main(void)
{
	struct keypair	 kp;
	const char	*tmp;

	if (!have_program("ssh-keygen")) {
		printf("1..0 # SKIP no ssh-keygen\n");
		return 0;
	}
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp != '/')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/t-keypair.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (chdir(dir) == -1) {
		printf("Bail out! cd %s: %s\n", dir, strerror(errno));
		rmdir(dir);
		return 1;
	}

	memset(&kp, 0, sizeof(kp));
	keypair_free(&kp);
	ok(1, "keypair_free takes a zeroed struct");

	generated(KEYPAIR_ED25519, 256, "ed25519");
	generated(KEYPAIR_RSA, 2048, "rsa 2048");
	bad_generate();

	imported("ed25519", "256");
	imported("rsa", "3072");
	imported("ecdsa", "256");
	imported("ecdsa", "384");
	imported("ecdsa", "521");
	refusals();

	remove_dir();
	return done_testing();
}
