/* container_image.c: disk images through The Sleuth Kit (its only home).
 *
 * Debian 12's libtsk 4.11 reads E01 (libewf; E02... found from the first
 * segment), raw and split raw (.001 finds the rest), VHD and VHDX
 * (libvhdi), VMDK (libvmdk); partitions from GPT or MBR, or a bare volume.
 * Every NTFS volume holding Windows/System32/config/SYSTEM or SOFTWARE is a
 * host.  Only the hive files and their logs are read, through the file
 * system's own run lists (tsk_fs_file_read), so a 50 GB image costs the
 * clusters of a few files, not a pass over the image.
 *
 * What is refused, and said: a BitLocker volume ("-FVE-FS-" boot sector;
 * there is no libbde here), a deleted file that a name lookup can still
 * reach (TSK returns unallocated entries; only allocated ones count),
 * alternate data streams (never asked for: names come from us, and
 * tsk_fs_file_read reads the unnamed $DATA), a file larger than the member
 * limit.  Lookups are by path, never a recursive walk, so a directory index
 * with loops cannot make us loop; and the folders on the way to the hives
 * must each be a new MFT record (path_loops), so an index entry that points
 * back at an ancestor is said rather than read through. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tsk/libtsk.h>

#include "container.h"

#define MAX_VOLUMES 128

static const char *const hive_names[] = {"SYSTEM", "SOFTWARE"};
static const char *const log_suffixes[] = {".LOG1", ".LOG2", ".LOG"};
static const char *const win_dirs[] = {"Windows", "WINNT"};

static void tsk_why(char *why, size_t wl, const char *what)
{
	const char *m = tsk_error_get();

	snprintf(why, wl, "%s%s%.300s", what, m ? ": " : "", m ? m : "");
	/* TSK's messages span lines; a reason is one line. */
	for (char *p = why; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	tsk_error_reset();
}

/* The image format from its first (and, for a fixed VHD, last) bytes.
 * Naming it saves libtsk's detection, which tries every format in turn
 * and leaks the handles of the ones that refuse (libvhdi, libvmdk). */
static TSK_IMG_TYPE_ENUM image_type(const char *path)
{
	uint8_t h[512];
	ssize_t n;
	off_t end;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	TSK_IMG_TYPE_ENUM t = TSK_IMG_TYPE_RAW;

	if (fd < 0)
		return TSK_IMG_TYPE_DETECT;
	n = pread(fd, h, sizeof h, 0);
	if (n >= 8 && !memcmp(h, "EVF\x09\x0D\x0A\xFF\x00", 8))
		t = TSK_IMG_TYPE_EWF_EWF;
	else if (n >= 21 && (!memcmp(h, "KDMV", 4) || !memcmp(h, "# Disk DescriptorFile", 21)))
		t = TSK_IMG_TYPE_VMDK_VMDK;
	else if ((n >= 8 && (!memcmp(h, "vhdxfile", 8) || !memcmp(h, "conectix", 8))) ||
	         /* a fixed VHD: the footer only */
	         ((end = lseek(fd, 0, SEEK_END)) >= 512 &&
	          pread(fd, h, sizeof h, end - 512) == (ssize_t)sizeof h &&
	          !memcmp(h, "conectix", 8)))
		t = TSK_IMG_TYPE_VHD_VHD;
	close(fd);
	return t;
}

static TSK_IMG_INFO *open_image(const char *file, int fd, char *why, size_t wl)
{
	char pp[64];
	const char *path = file;
	TSK_IMG_INFO *img;

	if (fd >= 0) {
		snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
		path = pp;
	}
	tsk_error_reset();
	img = tsk_img_open_utf8(1, &path, image_type(path), 0);
	if (!img)
		tsk_why(why, wl,
		        "not a readable disk image (a segment missing, truncated, or an "
		        "unknown format)");
	return img;
}

/* The first bytes of a file in fs, allocated and regular; 0 when there is
 * none (a lookup miss, a deleted entry, a folder). */
static TSK_FS_FILE *open_alloc(TSK_FS_INFO *fs, const char *path)
{
	TSK_FS_FILE *f = tsk_fs_file_open(fs, NULL, path);

	if (!f)
		return NULL;
	if (!f->meta || !(f->meta->flags & TSK_FS_META_FLAG_ALLOC) ||
	    f->meta->type != TSK_FS_META_TYPE_REG) {
		tsk_fs_file_close(f);
		return NULL;
	}
	return f;
}

