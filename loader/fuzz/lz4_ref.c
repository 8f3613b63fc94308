/* liblz4 wrappers for the fuzz targets (see lz4_ref.h). */
#include <string.h>
#include <lz4frame.h>

#include "lz4_ref.h"

static LZ4F_preferences_t prefs_of(const struct ref_prefs *p)
{
	LZ4F_preferences_t lp;

	memset(&lp, 0, sizeof(lp));
	lp.frameInfo.blockSizeID = (LZ4F_blockSizeID_t)p->block_size_id;
	lp.frameInfo.blockMode =
	    p->linked ? LZ4F_blockLinked : LZ4F_blockIndependent;
	lp.frameInfo.contentChecksumFlag = p->content_checksum
					       ? LZ4F_contentChecksumEnabled
					       : LZ4F_noContentChecksum;
	lp.frameInfo.blockChecksumFlag = p->block_checksum
					     ? LZ4F_blockChecksumEnabled
					     : LZ4F_noBlockChecksum;
	lp.compressionLevel = p->level;
	return lp;
}

size_t ref_compress_bound(size_t n, const struct ref_prefs *p)
{
	LZ4F_preferences_t lp = prefs_of(p);

	return LZ4F_compressFrameBound(n, &lp);
}

size_t ref_compress(const void *src, size_t n, void *dst, size_t cap,
		    const struct ref_prefs *p)
{
	LZ4F_preferences_t lp = prefs_of(p);
	size_t r;

	if (p->content_size)
		lp.frameInfo.contentSize = n;
	r = LZ4F_compressFrame(dst, cap, src, n, &lp);
	return LZ4F_isError(r) ? 0 : r;
}

int ref_decode(const void *src, size_t n, void *dst, size_t cap, size_t *out)
{
	static LZ4F_dctx *dctx;
	const char *ip = src;
	char *op = dst;
	size_t in_left = n, out_left = cap;

	if (!dctx &&
	    LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return -1;
	LZ4F_resetDecompressionContext(dctx);
	for (;;) {
		size_t in_sz = in_left, out_sz = out_left;
		size_t hint =
		    LZ4F_decompress(dctx, op, &out_sz, ip, &in_sz, NULL);

		if (LZ4F_isError(hint))
			return -1;
		ip += in_sz;
		in_left -= in_sz;
		op += out_sz;
		out_left -= out_sz;
		if (hint == 0) /* the frame is complete */
			break;
		if (in_sz == 0 && out_sz == 0)
			return out_left ? -1 : -2; /* truncated / no room */
	}
	if (in_left)
		return -1; /* trailing bytes */
	*out = (size_t)(op - (char *)dst);
	return 0;
}
