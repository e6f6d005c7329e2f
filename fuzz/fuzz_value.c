/* fuzz_value.c: the value decoders and the evidence renderer
 * (snapshot/snapshot.c: ha_value_dword, _qword, _string, ha_value_render),
 * and the subkey-name matcher used for update packages.
 *
 * Input: u32 type, u8 flags, then the value's data.  Flag bit 0 gives the
 * value a read error instead of data; bit 1 splits the data at its first
 * NUL into a match pattern and a subkey name for ha_subkey_matches. */
#include <string.h>

#include "fuzz.h"
#include "ha_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ha_value v;
	uint32_t d;
	uint64_t q;
	char tn[24], *r, *s = NULL;
	uint8_t flags;

	if (size < 5)
		return 0;
	memset(&v, 0, sizeof v);
	v.name = (char *)"";
	v.type = ha_le32(data);
	flags = data[4];
	v.len = (uint32_t)(size - 5);
	/* A private copy, so that reading past the data is caught. */
	v.data = v.len ? malloc(v.len) : NULL;
	if (v.len && !v.data)
		abort();
	if (v.len)
		memcpy(v.data, data + 5, v.len);
	if (flags & 1)
		v.error = (char *)"value data unreadable: Bad address";

	FZ_CHECK(ha_reg_type_name(v.type, tn) != NULL);
	if (ha_value_dword(&v, &d) == HA_OK)
		FZ_CHECK(!v.error && v.len >= 4);
	if (ha_value_qword(&v, &q) == HA_OK)
		FZ_CHECK(!v.error && v.len >= 8 && v.type == HA_REG_QWORD);
	if (ha_value_string(&v, &s) == HA_OK) {
		FZ_CHECK(s != NULL);
		FZ_CHECK(ha_utf8_valid(s, strlen(s)));
		free(s);
	}
	r = ha_value_render(&v);
	FZ_CHECK(r != NULL);
	{
		/* UTF-8, but for U+0000 inside string data, carried as C0 80 */
		char *p;

		for (p = strstr(r, "\xC0\x80"); p; p = strstr(p, "\xC0\x80"))
			p[0] = p[1] = ' ';
		FZ_CHECK(ha_utf8_valid(r, strlen(r)));
	}
	free(r);

	if (flags & 2) {
		char *m = malloc(v.len + 2);

		if (!m)
			abort();
		if (v.len)
			memcpy(m, v.data, v.len);
		m[v.len] = m[v.len + 1] = '\0';
		(void)ha_subkey_matches(m, m + strlen(m) + 1);
		free(m);
	}
	free(v.data);
	return 0;
}