/* EWF segments: FILE.E01, .E02, ... .E99 (then .EAA..., not handled: a
 * 99-segment image is checked up to there).  libewf reads a set with a
 * missing segment as if the missing part were there, so the set is checked
 * first: no gap in the numbers, and the last segment ends with the "done"
 * section (every other one ends with "next").
 *
 *   segment file:  8-byte signature "EVF\x09\x0d\x0a\xff\x00", u8 1,
 *                  u16 segment number, u16 0; sections from offset 13
 *   section:       type[16] (NUL-padded), u64 next (absolute offset; the
 *                  last section points at itself), u64 size, 40 bytes,
 *                  u32 checksum: 76 bytes */
static int ewf_segments(const char *file, char *why, size_t wl)
{
	static const uint8_t sig[8] = {'E', 'V', 'F', 0x09, 0x0D, 0x0A, 0xFF, 0x00};
	size_t n = strlen(file), k;
	char *name;
	unsigned last = 0, seg;
	uint8_t hd[76];
	uint64_t off = 13;
	int fd, sections;

	if (n < 4 || file[n - 4] != '.' || (file[n - 3] != 'E' && file[n - 3] != 'e') ||
	    file[n - 2] != '0' || file[n - 1] != '1')
		return 0; /* not named like a first segment: libewf decides */
	name = ha_strdup(file);
	if (!name)
		return 0;
	for (seg = 1; seg <= 99; seg++) {
		name[n - 2] = (char)('0' + seg / 10);
		name[n - 1] = (char)('0' + seg % 10);
		if (access(name, F_OK) != 0)
			break;
		last = seg;
	}
	for (k = last + 1; k <= 99 && k <= last + 8; k++) {
		name[n - 2] = (char)('0' + k / 10);
		name[n - 1] = (char)('0' + k % 10);
		if (access(name, F_OK) == 0) {
			snprintf(why, wl, "segment .%c%02u is missing (.%c%02zu exists)",
			         file[n - 3], last + 1, file[n - 3], k);
			free(name);
			return -1;
		}
	}
	name[n - 2] = (char)('0' + last / 10);
	name[n - 1] = (char)('0' + last % 10);
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	free(name);
	if (fd < 0)
		return 0;
	if (pread(fd, hd, 13, 0) != 13 || memcmp(hd, sig, 8) || ha_le16(hd + 9) != last) {
		close(fd);
		snprintf(why, wl, "segment %u does not carry its own number (a renamed segment?)",
		         last);
		return -1;
	}
	for (sections = 0; sections < 100000; sections++) {
		uint64_t next;

		if (pread(fd, hd, sizeof hd, (off_t)off) != (ssize_t)sizeof hd) {
			close(fd);
			snprintf(why, wl, "segment %u is truncated (its sections end early)", last);
			return -1;
		}
		next = ha_le64(hd + 16);
		if (!strncmp((const char *)hd, "done", 16)) {
			close(fd);
			return 0;
		}
		if (!strncmp((const char *)hd, "next", 16)) {
			close(fd);
			snprintf(why, wl, "the image continues in segment %u, which is missing",
			         last + 1);
			return -1;
		}
		if (next <= off)
			break;
		off = next;
	}
	close(fd);
	snprintf(why, wl, "segment %u has no closing section (damaged)", last);
	return -1;
}

static int bitlocker(const uint8_t *s)
{
	return !memcmp(s + 3, "-FVE-FS-", 8);
}

struct vol {
	uint64_t offset; /* bytes */
	char *shown;     /* "CASE7.E01 › partition 2 (NTFS)" */
	struct ha_clist l;
	char *problem; /* what is wrong with the volume's folders, or NULL */
};

/* 1 (with why) when a folder on the way from the root to
 * /WIN/System32/config is the MFT record of the root or of a folder above
 * it: an index entry pointing back at an ancestor, a loop in the
 * directory index.  The path is three levels deep, so the records seen are
 * at most four. */
