/* worker.c: one disposable process per host.
 *
 * hivex 1.3.23 still faults on crafted input (over-reads past the mapping,
 * unbounded recursion in places, SIGBUS when a mapped file shrinks), and a
 * hostile hive can also simply be huge.  So each host is read in a child
 * process with a wall-clock deadline, a CPU limit, an address-space limit,
 * no core dumps, and PR_SET_PDEATHSIG so that it dies with the parent.  The
 * parent never parses a hive: it receives the child's snapshot through a
 * pipe and decodes it with the bounds-checked decoder, and it takes the
 * host's identity (label, folder, file paths) from its own job, never from
 * the result: a worker subverted by a hostile hive can lie about that
 * host's content, but cannot make the store refuse the run or describe
 * another host.
 *
 * Workers ignore the terminal's and the service manager's stop signals
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT): the parent decides when to stop, and
 * ends them with SIGKILL.  A worker that dies while the parent is being
 * stopped is not blamed on the hive it was reading; the host is simply left
 * for the next run.
 *
 * PIPE PROTOCOL (child -> parent), a sequence of frames:
 *   u8 type, u32 length (little-endian), payload
 *   'P' u32 file index: about to read this file (lets the parent say which
 *       hive was being read when a child died)
 *   'R' snapshot encoding (snapshot/encode.c): the result
 *   'U' empty: the caller's unchanged check (ha_pool_opts.unchanged) says
 *       the host's files are as an earlier run saw them
 *   'E' text: the read failed for a reason of ours (allocation, ...)
 *
 * A worker's stderr is a memory file the parent created and keeps: hivex's
 * diagnostics go there (registry.c turns them into reasons), and so does a
 * sanitizer's report when a worker of a sanitizer build dies, which the
 * parent then quotes in the reason instead of losing it.
 *
 * A child that dies without an 'R' frame gets the hive it was reading
 * marked unreadable with the reason, and the host is read again without
 * that hive, so one poisoned file does not hide the other hive. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "ingest_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define HA_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HA_UNDER_ASAN 1
#endif
#endif

#define MAX_RESULT ((size_t)256 << 20)

struct slot {
	pid_t pid;
	int fd;
	size_t task; /* index into the task list */
	struct ha_buf in;
	double deadline; /* monotonic seconds; 0 = none */
	int timed_out;
	int flooded;  /* sent more than MAX_RESULT: killed */
	int lingered; /* closed its pipe but did not exit: killed */
	int errfd;    /* the worker's stderr (a memory file), or -1 */
};

