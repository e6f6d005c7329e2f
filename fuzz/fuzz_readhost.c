/* fuzz_readhost.c: the per-host snapshot reader on whole hive files:
 * ingest/read.c and ingest/registry.c, with hivex underneath, exactly as a
 * worker runs them (ha_read_host on a host job of one file), followed by
 * what the parent does with the result (encode, decode, facts, rules).
 *
 * CONTAINMENT.  This target runs the reader in the fuzzer's own process, so
 * it also finds faults inside libhivex itself (reference/hivex.md 5.3:
 * over-reads of undersized cells and of big-data segment lists).  In
 * production the same fault kills only a disposable worker process
 * (ingest/worker.c): the parent sees the signal, records the hive as
 * unreadable with "worker killed by signal N (...) while reading FILE",
 * reads the host again without that hive, and the run goes on.  So a
 * crash this target finds inside hivex is not fixed here: its input
 * becomes a regression test that scans it through the worker pool with
 * the built program (tests/test_damaged.c) and checks that containment.
 * A crash in our own code (read.c, registry.c, common/) is a bug to fix. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "ha_ingest.h"
#include "ha_rules.h"

static char dir[4096], hostdir[4200], path[4300];
static struct ha_ruleset *rules;
static struct ha_reqset req;

static void cleanup(void)
{
	unlink(path);
	rmdir(hostdir);
	rmdir(dir);
}

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	struct ha_err err;

	snprintf(dir, sizeof dir, "%s/ha-fuzz-readhost-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		fz_fail("cannot create a temporary folder");
	snprintf(hostdir, sizeof hostdir, "%s/FUZZHOST", dir);
	snprintf(path, sizeof path, "%s/hive", hostdir);
	if (mkdir(hostdir, 0700) != 0)
		fz_fail("cannot create the host folder");
	atexit(cleanup);
	ha_reqset_init(&req);
	if (ha_rules_new(&rules, &err) || ha_rules_load_builtin(rules, &err) ||
	    ha_rules_requests(rules, &req, &err))
		fz_fail(err.msg);
}

static void write_input(const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fz_fail("cannot write the hive file");
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			fz_fail("cannot write the hive file");
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_job_file jf;
	struct ha_host_job job;
	struct ha_read_opts ro;
	struct ha_snapshot s;
	struct ha_err err;
	size_t i;

	if (!rules)
		setup();
	write_input(data, size);
	memset(&jf, 0, sizeof jf);
	jf.path = path;
	jf.hint = HA_FK_UNKNOWN;
	jf.is_regf = size >= 4 && memcmp(data, "regf", 4) == 0;
	memset(&job, 0, sizeof job);
	job.label = (char *)"FUZZHOST";
	job.dir = hostdir;
	job.nfiles = 1;
	job.files = &jf;
	memset(&ro, 0, sizeof ro);

	ha_err_clear(&err);
	ha_snapshot_init(&s);
	/* Nothing a hive holds may make the reader fail: only allocation can. */
	if (ha_read_host(&job, &req, &ro, NULL, NULL, &s, &err) != HA_OK)
		fz_fail(err.msg);
	FZ_CHECK(s.nfiles == 1);
	FZ_CHECK(s.files[0].status >= 0 && s.files[0].status < HA_HS_COUNT);
	FZ_CHECK(s.files[0].reason && s.files[0].reason[0]);
	for (i = 0; i < s.nkeys; i++)
		FZ_CHECK(s.keys[i].state != HA_KEY_PRESENT || s.keys[i].ppath);
	fz_parent_side(rules, &s);
	ha_snapshot_free(&s);
	return 0;
}
