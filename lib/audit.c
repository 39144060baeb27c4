/*
 * audit.c - SHA-256 over a canonical, length-prefixed form of an audit
 * record. Length prefixes keep "ab"+"c" and "a"+"bc" apart.
 */
#include "audit.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* SHA-256 fetched once: EVP_sha256() in EVP_DigestInit_ex looks the
 * algorithm up again at every call (OpenSSL 3), a third of a hash's time */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* "LEN:" then the bytes; the length written by hand, since this runs for
 * every record tbm-collect receives */
static int
feed(EVP_MD_CTX *md, const char *s)
{
	char len[24], *p = len + sizeof(len);
	size_t n, l;

	if (s == NULL)
		s = "";
	n = l = strlen(s);
	*--p = ':';
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	if (EVP_DigestUpdate(md, p, (size_t)(len + sizeof(len) - p)) != 1 ||
	    EVP_DigestUpdate(md, s, l) != 1)
		return -1;
	return 0;
}

int
audit_hash(int64_t seq, int64_t at, int64_t fault_id, const char *action, const char *actor,
    const char *detail, const char *prev_hash, char out[AUDIT_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char nums[80];
	EVP_MD_CTX *md;
	int rc = -1;

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256 == NULL || (md = EVP_MD_CTX_new()) == NULL)
		return -1;
	snprintf(nums, sizeof(nums), "%" PRId64 "|%" PRId64 "|%" PRId64, seq, at, fault_id);
	if (EVP_DigestInit_ex(md, sha256, NULL) != 1 || feed(md, "tbmon-audit-1") ||
	    feed(md, nums) || feed(md, action) || feed(md, actor) || feed(md, detail) ||
	    feed(md, prev_hash) || EVP_DigestFinal_ex(md, dg, &dlen) != 1 || dlen != 32)
		goto out;
	for (unsigned int i = 0; i < dlen; i++) {
		out[2 * i] = hex[dg[i] >> 4];
		out[2 * i + 1] = hex[dg[i] & 15];
	}
	out[2 * dlen] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}
