/* A ustar writer into a strbuf (util/tar.h). */
#include "util/tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Offsets of the ustar header's fields (POSIX pax, "ustar Interchange Format"). */
enum {
	OFF_NAME = 0, OFF_MODE = 100, OFF_UID = 108, OFF_GID = 116, OFF_SIZE = 124,
	OFF_MTIME = 136, OFF_CHKSUM = 148, OFF_TYPE = 156, OFF_MAGIC = 257, OFF_VERSION = 263,
	OFF_UNAME = 265, OFF_GNAME = 297, OFF_PREFIX = 345,
};
#define NAME_MAX_USTAR 100
#define PREFIX_MAX 155

unsigned tar_header_checksum(const unsigned char header[TAR_BLOCK])
{
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += i >= OFF_CHKSUM && i < OFF_CHKSUM + 8 ? ' ' : header[i];
	return sum;
}

/* An octal number in a field of width bytes: width - 1 digits and a NUL. */
static void octal(unsigned char *field, size_t width, uint64_t value)
{
	char text[24];
	snprintf(text, sizeof(text), "%0*llo", (int)(width - 1), (unsigned long long)value);
	memcpy(field, text, width);
}

/* Split path into the name and prefix fields; a long path is split at a
 * slash, the part after it into name. */
static int set_path(unsigned char *h, const char *path)
{
	size_t len = strlen(path);
	if (len == 0)
		return -EINVAL;
	if (len <= NAME_MAX_USTAR) {
		memcpy(h + OFF_NAME, path, len);
		return 0;
	}
	/* Never at the last byte: a directory's trailing slash stays in name. */
	for (size_t cut = len - 1; cut-- > 0;) {
		if (path[cut] != '/')
			continue;
		if (len - cut - 1 > NAME_MAX_USTAR)
			return -ENAMETOOLONG;
		if (cut > PREFIX_MAX)
			continue;
		memcpy(h + OFF_PREFIX, path, cut);
		memcpy(h + OFF_NAME, path + cut + 1, len - cut - 1);
		return 0;
	}
	return -ENAMETOOLONG;
}

static int add_header(struct strbuf *out, const char *path, char type, unsigned mode,
		      uint64_t size, int64_t mtime)
{
	unsigned char h[TAR_BLOCK] = {0};
	int rc;
	if ((rc = set_path(h, path)))
		return rc;
	if (size >= 1ULL << 33)
		return -EFBIG;
	/* Before the epoch or past 11 octal digits: clamp, as a reader can show neither. */
	if (mtime < 0)
		mtime = 0;
	if (mtime > 077777777777LL)
		mtime = 077777777777LL;
	octal(h + OFF_MODE, 8, mode);
	octal(h + OFF_UID, 8, 0);
	octal(h + OFF_GID, 8, 0);
	octal(h + OFF_SIZE, 12, size);
	octal(h + OFF_MTIME, 12, (uint64_t)mtime);
	h[OFF_TYPE] = (unsigned char)type;
	memcpy(h + OFF_MAGIC, "ustar", 6);
	memcpy(h + OFF_VERSION, "00", 2);
	memcpy(h + OFF_UNAME, "root", 4);
	memcpy(h + OFF_GNAME, "root", 4);
	/* Six digits, a NUL and a space, as tar itself writes it. */
	snprintf((char *)h + OFF_CHKSUM, 8, "%06o", tar_header_checksum(h));
	h[OFF_CHKSUM + 7] = ' ';
	return strbuf_add(out, h, sizeof(h));
}

int tar_add_dir(struct strbuf *out, const char *path, int64_t mtime)
{
	char name[NAME_MAX_USTAR + PREFIX_MAX + 2];
	int n = snprintf(name, sizeof(name), "%s/", path);
	if (!*path)
		return -EINVAL;
	if (n < 0 || (size_t)n >= sizeof(name))
		return -ENAMETOOLONG;
	return add_header(out, name, '5', 0755, 0, mtime);
}

int tar_add_file(struct strbuf *out, const char *path, const void *data, size_t len,
		 int64_t mtime)
{
	static const unsigned char zeros[TAR_BLOCK];
	int rc;
	if ((rc = add_header(out, path, '0', 0644, len, mtime)))
		return rc;
	if (len)
		strbuf_add(out, data, len);
	if (len % TAR_BLOCK)
		strbuf_add(out, zeros, TAR_BLOCK - len % TAR_BLOCK);
	return strbuf_error(out);
}

int tar_finish(struct strbuf *out)
{
	static const unsigned char zeros[2 * TAR_BLOCK];
	return strbuf_add(out, zeros, sizeof(zeros));
}