struct task {
	size_t host;
	char **bad; /* per file: why it is excluded, or NULL */
	int attempts;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A retried host (a file killed its worker) is always read, so that the
 * snapshot says which file was excluded and why. */
static int offers_reuse(const struct ha_pool_opts *o, const struct task *t)
{
	return o->reusable && o->unchanged && !t->bad && o->reusable(o->reuse_ctx, t->host);
}

/* ------------------------------------------------------------- the child */

static int child_fd = -1;

static void put_frame(char type, const void *p, size_t n)
{
	uint8_t head[5];
	const uint8_t *q;
	size_t left;
	int part;

	head[0] = (uint8_t)type;
	ha_put_le32(head + 1, (uint32_t)n);
	for (part = 0; part < 2; part++) {
		q = part ? p : head;
		left = part ? n : sizeof head;
		while (left) {
			ssize_t w = write(child_fd, q, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				_exit(3); /* the parent is gone */
			q += w;
			left -= (size_t)w;
		}
	}
}

struct child_ctx {
	const struct ha_host_job *job;
	const char *fault;
	unsigned char *reported; /* per file: progress reports so far (capped) */
};

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

/* Test-only faults, named in HIVEAUDIT_TEST_FAULT as "KIND:LABEL[:FILE]"
 * (FILE: any file of the host when omitted).  They prove that a real fault
 * inside hivex is contained, and nothing but the tests sets them:
 *   crash  a real SIGSEGV when the worker starts reading FILE, as a hivex
 *          over-read gives;
 *   hang   the worker stops making progress there (the wall-clock limit);
 *   oom    it allocates until its memory limit stops it;
 *   stop   it stops itself (SIGSTOP) when it starts looking keys up in
 *          FILE, after opening and mapping it, so that a test can truncate
 *          or change the file under it and resume it (SIGCONT);
 *   linger it sends its result, closes the pipe and does not exit (FILE is
 *          ignored);
 *   unchanged  it says "unchanged" when it starts reading FILE, unasked,
 *          as a subverted worker could. */
static void maybe_fault(const struct child_ctx *c, size_t file)
{
	const char *f = c->fault, *lab, *colon;
	size_t kl, ll;
	unsigned seen;

	if (!f || !*f || file >= c->job->nfiles)
		return;
	seen = c->reported ? c->reported[file] : 1;
	colon = strchr(f, ':');
	if (!colon)
		return;
	kl = (size_t)(colon - f);
	lab = colon + 1;
	colon = strchr(lab, ':');
	ll = colon ? (size_t)(colon - lab) : strlen(lab);
	if (strlen(c->job->label) != ll || strncmp(c->job->label, lab, ll) != 0)
		return;
	if (colon && !ha_ascii_caseeq(colon + 1, base_name(c->job->files[file].path)))
		return;
	if (kl == 4 && !strncmp(f, "stop", 4)) {
		if (seen == 2) /* the first report is before the file is opened */
			raise(SIGSTOP);
		return;
	}
	if (seen != 1)
		return;
	if (kl == 5 && !strncmp(f, "crash", 5)) {
		volatile int *p = NULL;

		*p = 1; /* a real SIGSEGV, as a hivex over-read would give */
	} else if (kl == 4 && !strncmp(f, "hang", 4)) {
		for (;;)
			pause();
	} else if (kl == 9 && !strncmp(f, "unchanged", 9)) {
		put_frame('U', "", 0);
		_exit(0);
	} else if (kl == 3 && !strncmp(f, "oom", 3)) {
		for (;;) {
			char *m = malloc(1 << 20);

			if (!m)
				_exit(4);
			memset(m, 1, 1 << 20);
		}
	}
}

/* The "linger" fault: after the result, the pipe is closed and the worker
 * stays alive, as a subverted one could. */
static void linger_fault(const struct child_ctx *c)
{
	const char *f = c->fault;
	size_t ll;

	if (!f || strncmp(f, "linger:", 7) != 0)
		return;
	ll = strcspn(f + 7, ":");
	if (strlen(c->job->label) != ll || strncmp(c->job->label, f + 7, ll) != 0)
		return;
	close(child_fd);
	for (;;)
		pause();
}

static void child_progress(void *ctx, size_t file)
{
	const struct child_ctx *c = ctx;
	uint8_t b[4];

	ha_put_le32(b, (uint32_t)file);
	put_frame('P', b, 4);
	if (c->reported && file < c->job->nfiles && c->reported[file] < 255)
		c->reported[file]++;
	maybe_fault(c, file);
}

static void set_limits(const struct ha_pool_opts *o)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl); /* never dump a hostile hive to disk */
	if (o->cpu_sec) {
		rl.rlim_cur = o->cpu_sec;
		rl.rlim_max = (rlim_t)o->cpu_sec + 5;
		setrlimit(RLIMIT_CPU, &rl);
	}
#ifndef HA_UNDER_ASAN
	/* AddressSanitizer reserves terabytes of address space; under it the
	 * memory limit cannot apply (the sanitizer catches blow-ups instead). */
	if (o->mem_bytes)
		ha_limit_address_space(o->mem_bytes);
#endif
}

