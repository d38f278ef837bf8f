/*
 * spawn.c: run an external program with posix_spawnp and an argv array
 * (never a shell), feed it input, and capture its stdout and stderr.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"

extern char	**environ;

#define CAPTURE_MAX	(16 * 1024 * 1024)

static void
close_pair(int p[2])
{
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
}

int
spawn_run(struct nb *nb, char *const argv[], const char *input,
    struct spawn_result *res)
{
	posix_spawn_file_actions_t	 fa;
	struct pollfd			 pfd[3];
	struct buf			 out, err;
	int				 in_p[2] = { -1, -1 }, out_p[2] = { -1, -1 };
	int				 err_p[2] = { -1, -1 }, status, rc, i;
	size_t				 in_off = 0, in_len;
	pid_t				 pid;
	char				 chunk[4096];
	ssize_t				 n;
	void				 (*oldpipe)(int);

	memset(res, 0, sizeof(*res));
	in_len = input != NULL ? strlen(input) : 0;
	if (pipe2(in_p, O_CLOEXEC) == -1 || pipe2(out_p, O_CLOEXEC) == -1 ||
	    pipe2(err_p, O_CLOEXEC) == -1) {
		nb_seterr(nb, NB_EFAIL, "pipe: %s", strerror(errno));
		close_pair(in_p);
		close_pair(out_p);
		close_pair(err_p);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_p[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_p[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_p[1], STDERR_FILENO);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in_p[0]);
	close(out_p[1]);
	close(err_p[1]);
	if (rc != 0) {
		close(in_p[1]);
		close(out_p[0]);
		close(err_p[0]);
		return nb_seterr(nb, NB_EFAIL, "cannot run '%s': %s", argv[0],
		    strerror(rc));
	}
	oldpipe = signal(SIGPIPE, SIG_IGN);
	buf_init(&out);
	buf_init(&err);
	if (in_len == 0) {
		close(in_p[1]);
		in_p[1] = -1;
	}
	pfd[0].fd = out_p[0];
	pfd[1].fd = err_p[0];
	pfd[2].fd = in_p[1];
	pfd[0].events = pfd[1].events = POLLIN;
	pfd[2].events = POLLOUT;
	while (pfd[0].fd != -1 || pfd[1].fd != -1) {
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				struct buf	*b = i == 0 ? &out : &err;

				if (b->len < CAPTURE_MAX)
					buf_add(b, chunk, n);
			} else if (n == 0 || errno != EINTR) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
		if (pfd[2].fd != -1 && pfd[2].revents != 0) {
			n = write(pfd[2].fd, input + in_off, in_len - in_off);
			if (n > 0)
				in_off += n;
			if (n == -1 && errno != EINTR && errno != EAGAIN)
				in_off = in_len;
			if (in_off == in_len) {
				close(pfd[2].fd);
				pfd[2].fd = -1;
			}
		}
	}
	for (i = 0; i < 3; i++)
		if (pfd[i].fd != -1)
			close(pfd[i].fd);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	signal(SIGPIPE, oldpipe);
	res->status = WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
	res->out = buf_release(&out);
	res->err = buf_release(&err);
	return 0;
}

void
spawn_result_free(struct spawn_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}

int
spawn_ok(struct nb *nb, char *const argv[], const char *input, char **outp)
{
	struct spawn_result	 res;
	char			*err;
	size_t			 len;

	if (outp != NULL)
		*outp = NULL;
	if (spawn_run(nb, argv, input, &res) == -1)
		return -1;
	if (res.status != 0) {
		err = res.err;
		len = strlen(err);
		while (len > 0 && (err[len - 1] == '\n' || err[len - 1] == ' '))
			err[--len] = '\0';
		for (; *err != '\0'; err++)
			if (*err == '\n')
				*err = ' ';
		nb_seterr(nb, NB_EFAIL, "%s exited with status %d: %s", argv[0],
		    res.status, *res.err != '\0' ? res.err : "(no message)");
		spawn_result_free(&res);
		return -1;
	}
	if (outp != NULL) {
		*outp = res.out;
		res.out = NULL;
	}
	spawn_result_free(&res);
	return 0;
}
