/* fuzz_image.c: a disk image with a damaged partition table or file system
 * (ingest/container_image.c, libtsk).
 *
 * The input becomes a memory file and is listed as an image met inside an
 * archive is: libtsk reads the partition table (GPT, MBR) or a bare
 * volume, every NTFS volume is searched for the hives, and the hosts and
 * notes are built.  The checks: listing never fails on content (only
 * allocation can), every host it makes names the volume it came from, and
 * every host has at least one file. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "container.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t n)
{
	const char *chain[] = {"fuzz.img"};
	struct ha_fleet fleet;
	struct ha_err err;
	size_t i;
	int fd, rc;

	fd = memfd_create("fuzz-image", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (n && write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return 0;
	}
	memset(&fleet, 0, sizeof fleet);
	ha_err_clear(&err);
	rc = ha_image_discover("fuzz.zip", chain, 1, fd, "fuzz.zip", "fuzz", &fleet, &err);
	FZ_CHECK(rc == HA_OK || rc == HA_ERR_NOMEM);
	for (i = 0; i < fleet.nhosts; i++) {
		FZ_CHECK(fleet.hosts[i].nfiles > 0);
		FZ_CHECK(strstr(fleet.hosts[i].dir, "(NTFS)") != NULL);
		FZ_CHECK(fleet.hosts[i].container &&
		         fleet.hosts[i].container->final == HA_CJ_IMAGE);
	}
	ha_fleet_free(&fleet);
	close(fd);
	return 0;
}