static void run_child(const struct ha_host_job *job, const struct task *t,
                      const struct ha_reqset *req, const struct ha_pool_opts *o, pid_t parent,
                      int errfd)
{
	struct ha_snapshot snap;
	struct ha_err err;
	struct ha_buf out;
	struct child_ctx c = {job, o->fault, NULL};
	struct ha_read_opts ro;
	struct ha_host_job staged;
	int mfd;

	/* Stopping is the parent's decision (see the top of this file). */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may have died before the line above: then we were
	 * re-parented (to init or to a subreaper) and must not go on. */
	if (getppid() != parent)
		_exit(3);
	if (o->fault && *o->fault)
		c.reported = calloc(job->nfiles ? job->nfiles : 1, 1);
	set_limits(o);
	unsetenv("HIVEX_DEBUG");
	ro = *o->read;
	/* hivex's diagnostics go to a memory file we can read back (the
	 * parent's, or else our own). */
	mfd = errfd >= 0 ? errfd : memfd_create("hivex-messages", MFD_CLOEXEC);
	if (mfd >= 0 && dup2(mfd, 2) >= 0)
		ro.capture_messages = 1;
	if (mfd > 2)
		close(mfd);

	if (offers_reuse(o, t) && o->unchanged(o->reuse_ctx, t->host, job)) {
		put_frame('U', "", 0);
		_exit(0);
	}
	ha_snapshot_init(&snap);
	ha_err_clear(&err);
	/* A host inside a container: its files are extracted into memory
	 * files here, under this worker's limits, before they are read. */
	if (job->container && ha_container_stage_job(job, &staged, &err) != HA_OK) {
		put_frame('E', err.msg, strlen(err.msg));
		_exit(1);
	}
	if (job->container)
		job = c.job = &staged;
	if (ha_read_host(job, req, &ro, child_progress, &c, &snap, &err) != HA_OK) {
		put_frame('E', err.msg, strlen(err.msg));
		_exit(1);
	}
	ha_buf_init(&out, MAX_RESULT);
	if (ha_snapshot_encode(&snap, &out) != HA_OK) {
		static const char msg[] = "snapshot too large to send";

		put_frame('E', msg, sizeof msg - 1);
		_exit(1);
	}
	put_frame('R', out.data, out.len);
	linger_fault(&c);
	_exit(0);
}

/* ------------------------------------------------------------ the parent */

/* The job as this task sees it: files that killed a worker become
 * unreadable up front. */
static struct ha_host_job *task_job(const struct ha_fleet *fleet, const struct task *t,
                                    struct ha_host_job *tmp)
{
	const struct ha_host_job *h = &fleet->hosts[t->host];
	size_t i;

	if (!t->bad)
		return (struct ha_host_job *)h;
	*tmp = *h;
	tmp->files = malloc(h->nfiles * sizeof *tmp->files);
	if (!tmp->files)
		return NULL;
	for (i = 0; i < h->nfiles; i++) {
		tmp->files[i] = h->files[i];
		if (t->bad[i]) {
			tmp->files[i].skip_status = HA_HS_UNREADABLE;
			tmp->files[i].skip_reason = t->bad[i];
		}
	}
	return tmp;
}

static int spawn(struct slot *s, struct slot *slots, size_t nslots, const struct ha_fleet *fleet,
                 struct task *t, size_t ti, const struct ha_reqset *req,
                 const struct ha_pool_opts *o, struct ha_err *err)
{
	struct ha_host_job tmp, *job;
	int fds[2], errfd;
	size_t i;
	pid_t pid, self;

	job = task_job(fleet, t, &tmp);
	if (!job)
		return ha_err_nomem(err);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		if (job == &tmp)
			free(tmp.files);
		return ha_err_sys(err, HA_ERR_IO, errno, "cannot create a pipe for a worker");
	}
	errfd = memfd_create("hiveaudit-worker", MFD_CLOEXEC); /* -1 is tolerated */
	fflush(NULL);
	self = getpid();
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(fds[0]);
		close(fds[1]);
		if (errfd >= 0)
			close(errfd);
		if (job == &tmp)
			free(tmp.files);
		return ha_err_sys(err, HA_ERR_IO, e, "cannot start a worker process");
	}
	if (pid == 0) {
		close(fds[0]);
		for (i = 0; i < nslots; i++) {
			if (slots[i].pid > 0 && slots[i].fd >= 0)
				close(slots[i].fd);
			if (slots[i].pid > 0 && slots[i].errfd >= 0)
				close(slots[i].errfd);
		}
		child_fd = fds[1];
		run_child(job, t, req, o, self, errfd);
		_exit(2);
	}
	close(fds[1]);
	s->errfd = errfd;
	if (job == &tmp)
		free(tmp.files);
	/* The parent drains every ready pipe without blocking. */
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	s->pid = pid;
	s->fd = fds[0];
	s->task = ti;
	s->timed_out = 0;
	s->flooded = 0;
	s->lingered = 0;
	ha_buf_init(&s->in, MAX_RESULT + 64);
	s->deadline = o->timeout_sec ? now() + o->timeout_sec : 0;
	return HA_OK;
}

