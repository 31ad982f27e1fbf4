/*
 * src.c - the byte source under every reader: a file descriptor or a memory
 * buffer, decompressed on the fly when the first bytes carry the magic of
 * gzip (1f 8b), bzip2 ("BZh"), xz (fd 37 7a 58 5a 00) or zstd (28 b5 2f fd).
 * Concatenated members/streams/frames are read one after another, as the
 * command-line tools do. It does not interpret the decoded bytes.
 */
#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "read/read.h"

#define RAW_CAP (256u * 1024u)

enum codec { C_NONE, C_GZIP, C_BZIP2, C_XZ, C_ZSTD, C_COMPRESS };

struct vgi_src {
	int fd, own_fd;
	const uint8_t *mem; /* memory source */
	size_t mem_len;

	uint8_t *raw;       /* raw input buffer (fd sources) */
	size_t raw_pos, raw_len;
	int raw_eof;
	uint64_t bytes_in;

	enum codec codec;
	int stream_end;     /* the current member ended */
	z_stream z;
	bz_stream bz;
	lzma_stream xz;
	ZSTD_DStream *zs;
};

static const char *const codec_names[] = {"none", "gzip", "bzip2", "xz", "zstd",
					  "compress"};

const char *vgi_src_compression(const struct vgi_src *s)
{
	return codec_names[s->codec];
}

uint64_t vgi_src_bytes_in(const struct vgi_src *s)
{
	return s->bytes_in;
}

/* One read(2) of up to n bytes from the descriptor, EINTR retried: the
 * count (0 sets raw_eof), or -1 with the reason in err. */
static ssize_t read_once(struct vgi_src *s, void *dst, size_t n, char *err)
{
	ssize_t got;
	while ((got = read(s->fd, dst, n)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		vgi_errf(err, "read error: %s", strerror(errno));
		return -1;
	}
	if (got == 0)
		s->raw_eof = 1;
	s->bytes_in += (uint64_t)got;
	return got;
}

/* Refills the raw buffer (keeps unread bytes). 0 ok, -1 error. */
static int raw_fill(struct vgi_src *s, char *err)
{
	ssize_t got;
	if (s->mem) {
		if (!s->raw) {
			s->raw = (uint8_t *)s->mem; /* read-only use */
			s->raw_len = s->mem_len;
			s->bytes_in = s->mem_len;
		}
		s->raw_eof = 1;
		return 0;
	}
	if (s->raw_pos > 0) {
		memmove(s->raw, s->raw + s->raw_pos, s->raw_len - s->raw_pos);
		s->raw_len -= s->raw_pos;
		s->raw_pos = 0;
	}
	/* one read is enough to make progress */
	if (!s->raw_eof && s->raw_len < RAW_CAP) {
		if ((got = read_once(s, s->raw + s->raw_len, RAW_CAP - s->raw_len, err)) < 0)
			return -1;
		s->raw_len += (size_t)got;
	}
	return 0;
}

static enum codec sniff_codec(const uint8_t *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return C_GZIP;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x9d)
		return C_COMPRESS;
	if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' &&
	    p[3] >= '1' && p[3] <= '9')
		return C_BZIP2;
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return C_XZ;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
	    p[3] == 0xfd)
		return C_ZSTD;
	return C_NONE;
}

static int codec_init(struct vgi_src *s, char *err)
{
	switch (s->codec) {
	case C_NONE:
		return 0;
	case C_COMPRESS:
		vgi_errf(err, "compress(1) .Z data is not supported; "
			      "decompress it with uncompress or gzip -d first");
		return -1;
	case C_GZIP:
		/* 15 + 16: gzip wrapper only */
		if (inflateInit2(&s->z, 15 + 16) != Z_OK) {
			vgi_errf(err, "cannot start the gzip decoder");
			return -1;
		}
		return 0;
	case C_BZIP2:
		if (BZ2_bzDecompressInit(&s->bz, 0, 0) != BZ_OK) {
			vgi_errf(err, "cannot start the bzip2 decoder");
			return -1;
		}
		return 0;
	case C_XZ:
		if (lzma_stream_decoder(&s->xz, UINT64_MAX, LZMA_CONCATENATED) !=
		    LZMA_OK) {
			vgi_errf(err, "cannot start the xz decoder");
			return -1;
		}
		return 0;
	case C_ZSTD:
		if (!(s->zs = ZSTD_createDStream()) ||
		    ZSTD_isError(ZSTD_initDStream(s->zs))) {
			vgi_errf(err, "cannot start the zstd decoder");
			return -1;
		}
		return 0;
	}
	return -1;
}

