/*
 * uri.c - decoding and qualification of the paths the log names (protocol.md section 4.1).
 * Decoding happens once: hive partition directories are escaped by the writer and then
 * URI-encoded again, so `a%253Ab` in the log is the directory `a%3Ab` on disk.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "uri.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool uri_decode(const char *s, size_t n, char *out, size_t *outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				return false;
			int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || h + l == 0) /* %00 would cut the name short */
				return false;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*outlen = o;
	return true;
}

/* Length of a URI scheme followed by ':' at s, or 0 (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
static size_t scheme_len(const char *s, size_t n)
{
	if (!n || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (c == ':')
			return i;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '-' || c == '.'))
			return 0;
	}
	return 0;
}

bool uri_needs_normalise(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '/' && i + 1 < n && p[i + 1] == '/')
			return true;
		if (p[i] == '.' && (i == 0 || p[i - 1] == '/')) {
			size_t k = i + 1 < n && p[i + 1] == '.' ? i + 2 : i + 1; /* "." or ".." */
			if (k == n || p[k] == '/')
				return true;
		}
	}
	return false;
}

/*
 * Normalises path p in place as java.net.URI.normalize does for Hadoop's Path: redundant
 * slashes and "." segments dropped, a ".." taking the segment before it away (one with
 * none before it stays), a trailing slash kept.  False when no segment is left, so that
 * the caller keeps the path as it was.
 */
static bool normalise_path(char *p)
{
	size_t len = strlen(p);
	bool trail = len > 1 && p[len - 1] == '/';
	char *base = p + (p[0] == '/'), *o = base;
	const char *in = base;
	size_t nseg = 0, nup = 0; /* segments written, the leading ".." among them */
	while (*in) {
		const char *end = strchr(in, '/');
		size_t n = end ? (size_t)(end - in) : strlen(in);
		bool up = n == 2 && in[0] == '.' && in[1] == '.';
		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* an empty or "." segment */
		} else if (up && nseg > nup) {
			while (o > base && o[-1] != '/')
				o--;
			if (o > base)
				o--; /* the slash before the segment taken away */
			nseg--;
		} else {
			if (nseg)
				*o++ = '/';
			memmove(o, in, n);
			o += n;
			nseg++;
			nup += up;
		}
		in += n + (end ? 1 : 0);
	}
	if (trail && nseg)
		*o++ = '/';
	*o = '\0';
	return nseg > 0;
}

/* normalise_path, when p needs it and something is left (else p stays as it was). */
static void normalise(char *p)
{
	if (!uri_needs_normalise(p, strlen(p)))
		return;
	char *t = dq_strdup(p);
	if (t && normalise_path(t))
		strcpy(p, t); /* never longer */
	free(t);
}

bool uri_qualify(const char *root, const char *raw, size_t n, char **qualified)
{
	char *dec = malloc(n + 1);
	size_t dn;
	if (!dec)
		return false;
	if (!uri_decode(raw, n, dec, &dn)) {
		free(dec);
		return false;
	}
	size_t sl = scheme_len(raw, n);
	if (sl == 4 && !strncasecmp(raw, "file", 4)) {
		/* file:/a, file:///a and file://localhost/a are the local path /a. */
		const char *p = dec + 5;
		if (!strncmp(p, "//", 2)) {
			const char *slash = strchr(p + 2, '/');
			size_t host = slash ? (size_t)(slash - (p + 2)) : strlen(p + 2);
			if (host == 0 || (host == 9 && !strncmp(p + 2, "localhost", 9)))
				p = slash ? slash : "/";
			else
				p = NULL; /* file://host/x: keep the URI */
		}
		if (p) {
			char *q = dq_strdup(p);
			free(dec);
			if (q)
				normalise(q);
			*qualified = q;
			return q != NULL;
		}
		*qualified = dec;
		return true;
	}
	if (sl > 1 || dec[0] == '/') {
		/* another scheme (s3://, abfss://...) or an absolute local path: as decoded.
		 * A one-letter "scheme" is a Windows drive letter, which Spark also treats as a
		 * path; it falls through to the relative case like any name with a colon. */
		if (dec[0] == '/')
			normalise(dec);
		*qualified = dec;
		return true;
	}
	normalise(dec);
	dn = strlen(dec);
	size_t rl = strlen(root);
	char *q = malloc(rl + 1 + dn + 1);
	if (!q) {
		free(dec);
		return false;
	}
	memcpy(q, root, rl);
	q[rl] = '/';
	memcpy(q + rl + 1, dec, dn + 1);
	free(dec);
	*qualified = q;
	return true;
}

const char *uri_display(const char *root, const char *qualified)
{
	size_t rl = strlen(root);
	if (!strncmp(qualified, root, rl) && qualified[rl] == '/' && qualified[rl + 1])
		return qualified + rl + 1;
	return qualified;
}
