/* limits.c: the address-space limit of a worker process.
 *
 * A worker is forked from the scanning process and so starts with all of
 * its mappings: the program, and the shared libraries it links (libtsk
 * alone brings libstdc++, libewf, libvhdi and libvmdk, tens of megabytes
 * of address space before a hive is opened).  A limit given as an absolute
 * RLIMIT_AS would spend most of a small --worker-mem on those, so the limit
 * set here is what the process already maps plus the budget: --worker-mem
 * is what reading one host may add, whatever the build links. */
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ha_common.h"

/* The process's address-space size in bytes from /proc/self/statm (its
 * first field, in pages), or 0 when it cannot be read. */
static uint64_t mapped_now(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long pages = 0;
	long page = sysconf(_SC_PAGESIZE);
	char line[128];

	if (!f)
		return 0;
	if (fgets(line, sizeof line, f)) {
		const char *p = line;

		for (; *p >= '0' && *p <= '9'; p++)
			pages = pages * 10 + (unsigned long long)(*p - '0');
	}
	fclose(f);
	return page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

int ha_limit_address_space(uint64_t budget)
{
	struct rlimit rl;
	uint64_t base = mapped_now(), lim;

	if (budget == 0)
		return 0;
	lim = base > UINT64_MAX - budget ? UINT64_MAX : base + budget;
	rl.rlim_cur = rl.rlim_max = (rlim_t)lim;
	return setrlimit(RLIMIT_AS, &rl);
}