static int open_common(struct vgi_src *s, char *err)
{
	if (raw_fill(s, err))
		return VG_EIO;
	s->codec = sniff_codec(s->raw + s->raw_pos, s->raw_len - s->raw_pos);
	if (codec_init(s, err))
		return s->codec == C_COMPRESS ? VG_EUNSUP : VG_ENOMEM;
	return VG_OK;
}

int vgi_src_open_fd(struct vgi_src **sp, int fd, int own_fd, char *err)
{
	struct vgi_src *s = calloc(1, sizeof *s);
	*sp = s;
	if (!s) {
		if (own_fd)
			close(fd);
		vgi_errf(err, "out of memory");
		return VG_ENOMEM;
	}
	s->fd = fd;
	s->own_fd = own_fd;
	if (!(s->raw = malloc(RAW_CAP))) {
		vgi_errf(err, "out of memory");
		return VG_ENOMEM;
	}
	return open_common(s, err);
}

int vgi_src_open_mem(struct vgi_src **sp, const void *buf, size_t len,
		     char *err)
{
	struct vgi_src *s = calloc(1, sizeof *s);
	*sp = s;
	if (!s) {
		vgi_errf(err, "out of memory");
		return VG_ENOMEM;
	}
	s->fd = -1;
	s->mem = buf ? buf : (const uint8_t *)"";
	s->mem_len = len;
	return open_common(s, err);
}

int vgi_src_direct(struct vgi_src *s, const uint8_t **p, size_t *len)
{
	if (!s->mem || s->codec != C_NONE)
		return 0;
	*p = s->mem;
	*len = s->mem_len;
	return 1;
}

/* Starts the next member/stream when more input follows the end of one. */
static int next_member(struct vgi_src *s, char *err)
{
	if (s->raw_pos == s->raw_len && raw_fill(s, err))
		return -1;
	if (s->raw_pos == s->raw_len)
		return 0; /* really the end */
	if (s->codec == C_GZIP) {
		if (sniff_codec(s->raw + s->raw_pos, s->raw_len - s->raw_pos) !=
		    C_GZIP) {
			vgi_errf(err, "trailing garbage after gzip data");
			return -1;
		}
		inflateReset(&s->z);
	} else if (s->codec == C_BZIP2) {
		BZ2_bzDecompressEnd(&s->bz);
		memset(&s->bz, 0, sizeof s->bz);
		if (BZ2_bzDecompressInit(&s->bz, 0, 0) != BZ_OK) {
			vgi_errf(err, "cannot restart the bzip2 decoder");
			return -1;
		}
	}
	s->stream_end = 0;
	return 1;
}

/* No compression: from the buffer, or large reads straight to the caller. */
static ssize_t read_plain(struct vgi_src *s, void *buf, size_t len, char *err)
{
	size_t out = 0;

	if (s->mem && !s->raw && raw_fill(s, err))
		return -1;
	while (out < len) {
		size_t avail = s->raw_len - s->raw_pos, k;
		if (avail == 0) {
			if (s->raw_eof)
				break;
			if (s->mem)
				break;
			/* what has come is handed out: a socket or a pipe may not
			 * send more for a while (the caller asks again) */
			if (out > 0)
				break;
			/* large reads go straight to the caller */
			if (len - out >= RAW_CAP) {
				ssize_t got = read_once(s, (uint8_t *)buf + out, len - out, err);
				if (got < 0)
					return -1;
				out += (size_t)got;
				continue;
			}
			if (raw_fill(s, err))
				return -1;
			continue;
		}
		k = VGI_MIN(avail, len - out);
		memcpy((uint8_t *)buf + out, s->raw + s->raw_pos, k);
		s->raw_pos += k;
		out += k;
	}
	return (ssize_t)out;
}