/* The line of a dead worker's stderr that says why it died, when a
 * sanitizer or the C library said so ("SUMMARY: AddressSanitizer: ...",
 * "file.c:12: runtime error: ..."); "" otherwise.  hivex's diagnostics in
 * the same file are not causes of death and are passed over. */
static void last_words(int fd, char *out, size_t len)
{
	static const char *const marks[] = {"SUMMARY: ", "runtime error: ", "ERROR: "};
	char buf[8192], *line = NULL, *p;
	off_t end;
	ssize_t n;
	size_t i, k;

	out[0] = '\0';
	if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) <= 0)
		return;
	n = pread(fd, buf, sizeof buf - 1,
	          end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (i = 0; i < sizeof marks / sizeof marks[0] && !line; i++) {
		for (p = buf; (p = strstr(p, marks[i])) != NULL; p++)
			line = p;
	}
	if (!line)
		return;
	while (line > buf && line[-1] != '\n')
		line--;
	for (k = 0; line[k] && line[k] != '\n' && k + 1 < len && k < 300; k++)
		out[k] = (unsigned char)line[k] < 0x20 ? ' ' : line[k];
	out[k] = '\0';
}

static void describe_death(int status, const struct slot *s, const struct ha_pool_opts *o,
                           char *buf, size_t len)
{
	if (s->timed_out)
		snprintf(buf, len, "worker timed out after %u s", o->timeout_sec);
	else if (s->lingered)
		snprintf(buf, len, "worker closed its pipe without exiting and was stopped");
	else if (s->flooded)
		snprintf(buf, len, "worker sent more than %zu MiB and was stopped",
		         MAX_RESULT >> 20);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		snprintf(buf, len, "worker exceeded its CPU limit of %u s", o->cpu_sec);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "worker killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		snprintf(buf, len, "worker ran out of memory (limit %llu MiB)",
		         (unsigned long long)(o->mem_bytes >> 20));
	else if (WIFEXITED(status))
		snprintf(buf, len, "worker exited with status %d without a result",
		         WEXITSTATUS(status));
	else
		snprintf(buf, len, "worker ended abnormally");
}

/* Parses the frames a child sent; the result pointer aims into s->in. */
static void parse_frames(const struct slot *s, long *cur_file, char *type, const uint8_t **result,
                         size_t *rlen)
{
	struct ha_cur c;

	*cur_file = -1;
	*type = 0;
	*result = NULL;
	*rlen = 0;
	ha_cur_init(&c, s->in.data, s->in.len);
	while (ha_cur_left(&c) >= 5) {
		uint8_t t;
		uint32_t n;
		const uint8_t *p;

		if (ha_cur_u8(&c, &t) || ha_cur_u32(&c, &n) || ha_cur_bytes(&c, n, &p))
			break;
		if (t == 'P' && n == 4) {
			*cur_file = (long)ha_le32(p);
		} else if (t == 'R' || t == 'U' || t == 'E') {
			*type = (char)t;
			*result = p;
			*rlen = n;
		}
	}
}

/* A snapshot for a host whose worker kept dying: every file not yet
 * explained gets `why`. */
static int failed_snapshot(const struct ha_fleet *fleet, const struct task *t, const char *why,
                           struct ha_snapshot **out, struct ha_err *err)
{
	const struct ha_host_job *h = &fleet->hosts[t->host];
	struct ha_snapshot *s = malloc(sizeof *s);
	size_t i;
	int rc;