static int path_loops(TSK_FS_INFO *fs, const char *win, char *why, size_t wl)
{
	const char *const comp[] = {win, "System32", "config"};
	TSK_INUM_T seen[4];
	char path[4][64];
	size_t i, j;

	seen[0] = fs->root_inum;
	snprintf(path[0], sizeof path[0], "/");
	for (i = 0; i < 3; i++) {
		TSK_INUM_T ino;

		if (snprintf(path[i + 1], sizeof path[i + 1], "%s/%s", i ? path[i] : "", comp[i]) >=
		    (int)sizeof path[i + 1])
			return 0; /* a name longer than the ones looked for */
		if (tsk_fs_path2inum(fs, path[i + 1], &ino, NULL) != 0) {
			tsk_error_reset();
			return 0; /* not there: the lookups below find nothing either */
		}
		for (j = 0; j <= i; j++)
			if (seen[j] == ino) {
				snprintf(why, wl,
				         "the directory index loops: %s is MFT record %llu, the "
				         "same as %s; the hives below it are not read",
				         path[i + 1], (unsigned long long)ino, path[j]);
				return 1;
			}
		seen[i + 1] = ino;
	}
	return 0;
}

/* Lists the hive files of one NTFS volume into v->l. */
static int list_volume(TSK_FS_INFO *fs, struct vol *v)
{
	size_t w, h, s;

	for (w = 0; w < sizeof win_dirs / sizeof win_dirs[0]; w++) {
		int found = 0;
		char why[300];

		if (path_loops(fs, win_dirs[w], why, sizeof why)) {
			if (!v->problem && !(v->problem = ha_strdup(why)))
				return HA_ERR_NOMEM;
			continue;
		}

		for (h = 0; h < sizeof hive_names / sizeof hive_names[0]; h++) {
			char path[128];
			TSK_FS_FILE *f;

			for (s = 0; s <= sizeof log_suffixes / sizeof log_suffixes[0]; s++) {
				struct ha_centry *ce;
				uint8_t head[4096];
				ssize_t got;

				snprintf(path, sizeof path, "/%s/System32/config/%s%s", win_dirs[w],
				         hive_names[h], s ? log_suffixes[s - 1] : "");
				f = open_alloc(fs, path);
				tsk_error_reset();
				if (!f)
					continue;
				ce = ha_clist_add(&v->l, path + 1);
				if (!ce) {
					tsk_fs_file_close(f);
					return HA_ERR_NOMEM;
				}
				ce->size = f->meta->size > 0 ? (uint64_t)f->meta->size : 0;
				got = tsk_fs_file_read(f, 0, (char *)head, sizeof head,
				                       TSK_FS_FILE_READ_FLAG_NONE);
				tsk_error_reset();
				if (got >= 4 && !memcmp(head, "regf", 4)) {
					struct ha_baseblock bb;

					ce->is_regf = 1;
					if (got == (ssize_t)sizeof head &&
					    ha_baseblock_parse(head, sizeof head, &bb) == HA_OK) {
						ce->bb_log = ha_bb_is_log(&bb);
						ce->bb_kind =
						        ha_kind_from_name(ha_bb_name_tail(&bb));
					}
				} else if (got < 0 && !s) {
					ce->problem =
					        ha_strdup("the file's clusters cannot be read "
					                  "(truncated image?)");
					if (!ce->problem) {
						tsk_fs_file_close(f);
						return HA_ERR_NOMEM;
					}
				}
				if (!s)
					found = 1;
				tsk_fs_file_close(f);
			}
		}
		if (found)
			break;
	}
	return HA_OK;
}

static int vol_note(struct ha_fleet *fleet, struct ha_err *err, const char *shown, size_t k,
                    const char *what)
{
	return ha_fleet_note(fleet, err, "%s%spartition %zu: %s", shown, HA_CONT_SEP, k, what);
}

int ha_image_discover(const char *file, const char *const *chain, size_t nchain, int fd,
                      const char *shown, const char *label, struct ha_fleet *fleet,
                      struct ha_err *err)
{
	struct vol vols[MAX_VOLUMES];
	size_t nv = 0, i, withhosts = 0;
	char why[512];
	TSK_IMG_INFO *img;
	TSK_VS_INFO *vs;
	int rc = HA_OK;

