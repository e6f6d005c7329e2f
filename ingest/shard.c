/* shard.c: which part of a split collection a host belongs to (scan --shard).
 *
 * N processes, possibly on N machines that mount the same collection at
 * different places, must agree on the split without talking to each other.
 * So a host's shard depends only on its folder's path relative to the PATH
 * argument it was found under (the mount point drops out), hashed with
 * SHA-256: stable across runs, machines, discovery order and fleet growth (a
 * host added to the collection does not move the others).  A host given as
 * the PATH itself is placed by its folder's name. */
#include <stdlib.h>
#include <string.h>

#include "ha_ingest.h"

/* Length of p without trailing slashes (but "/" stays "/"). */
static size_t trimmed(const char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		n--;
	return n;
}

const char *ha_shard_key(const char *dir, const char *const *paths, size_t npaths)
{
	const char *best = NULL, *base;
	size_t bestlen = 0, i;

	for (i = 0; i < npaths; i++) {
		size_t n = trimmed(paths[i]);

		if (n > bestlen && !strncmp(dir, paths[i], n) &&
		    (dir[n] == '/' || dir[n] == '\0') &&
		    !(n == 1 && paths[i][0] == '/' && dir[n] == '\0')) {
			best = dir + n;
			bestlen = n;
		}
	}
	while (best && *best == '/')
		best++;
	if (best && *best)
		return best;
	/* The PATH is the host folder (or a file in it): its own name. */
	base = dir + trimmed(dir);
	while (base > dir && base[-1] != '/')
		base--;
	return base;
}

int ha_shard_of(const char *key, unsigned n, unsigned *k, struct ha_err *err)
{
	char hex[65];
	uint64_t v = 0;
	int i, rc;

	if (n == 0)
		return ha_err_set(err, HA_ERR_USAGE, "a split into 0 shards");
	rc = ha_sha256_hex(key, strlen(key), hex, err);
	if (rc)
		return rc;
	for (i = 0; i < 16; i++) {
		char c = hex[i];

		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	*k = (unsigned)(v % n) + 1;
	return HA_OK;
}

int ha_fleet_shard(struct ha_fleet *fleet, const char *const *paths, size_t npaths, unsigned k,
                   unsigned n, struct ha_err *err)
{
	struct ha_fleet drop;
	size_t i, kept = 0, dropped = 0;
	struct ha_host_job *out;
	int rc = HA_OK;

	if (k < 1 || k > n)
		return ha_err_set(err, HA_ERR_USAGE, "shard %u/%u does not exist", k, n);
	memset(&drop, 0, sizeof drop);
	drop.hosts = calloc(fleet->nhosts ? fleet->nhosts : 1, sizeof *drop.hosts);
	out = calloc(fleet->nhosts ? fleet->nhosts : 1, sizeof *out);
	if (!drop.hosts || !out) {
		free(drop.hosts);
		free(out);
		return ha_err_nomem(err);
	}
	for (i = 0; i < fleet->nhosts; i++) {
		unsigned s = 0;

		rc = ha_shard_of(ha_shard_key(fleet->hosts[i].dir, paths, npaths), n, &s, err);
		if (rc)
			break;
		if (s == k)
			out[kept++] = fleet->hosts[i];
		else
			drop.hosts[dropped++] = fleet->hosts[i];
	}
	if (rc) {
		free(drop.hosts);
		free(out);
		return rc;
	}
	/* The other shards' hosts are freed the way the fleet frees its own. */
	drop.nhosts = dropped;
	ha_fleet_free(&drop);
	free(fleet->hosts);
	fleet->hosts = out;
	fleet->nhosts = kept;
	return HA_OK;
}