	if (!s)
		return ha_err_nomem(err);
	ha_snapshot_init(s);
	rc = ha_snapshot_from_job(h, s, err);
	for (i = 0; !rc && i < s->nfiles; i++) {
		struct ha_hivefile *f = &s->files[i];

		if (f->status == HA_HS_SKIPPED)
			continue;
		f->status = HA_HS_UNREADABLE;
		free(f->reason);
		f->reason = ha_strdup(t->bad && t->bad[i] ? t->bad[i] : why);
		if (!f->reason)
			rc = ha_err_nomem(err);
	}
	if (!rc) {
		free(s->note); /* what discovery noted gives way to the failure */
		s->note = ha_strdup(why);
		rc = s->note ? ha_assign_roles(s, err) : ha_err_nomem(err);
	}
	if (rc) {
		ha_snapshot_free(s);
		free(s);
		return rc;
	}
	*out = s;
	return HA_OK;
}

/* The result describes the host the parent asked for: the same files in
 * the same order.  Its label and folder are then the job's own, so that
 * nothing a worker sends can name another host.  0 when it does not match
 * (why says how), 1 when it does, HA_ERR_NOMEM. */
static int adopt_identity(struct ha_snapshot *snap, const struct ha_host_job *h, char *why,
                          size_t len)
{
	size_t i;

	if (snap->nfiles != h->nfiles) {
		snprintf(why, len,
		         "worker result unusable: it lists %zu files, the host folder has %zu",
		         snap->nfiles, h->nfiles);
		return 0;
	}
	for (i = 0; i < h->nfiles; i++) {
		if (strcmp(snap->files[i].path, h->files[i].path) != 0) {
			snprintf(why, len, "worker result unusable: file %zu is not %.300s", i,
			         h->files[i].path);
			return 0;
		}
	}
	free(snap->label);
	free(snap->dir);
	snap->label = ha_strdup(h->label);
	snap->dir = ha_strdup(h->dir);
	return snap->label && snap->dir ? 1 : HA_ERR_NOMEM;
}

/* finish() once the worker is reaped and its frames parsed. */
static int finish_result(struct slot *s, struct task *tasks, const struct ha_fleet *fleet,
                         const struct ha_pool_opts *o, ha_pool_result_fn fn, void *ctx, int *retry,
                         int status, long cur, char type, const uint8_t *res, size_t rlen,
                         struct ha_err *err)
{
	struct task *t = &tasks[s->task];
	const struct ha_host_job *h = &fleet->hosts[t->host];
	struct ha_snapshot *snap = NULL;
	char why[512], words[320] = "";
	int rc, ok;

	/* A worker that sent a whole result and then lingered was killed by
	 * us: its result is as good as any worker's. */
	ok = (type == 'U' || type == 'R') &&
	     ((WIFEXITED(status) && WEXITSTATUS(status) == 0) || s->lingered) && !s->timed_out &&
	     !s->flooded;
	if (!ok && o->stop && *o->stop) {
		/* We are being stopped: whatever ended this worker is not the
		 * hive's fault.  The host stays unread, for the next run. */
		ha_buf_free(&s->in);
		return ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	}
	if (type == 'U' && !offers_reuse(o, t)) {
		/* Only a worker that was asked may say "unchanged": one that
		 * says it unasked was subverted, and its host has no saved
		 * result to fall back on. */
		type = 'E';
		res = (const uint8_t *)"worker reported an unchanged host it was not asked about";
		rlen = strlen((const char *)res);
		ok = 0;
	}
	if (type == 'U' && ok) {
		ha_buf_free(&s->in);
		return fn(ctx, t->host, NULL, err);
	}
	if (type == 'R' && ok) {
		snap = malloc(sizeof *snap);
		if (!snap) {
			ha_buf_free(&s->in);
			return ha_err_nomem(err);
		}
		ha_snapshot_init(snap);
		rc = ha_snapshot_decode(res, rlen, snap, err);
		ha_buf_free(&s->in);
		if (rc == HA_ERR_NOMEM) {
			ha_snapshot_free(snap);
			free(snap);
			return rc;
		}
		if (rc) {
			snprintf(why, sizeof why, "worker result unusable: %.400s", err->msg);
			ha_err_clear(err);
		} else {
			rc = adopt_identity(snap, h, why, sizeof why);
			if (rc == HA_ERR_NOMEM) {
				ha_snapshot_free(snap);
				free(snap);
				return ha_err_nomem(err);
			}
			rc = rc == 1 ? HA_OK : HA_ERR_FORMAT;
		}
		if (rc) {
			ha_snapshot_free(snap);
			free(snap);
			snap = NULL;
			rc = failed_snapshot(fleet, t, why, &snap, err);
			if (rc)
				return rc;
		}
		return fn(ctx, t->host, snap, err);
	}
	if (type == 'E') {
		snprintf(why, sizeof why, "reading failed: %.*s", (int)(rlen < 400 ? rlen : 400),
		         (const char *)res);
	} else {
		describe_death(status, s, o, why, sizeof why);
		last_words(s->errfd, words, sizeof words);
	}
	ha_buf_free(&s->in);