	if (!nchain && ewf_segments(file, why, sizeof why))
		return ha_fleet_note(fleet, err, "%s: %s; not read", shown, why);
	img = open_image(file, nchain ? fd : -1, why, sizeof why);
	if (!img)
		return ha_fleet_note(fleet, err, "%s: %s", shown, why);
	memset(vols, 0, sizeof vols);
	/* Only what Windows disks use: GPT first (its protective MBR would
	 * also read as DOS), then MBR; and only NTFS below.  Naming them
	 * keeps libtsk's other parsers (BSD, Sun, Mac labels; HFS, ISO 9660,
	 * ext, ...) away from hostile bytes, and some of them leak on
	 * refusal. */
	vs = tsk_vs_open(img, 0, TSK_VS_TYPE_GPT);
	tsk_error_reset();
	if (!vs)
		vs = tsk_vs_open(img, 0, TSK_VS_TYPE_DOS);
	tsk_error_reset();
	if (vs) {
		TSK_PNUM_T p;
		size_t k = 0;

		for (p = 0; p < vs->part_count && !rc && nv < MAX_VOLUMES; p++) {
			const TSK_VS_PART_INFO *part = tsk_vs_part_get(vs, p);
			TSK_FS_INFO *fs;
			uint8_t sec[512];

			if (!part || !(part->flags & TSK_VS_PART_FLAG_ALLOC))
				continue;
			k++;
			/* BitLocker first: its volume header can pass for NTFS. */
			if (tsk_vs_part_read(part, 0, (char *)sec, sizeof sec) == sizeof sec &&
			    bitlocker(sec)) {
				rc = vol_note(fleet, err, shown, k,
				              "a BitLocker volume, which cannot be read here (no "
				              "BitLocker support); its hives are not audited");
				continue;
			}
			tsk_error_reset();
			fs = tsk_fs_open_vol(part, TSK_FS_TYPE_NTFS_DETECT);
			if (!fs) {
				tsk_error_reset();
				continue;
			}
			if (TSK_FS_TYPE_ISNTFS(fs->ftype)) {
				struct vol *v = &vols[nv++];

				v->offset = (uint64_t)part->start * vs->block_size;
				v->shown = ha_asprintf("%s%spartition %zu (NTFS)", shown,
				                       HA_CONT_SEP, k);
				rc = v->shown ? list_volume(fs, v) : HA_ERR_NOMEM;
			}
			tsk_fs_close(fs);
		}
		tsk_vs_close(vs);
	} else {
		uint8_t sec[512];
		TSK_FS_INFO *fs = NULL;
		int bl = tsk_img_read(img, 0, (char *)sec, sizeof sec) == sizeof sec &&
		         bitlocker(sec);

		if (bl)
			rc = ha_fleet_note(fleet, err,
			                   "%s: a BitLocker volume, which cannot be read "
			                   "here (no BitLocker support); its hives are not audited",
			                   shown);
		else
			fs = tsk_fs_open_img(img, 0, TSK_FS_TYPE_NTFS_DETECT);
		if (bl) {
			/* noted */
		} else if (!fs) {
			tsk_why(why, sizeof why,
			        "neither a GPT or MBR partition table nor an NTFS volume "
			        "recognised");
			rc = ha_fleet_note(fleet, err, "%s: %s", shown, why);
		} else {
			if (TSK_FS_TYPE_ISNTFS(fs->ftype)) {
				struct vol *v = &vols[nv++];

				v->offset = 0;
				v->shown = ha_asprintf("%s%svolume (NTFS)", shown, HA_CONT_SEP);
				rc = v->shown ? list_volume(fs, v) : HA_ERR_NOMEM;
			} else {
				rc = ha_fleet_note(fleet, err,
				                   "%s: a %s volume, not NTFS: no Windows "
				                   "hives",
				                   shown, tsk_fs_type_toname(fs->ftype));
			}
			tsk_fs_close(fs);
		}
	}
	tsk_img_close(img);
	for (i = 0; i < nv; i++)
		if (vols[i].l.n)
			withhosts++;
	for (i = 0; i < nv && !rc; i++) {
		size_t before = fleet->nhosts, h;
		char *lab;

		if (vols[i].problem) {
			rc = ha_fleet_note(fleet, err, "%s: %s", vols[i].shown, vols[i].problem);
			if (rc || !vols[i].l.n)
				continue;
		}
		if (!vols[i].l.n) {
			rc = ha_fleet_note(fleet, err,
			                   "%s: no Windows/System32/config/SYSTEM or "
			                   "SOFTWARE on this volume",
			                   vols[i].shown);
			continue;
		}
		/* Two Windows volumes in one image are two hosts. */
		lab = withhosts > 1 ? ha_asprintf("%s-%zu", label, i + 1) : ha_strdup(label);
		rc = lab ? ha_container_add_hosts(file, chain, nchain, vols[i].shown, "/", lab,
		                                  &vols[i].l, fleet, err)
		         : ha_err_nomem(err);
		free(lab);
		for (h = before; h < fleet->nhosts && !rc; h++) {
			struct ha_container_job *cj = fleet->hosts[h].container;

			cj->final = HA_CJ_IMAGE;
			cj->vol_offset = vols[i].offset;
		}
	}
	for (i = 0; i < nv; i++) {
		free(vols[i].shown);
		free(vols[i].problem);
		ha_clist_free(&vols[i].l);
	}
	return rc;
}

