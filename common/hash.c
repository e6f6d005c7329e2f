/* hash.c: SHA-1 and SHA-256 through OpenSSL's libcrypto (never by hand). */
#include <openssl/evp.h>
#include <string.h>

#include "ha_common.h"

int ha_sha256_init(struct ha_sha256 *h, struct ha_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	h->ctx = ctx;
	if (!ctx)
		return ha_err_set(err, HA_ERR_NOMEM, "cannot allocate a SHA-256 context");
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		ha_sha256_abort(h);
		return ha_err_set(err, HA_ERR_CRYPTO, "SHA-256 initialisation failed");
	}
	return HA_OK;
}

int ha_sha256_update(struct ha_sha256 *h, const void *p, size_t n, struct ha_err *err)
{
	if (EVP_DigestUpdate(h->ctx, p, n) != 1)
		return ha_err_set(err, HA_ERR_CRYPTO, "SHA-256 update failed");
	return HA_OK;
}

int ha_sha256_final(struct ha_sha256 *h, char hex[65], struct ha_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32;

	ha_sha256_abort(h);
	if (!ok)
		return ha_err_set(err, HA_ERR_CRYPTO, "SHA-256 finalisation failed");
	ha_hex(md, 32, hex, 0);
	return HA_OK;
}

void ha_sha256_abort(struct ha_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int ha_sha256_hex(const void *p, size_t n, char hex[65], struct ha_err *err)
{
	struct ha_sha256 h;
	int rc;

	rc = ha_sha256_init(&h, err);
	if (rc)
		return rc;
	rc = ha_sha256_update(&h, p, n, err);
	if (rc) {
		ha_sha256_abort(&h);
		return rc;
	}
	return ha_sha256_final(&h, hex, err);
}

int ha_sha256_b64(const void *p, size_t n, char b64[45], struct ha_err *err)
{
	unsigned char md[32];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return ha_err_set(err, HA_ERR_CRYPTO, "SHA-256 failed");
	if (EVP_EncodeBlock((unsigned char *)b64, md, 32) != 44)
		return ha_err_set(err, HA_ERR_CRYPTO, "base64 encoding failed");
	return HA_OK;
}

int ha_sha1(const void *p, size_t n, uint8_t out[20], struct ha_err *err)
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, EVP_sha1(), NULL) != 1 || len != 20)
		return ha_err_set(err, HA_ERR_CRYPTO, "SHA-1 failed");
	return HA_OK;
}

void ha_hex(const uint8_t *p, size_t n, char *out, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}