	if (cur >= 0 && (size_t)cur < h->nfiles && (!t->bad || !t->bad[cur])) {
		/* Blame the file being read, and read the host again without it. */
		if (!t->bad) {
			t->bad = calloc(h->nfiles, sizeof *t->bad);
			if (!t->bad)
				return ha_err_nomem(err);
		}
		t->bad[cur] =
		        ha_asprintf("%s while reading %s%s%s%s", why, base_name(h->files[cur].path),
		                    words[0] ? " (" : "", words, words[0] ? ")" : "");
		if (!t->bad[cur])
			return ha_err_nomem(err);
		t->attempts++;
		*retry = 1;
		return HA_OK;
	}
	if (words[0]) {
		size_t used = strlen(why);

		snprintf(why + used, sizeof why - used, " (%s)", words);
	}
	rc = failed_snapshot(fleet, t, why, &snap, err);
	if (rc)
		return rc;
	return fn(ctx, t->host, snap, err);
}

/* Reaps a worker whose pipe reached its end.  A worker exits right after
 * writing its result; one that closed its pipe and lingers (a subverted
 * one could, to stall the run) is killed after LINGER_SECONDS. */
#define LINGER_SECONDS 5.0
static void reap(struct slot *s, int *status)
{
	double end = now() + LINGER_SECONDS;

	long wait_ns = 20 * 1000; /* a worker exits microseconds after its pipe closes */

	for (;;) {
		struct timespec ts = {0, wait_ns};
		pid_t r = waitpid(s->pid, status, WNOHANG);

		if (r == s->pid || (r < 0 && errno != EINTR))
			return;
		if (now() > end)
			break;
		nanosleep(&ts, NULL);
		if (wait_ns < 10 * 1000 * 1000)
			wait_ns *= 2;
	}
	kill(s->pid, SIGKILL);
	s->lingered = 1;
	while (waitpid(s->pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Handles a finished child.  Returns HA_OK with *retry set when the host
 * must be read again (a file was excluded). */
static int finish(struct slot *s, struct task *tasks, const struct ha_fleet *fleet,
                  const struct ha_pool_opts *o, ha_pool_result_fn fn, void *ctx, int *retry,
                  struct ha_err *err)
{
	const uint8_t *res;
	size_t rlen;
	long cur;
	char type;
	int status = 0, rc;

	*retry = 0;
	reap(s, &status);
	close(s->fd);
	s->fd = -1;
	s->pid = 0;
	parse_frames(s, &cur, &type, &res, &rlen);
	rc = finish_result(s, tasks, fleet, o, fn, ctx, retry, status, cur, type, res, rlen, err);
	if (s->errfd >= 0)
		close(s->errfd);
	s->errfd = -1;
	return rc;
}

static void kill_all(struct slot *slots, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (slots[i].pid > 0) {
			kill(slots[i].pid, SIGKILL);
			while (waitpid(slots[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			slots[i].pid = 0;
		}
		if (slots[i].fd >= 0) {
			close(slots[i].fd);
			slots[i].fd = -1;
		}
		if (slots[i].errfd >= 0) {
			close(slots[i].errfd);
			slots[i].errfd = -1;
		}
		ha_buf_free(&slots[i].in);
	}
}

int ha_pool_run(const struct ha_fleet *fleet, const size_t *todo, size_t ntodo,
                const struct ha_reqset *req, const struct ha_pool_opts *o, ha_pool_result_fn fn,
                void *ctx, struct ha_err *err)
{
	unsigned jobs = o->jobs ? o->jobs : 1;
	struct slot *slots;
	struct pollfd *pfd;
	struct task *tasks;
	size_t *queue, qhead = 0, qtail = 0, i, active = 0;
	int rc = HA_OK;

	slots = calloc(jobs, sizeof *slots);
	pfd = calloc(jobs, sizeof *pfd);
	tasks = calloc(ntodo ? ntodo : 1, sizeof *tasks);
	queue = calloc(ntodo ? ntodo : 1, sizeof *queue);
	if (!slots || !pfd || !tasks || !queue) {
		rc = ha_err_nomem(err);
		goto out;
	}
	for (i = 0; i < jobs; i++)
		slots[i].fd = slots[i].errfd = -1;
	for (i = 0; i < ntodo; i++) {
		tasks[i].host = todo[i];
		queue[qtail++] = i;
	}

	while (!rc && (qhead < qtail || active)) {
		double tnow, next_deadline = 0;
		int timeout_ms = 250, pr;
		size_t np = 0;

		if (o->stop && *o->stop) {
			rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
			break;
		}
		for (i = 0; i < jobs && qhead < qtail; i++) {
			if (slots[i].pid)
				continue;
			rc = spawn(&slots[i], slots, jobs, fleet, &tasks[queue[qhead]],
			           queue[qhead], req, o, err);
			if (rc)
				break;
			qhead++;
			active++;
		}
		if (rc)
			break;
		tnow = now();
		for (i = 0; i < jobs; i++) {
			if (!slots[i].pid)
				continue;
			if (slots[i].deadline &&
			    (!next_deadline || slots[i].deadline < next_deadline))
				next_deadline = slots[i].deadline;
			pfd[np].fd = slots[i].fd;
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			np++;
		}
		if (next_deadline) {
			double ms = (next_deadline - tnow) * 1000.0 + 1;

			if (ms < timeout_ms)
				timeout_ms = ms < 0 ? 0 : (int)ms;
		}
		pr = poll(pfd, np, timeout_ms);
		if (pr < 0 && errno != EINTR) {
			rc = ha_err_sys(err, HA_ERR_IO, errno, "poll");
			break;
		}
		tnow = now();
		for (i = 0; i < jobs && !rc; i++) {
			struct slot *s = &slots[i];
			int eof = 0;

			if (!s->pid)
				continue;
			for (;;) {
				char buf[65536];
				ssize_t n = read(s->fd, buf, sizeof buf);

				if (n > 0) {
					ha_buf_add(&s->in, buf, (size_t)n);
					if (ha_buf_status(&s->in)) {
						/* A worker that floods us is killed. */
						kill(s->pid, SIGKILL);
						s->flooded = 1;
						ha_buf_truncate(&s->in, 0);
						s->in.failed = 0;
					}
					continue;
				}
				if (n == 0)
					eof = 1;
				else if (errno == EINTR)
					continue;
				break;
			}
			if (!eof && s->deadline && tnow >= s->deadline) {
				kill(s->pid, SIGKILL);
				s->timed_out = 1;
				eof = 1;
			}
			if (eof) {
				int retry = 0;
				size_t ti = s->task;

				rc = finish(s, tasks, fleet, o, fn, ctx, &retry, err);
				active--;
				if (retry)
					queue[--qhead] = ti; /* again, first in line */
			}
		}
	}
out:
	if (slots)
		kill_all(slots, jobs);
	if (tasks) {
		for (i = 0; i < ntodo; i++) {
			if (tasks[i].bad) {
				size_t k;

				for (k = 0; k < fleet->hosts[tasks[i].host].nfiles; k++)
					free(tasks[i].bad[k]);
				free(tasks[i].bad);
			}
		}
	}
	free(slots);
	free(pfd);
	free(tasks);
	free(queue);
	return rc;
}