ssize_t vgi_src_read(struct vgi_src *s, void *buf, size_t len, char *err)
{
	size_t out = 0;

	if (s->codec == C_NONE)
		return read_plain(s, buf, len, err);

	while (out < len) {
		size_t before_in, before_out, used_in, made;
		int end = 0;

		if (s->stream_end) {
			int r = next_member(s, err);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
		}
		if (s->raw_pos == s->raw_len && !s->raw_eof) {
			if (raw_fill(s, err))
				return -1;
			continue;
		}
		before_in = s->raw_len - s->raw_pos;
		before_out = len - out;
		switch (s->codec) {
		case C_GZIP: {
			int zr;
			s->z.next_in = s->raw + s->raw_pos;
			s->z.avail_in = (uInt)VGI_MIN(before_in, 1u << 30);
			s->z.next_out = (Bytef *)buf + out;
			s->z.avail_out = (uInt)VGI_MIN(before_out, 1u << 30);
			zr = inflate(&s->z, Z_NO_FLUSH);
			if (zr == Z_STREAM_END)
				end = 1;
			else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				vgi_errf(err, "gzip data is corrupt: %s",
					 s->z.msg ? s->z.msg : "inflate failed");
				return -1;
			}
			used_in = before_in - s->z.avail_in;
			made = VGI_MIN(before_out, 1u << 30) - s->z.avail_out;
			break;
		}
		case C_BZIP2: {
			int br;
			s->bz.next_in = (char *)(s->raw + s->raw_pos);
			s->bz.avail_in = (unsigned)VGI_MIN(before_in, 1u << 30);
			s->bz.next_out = (char *)buf + out;
			s->bz.avail_out = (unsigned)VGI_MIN(before_out, 1u << 30);
			br = BZ2_bzDecompress(&s->bz);
			if (br == BZ_STREAM_END)
				end = 1;
			else if (br != BZ_OK) {
				vgi_errf(err, "bzip2 data is corrupt (code %d)", br);
				return -1;
			}
			used_in = before_in - s->bz.avail_in;
			made = VGI_MIN(before_out, 1u << 30) - s->bz.avail_out;
			break;
		}
		case C_XZ: {
			lzma_ret xr;
			s->xz.next_in = s->raw + s->raw_pos;
			s->xz.avail_in = before_in;
			s->xz.next_out = (uint8_t *)buf + out;
			s->xz.avail_out = before_out;
			xr = lzma_code(&s->xz, s->raw_eof ? LZMA_FINISH : LZMA_RUN);
			if (xr == LZMA_STREAM_END)
				end = 1;
			else if (xr != LZMA_OK && xr != LZMA_BUF_ERROR) {
				vgi_errf(err, "xz data is corrupt (code %d)", (int)xr);
				return -1;
			}
			used_in = before_in - s->xz.avail_in;
			made = before_out - s->xz.avail_out;
			break;
		}
		case C_ZSTD: {
			ZSTD_inBuffer in = {s->raw + s->raw_pos, before_in, 0};
			ZSTD_outBuffer ob = {(uint8_t *)buf + out, before_out, 0};
			size_t zr = ZSTD_decompressStream(s->zs, &ob, &in);
			if (ZSTD_isError(zr)) {
				vgi_errf(err, "zstd data is corrupt: %s",
					 ZSTD_getErrorName(zr));
				return -1;
			}
			/* 0 = a frame is complete; another may follow */
			if (zr == 0)
				end = 1;
			used_in = in.pos;
			made = ob.pos;
			break;
		}
		default:
			return -1;
		}
		s->raw_pos += used_in;
		out += made;
		if (end) {
			s->stream_end = 1;
			if (s->codec == C_XZ)
				break; /* LZMA_CONCATENATED handles members */
			continue;
		}
		if (used_in == 0 && made == 0) {
			/* no progress: the decoder wants input we do not have */
			if (s->raw_eof) {
				if (out)
					break; /* report it on the next call */
				vgi_errf(err, "%s data ends before its end marker (truncated file)",
					 codec_names[s->codec]);
				return -1;
			}
			if (raw_fill(s, err))
				return -1;
		}
	}
	if (s->codec == C_XZ && s->stream_end && out == 0)
		return 0;
	return (ssize_t)out;
}

void vgi_src_close(struct vgi_src *s)
{
	if (!s)
		return;
	switch (s->codec) {
	case C_GZIP: inflateEnd(&s->z); break;
	case C_BZIP2: BZ2_bzDecompressEnd(&s->bz); break;
	case C_XZ: lzma_end(&s->xz); break;
	case C_ZSTD: ZSTD_freeDStream(s->zs); break;
	default: break;
	}
	if (!s->mem)
		free(s->raw);
	if (s->own_fd && s->fd >= 0)
		close(s->fd);
	free(s);
}
