/* time.c: FILETIME and ISO 8601 conversions. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ha_common.h"

/* Seconds between 1601-01-01 and 1970-01-01. */
#define EPOCH_DIFF 11644473600LL

int64_t ha_filetime_to_unix(int64_t ft)
{
	return ft / 10000000LL - EPOCH_DIFF;
}

void ha_unix_iso(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	/* Years 1601..9999 only: anything else is junk from a damaged cell. */
	if (t < -11644473600LL || t > 253402300799LL)
		return;
	if (!gmtime_r(&tt, &tm))
		return;
	{
		/* The range check above bounds every field; the wide buffer keeps
		 * the compiler's truncation analysis quiet without trusting it. */
		char tmp[96];

		snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		memcpy(out, tmp, 20);
		out[20] = '\0';
	}
}

void ha_filetime_iso(int64_t ft, char out[32])
{
	out[0] = '\0';
	if (ft <= 0)
		return;
	ha_unix_iso(ha_filetime_to_unix(ft), out);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int ha_parse_date(const char *s, int64_t *unix_out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t n = s ? strlen(s) : 0;
	time_t t;

	if (n != 10 && n != 20)
		return HA_ERR_FORMAT;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return HA_ERR_FORMAT;
	if (n == 20 &&
	    (s[10] != 'T' || digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	     s[16] != ':' || digits(s + 17, 2, &se) || s[19] != 'Z'))
		return HA_ERR_FORMAT;
	/* Unix time has no leap seconds: ":60" would silently become the next
	 * minute, so it is refused like any other second out of range. */
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return HA_ERR_FORMAT;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return HA_ERR_FORMAT;
	/* timegm normalises 2021-02-31 to March; refuse such dates. */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return HA_ERR_FORMAT;
	*unix_out = (int64_t)t;
	return HA_OK;
}
