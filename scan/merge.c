/* merge.c: `hiveaudit merge` as a library call: one run, and its reports,
 * from the stores of a sharded scan.
 *
 * The output folder is taken as a scan takes it (scan/lock.c: its lock,
 * its store, the repair of a killed run), so a merge and a scan never write
 * one store at once; the rows are copied by ha_store_merge() (store/merge.c
 * says how), and the reports come from the store alone, as after a scan. */
#include <string.h>

#include "scan_internal.h"

static int count_host(void *ctx, const struct ha_host_row *h)
{
	struct ha_scan_result *r = ctx;

	r->hosts++;
	switch (h->verdict) {
	case HA_READY: r->ready++; break;
	case HA_NOT_READY: r->not_ready++; break;
	case HA_READY_WITH_WAIVERS: r->ready_with_waivers++; break;
	default: r->unknown++; break;
	}
	return 0;
}

int ha_scan_merge(const struct ha_scan_merge_opts *o, struct ha_scan_result *res,
                  struct ha_err *err)
{
	struct ha_merge_opts mo = {o->command, o->allow_partial};
	struct ha_merge_result mr;
	struct scan_folder folder;
	int rc;

	memset(res, 0, sizeof *res);
	memset(&folder, 0, sizeof folder);
	folder.lockfd = -1;
	rc = scan_folder_open(o->out, &folder, err);
	if (rc)
		return rc;
	rc = ha_store_merge(folder.st, o->stores, o->nstores, &mo, &mr, err);
	if (!rc) {
		res->state = HA_SCAN_COMPLETE;
		res->run_id = mr.run_id;
		res->hosts_found = (size_t)mr.hosts;
		rc = ha_store_each_host(folder.st, mr.run_id, NULL, count_host, res, err);
	}
	if (!rc)
		rc = ha_store_unwaived_fails(folder.st, mr.run_id, &res->fails, err);
	if (!rc && o->stop && *o->stop)
		rc = ha_err_set(err, HA_ERR_INTERRUPTED, "interrupted");
	if (!rc) {
		rc = ha_report_write_all(folder.st, mr.run_id, o->out, o->formats, o->stop, err);
		res->reports_written = rc == HA_OK;
	}
	scan_folder_close(&folder);
	return rc;
}