int ha_image_segments(const char *path, char ***seg, size_t *n)
{
	char why[512];
	TSK_IMG_INFO *img = open_image(path, -1, why, sizeof why);
	size_t k, m = img && img->num_img > 0 && img->images ? (size_t)img->num_img : 1;
	char **v = calloc(m, sizeof *v);

	*seg = NULL;
	*n = 0;
	for (k = 0; v && k < m; k++) {
		v[k] = ha_strdup(img && m > 1 ? img->images[k] : path);
		if (!v[k]) {
			while (k)
				free(v[--k]);
			free(v);
			v = NULL;
		}
	}
	if (img)
		tsk_img_close(img);
	if (!v)
		return HA_ERR_NOMEM;
	*seg = v;
	*n = m;
	return HA_OK;
}

/* The media MD5 an EWF image records in its hash section, as libtsk's
 * image description shows it ("MD5 hash of data:"); 0 when there is none. */
static int ewf_recorded_md5(TSK_IMG_INFO *img, char md5[33])
{
	char *text = NULL, *p;
	size_t len = 0, i;
	FILE *f;

	md5[0] = '\0';
	if (img->itype != TSK_IMG_TYPE_EWF_EWF || !img->imgstat)
		return 0;
	f = open_memstream(&text, &len);
	if (!f)
		return 0;
	img->imgstat(img, f);
	fclose(f);
	p = text ? strstr(text, "MD5 hash of data:") : NULL;
	if (p) {
		p += strlen("MD5 hash of data:");
		while (*p == ' ' || *p == '\t')
			p++;
		for (i = 0;
		     i < 32 && ((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		                (p[i] >= 'A' && p[i] <= 'F'));
		     i++)
			md5[i] = (char)(p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 'a' : p[i]);
		md5[i == 32 ? 32 : 0] = '\0';
	}
	free(text);
	return md5[0] != '\0';
}

int ha_image_media_check(const char *path, uint64_t cap, struct ha_fleet *fleet, struct ha_err *err)
{
	static uint8_t buf[1 << 20];
	char why[512], rec[33], got[33];
	unsigned char d[16];
	TSK_IMG_INFO *img = open_image(path, -1, why, sizeof why);
	TSK_MD5_CTX md;
	TSK_OFF_T off = 0;
	size_t i;
	int rc;

	if (!img)
		return HA_OK; /* the listing says why it cannot be read */
	if (!ewf_recorded_md5(img, rec)) {
		tsk_img_close(img);
		return HA_OK;
	}
	if ((uint64_t)img->size > cap) {
		rc = ha_fleet_note(fleet, err,
		                   "%s: the image records the media's MD5 %s; not checked (the "
		                   "media, %llu MiB, is over the %llu MiB hashing limit; "
		                   "ewfverify checks it)",
		                   path, rec, (unsigned long long)((uint64_t)img->size >> 20),
		                   (unsigned long long)(cap >> 20));
		tsk_img_close(img);
		return rc;
	}
	TSK_MD5_Init(&md);
	while (off < img->size) {
		size_t want = (size_t)(img->size - off) < sizeof buf ? (size_t)(img->size - off)
		                                                     : sizeof buf;
		ssize_t r = tsk_img_read(img, off, (char *)buf, want);

		if (r <= 0)
			break;
		TSK_MD5_Update(&md, buf, (unsigned int)r);
		off += r;
	}
	if (off < img->size) {
		tsk_why(why, sizeof why, "cannot be read");
		rc = ha_fleet_note(fleet, err,
		                   "%s: the image records the media's MD5 %s; not checked: the "
		                   "media %s after %lld bytes",
		                   path, rec, why, (long long)off);
		tsk_img_close(img);
		return rc;
	}
	tsk_img_close(img);
	TSK_MD5_Final(d, &md);
	for (i = 0; i < 16; i++)
		snprintf(got + 2 * i, 3, "%02x", d[i]);
	if (!strcmp(got, rec))
		return ha_fleet_note(fleet, err,
		                     "%s: the media's MD5 %s, read through the image, matches the "
		                     "MD5 the image records",
		                     path, got);
	return ha_fleet_note(fleet, err,
	                     "%s: MD5 MISMATCH: the image records the media's MD5 %s, the media "
	                     "read through it hashes to %s: damaged or changed after acquisition",
	                     path, rec, got);
}

int ha_image_stage(const struct ha_container_job *cj, int fd, char **why, struct ha_err *err)
{
	const struct ha_container_opts *o = ha_container_opts_get();
	static uint8_t buf[1 << 16];
	char msg[512];
	TSK_IMG_INFO *img;
	TSK_FS_INFO *fs;
	size_t i;
	int rc = HA_OK;

	img = open_image(cj->file, fd, msg, sizeof msg);
	if (!img) {
		for (i = 0; i < cj->nmembers; i++)
			if (!why[i] && !(why[i] = ha_strdup(msg)))
				return ha_err_nomem(err);
		return HA_OK;
	}
	fs = tsk_fs_open_img(img, (TSK_OFF_T)cj->vol_offset, TSK_FS_TYPE_NTFS_DETECT);
	if (!fs)
		tsk_why(msg, sizeof msg, "the NTFS volume cannot be opened");
	for (i = 0; i < cj->nmembers && !rc; i++) {
		TSK_FS_FILE *f;
		TSK_OFF_T off = 0, size;
		int mfd;

		if (why[i])
			continue;
		if (!fs) {
			why[i] = ha_strdup(msg);
		} else if (!(f = open_alloc(fs, cj->inner[i]))) {
			tsk_why(msg, sizeof msg, "no longer found as an allocated file");
			why[i] = ha_strdup(msg);
		} else if ((size = f->meta->size) < 0 || (uint64_t)size > o->max_member) {
			why[i] = ha_asprintf(
			        "%lld bytes, larger than the %llu MiB limit for one member",
			        (long long)size, (unsigned long long)(o->max_member >> 20));
			tsk_fs_file_close(f);
		} else if ((mfd = memfd_create("hiveaudit-member", MFD_CLOEXEC)) < 0) {
			why[i] = ha_asprintf("cannot make a memory file: %s", strerror(errno));
			tsk_fs_file_close(f);
		} else {
			/* Hashed as it is copied: the reader does not hash it
			 * again (not with --hash none). */
			struct ha_sha256 sh;
			struct ha_err he;
			char hex[65] = "";
			int hashing;

			ha_err_clear(&he);
			hashing = !o->no_hash && ha_sha256_init(&sh, &he) == HA_OK;

			while (off < size) {
				size_t want = (size_t)(size - off) < sizeof buf
				                      ? (size_t)(size - off)
				                      : sizeof buf;
				ssize_t got = tsk_fs_file_read(f, off, (char *)buf, want,
				                               TSK_FS_FILE_READ_FLAG_NONE);

				if (got <= 0 || write(mfd, buf, (size_t)got) != got)
					break;
				if (hashing &&
				    ha_sha256_update(&sh, buf, (size_t)got, &he) != HA_OK) {
					ha_sha256_abort(&sh);
					hashing = 0; /* the reader hashes it then */
				}
				off += got;
			}
			tsk_fs_file_close(f);
			if (hashing && (off < size || ha_sha256_final(&sh, hex, &he) != HA_OK)) {
				if (off < size)
					ha_sha256_abort(&sh);
				hex[0] = '\0';
			}
			if (off < size) {
				tsk_why(msg, sizeof msg,
				        "its clusters cannot be read (truncated image?)");
				why[i] = ha_strdup(msg);
				close(mfd);
			} else if ((rc = ha_member_register(cj->display[i], mfd, hex)) == HA_OK) {
				why[i] = ha_strdup("");
			}
		}
		if (!rc && !why[i])
			rc = HA_ERR_NOMEM;
	}
	if (fs)
		tsk_fs_close(fs);
	tsk_img_close(img);
	return rc ? ha_err_nomem(err) : HA_OK;
}
