// SPDX-License-Identifier: LGPL-2.1-or-later
/* The file header and the side records, to and from bytes. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "format.h"

void pgt_header__init_host(struct pgt_header *h)
{
	struct utsname u;
	struct timespec mono, real;
	long ps = sysconf(_SC_PAGESIZE);

	memset(h, 0, sizeof(*h));
	h->major = PGT_FORMAT_MAJOR;
	h->minor = PGT_FORMAT_MINOR;
	h->page_size = ps > 0 ? (uint32_t)ps : 4096;
	h->clock = PGT_CLOCK_MONOTONIC;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	h->start_ts = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	h->wall_offset = ((int64_t)real.tv_sec - (int64_t)mono.tv_sec) * 1000000000ll +
			 ((int64_t)real.tv_nsec - (int64_t)mono.tv_nsec);
	if (uname(&u) == 0) {
		snprintf(h->host, sizeof(h->host), "%s", u.nodename);
		snprintf(h->kernel, sizeof(h->kernel), "%s", u.release);
	}
}

int pgt_object_size(const struct pgt_header *h, const struct pgt_object *o, uint64_t *bytes)
{
	if (o->size == PGT_SIZE_UNKNOWN || (!o->size && !(h->features & PGT_FEAT_FILE_SIZES)))
		return 0;
	*bytes = o->size;
	return 1;
}

const char *pgt_clock_name(unsigned clock)
{
	switch (clock) {
	case PGT_CLOCK_MONOTONIC: return "monotonic";
	case PGT_CLOCK_BOOTTIME: return "boottime";
	case PGT_CLOCK_REALTIME: return "realtime";
	case PGT_CLOCK_SYNTHETIC: return "synthetic";
	case PGT_CLOCK_TRACE_LOCAL: return "local";
	default: return "unknown";
	}
}

void pgt_header__encode(const struct pgt_header *h, uint8_t out[PGT_HDR_SIZE])
{
	memset(out, 0, PGT_HDR_SIZE);
	memcpy(out, PGT_MAGIC, PGT_MAGIC_LEN);
	pgt_put_le16(out + PGT_HDR_OFF_MAJOR, PGT_FORMAT_MAJOR);
	pgt_put_le16(out + PGT_HDR_OFF_MINOR, PGT_FORMAT_MINOR);
	pgt_put_le32(out + PGT_HDR_OFF_SIZE, PGT_HDR_SIZE);
	pgt_put_le32(out + PGT_HDR_OFF_ENDIAN, PGT_ENDIAN_MARK);
	pgt_put_le32(out + PGT_HDR_OFF_PAGESIZE, h->page_size);
	pgt_put_le64(out + PGT_HDR_OFF_COMPAT, h->features);
	pgt_put_le64(out + PGT_HDR_OFF_INCOMPAT, PGT_INCOMPAT_TYPED_CRC);
	pgt_put_le32(out + PGT_HDR_OFF_CLOCK, h->clock);
	pgt_put_le64(out + PGT_HDR_OFF_WALL, (uint64_t)h->wall_offset);
	pgt_put_le64(out + PGT_HDR_OFF_START, h->start_ts);
	/* fixed 64-byte fields, NUL-padded, not necessarily NUL-terminated */
	memcpy(out + PGT_HDR_OFF_HOST, h->host, strnlen(h->host, 64));
	memcpy(out + PGT_HDR_OFF_KERNEL, h->kernel, strnlen(h->kernel, 64));
	pgt_put_le32(out + PGT_HDR_OFF_CRC, pgt_crc32c(0, out, PGT_HDR_SIZE));
}

/* @buf holds at least PGT_HDR_SIZE bytes or the whole header when it is
 * larger (the caller reads header_size first). */
int pgt_header__decode(const uint8_t *buf, size_t len, struct pgt_header *h, uint32_t *hdr_size)
{
	uint8_t tmp[PGT_HDR_SIZE];
	uint32_t size, crc;
	uint64_t incompat;

	if (len < PGT_MAGIC_LEN || memcmp(buf, PGT_MAGIC, PGT_MAGIC_LEN))
		return -PGT_ENOTTRACE;
	if (len < PGT_HDR_OFF_SIZE + 4)
		return -PGT_ETRUNC;
	memset(h, 0, sizeof(*h));
	h->major = pgt_get_le16(buf + PGT_HDR_OFF_MAJOR);
	h->minor = pgt_get_le16(buf + PGT_HDR_OFF_MINOR);
	if (h->major != PGT_FORMAT_MAJOR)
		return -PGT_EVERSION;
	/* Checked before anyone reads that many bytes. */
	size = pgt_get_le32(buf + PGT_HDR_OFF_SIZE);
	if (size < PGT_HDR_SIZE || size > PGT_HDR_MAX_SIZE)
		return -PGT_ECORRUPT;
	*hdr_size = size;
	if (len < size)
		return -PGT_ETRUNC;
	/* The CRC covers header_size bytes with its own field zeroed. */
	memcpy(tmp, buf, PGT_HDR_SIZE);
	pgt_put_le32(tmp + PGT_HDR_OFF_CRC, 0);
	crc = pgt_crc32c(0, tmp, PGT_HDR_SIZE);
	crc = pgt_crc32c(crc, buf + PGT_HDR_SIZE, size - PGT_HDR_SIZE);
	if (crc != pgt_get_le32(buf + PGT_HDR_OFF_CRC))
		return -PGT_ECRC;
	if (pgt_get_le32(buf + PGT_HDR_OFF_ENDIAN) != PGT_ENDIAN_MARK)
		return -PGT_EVERSION;	/* big-endian traces are not defined */
	incompat = pgt_get_le64(buf + PGT_HDR_OFF_INCOMPAT);
	if (incompat & ~PGT_INCOMPAT_KNOWN)
		return -PGT_EVERSION;
	h->page_size = pgt_get_le32(buf + PGT_HDR_OFF_PAGESIZE);
	h->features = pgt_get_le64(buf + PGT_HDR_OFF_COMPAT);
	h->clock = pgt_get_le32(buf + PGT_HDR_OFF_CLOCK);
	h->wall_offset = (int64_t)pgt_get_le64(buf + PGT_HDR_OFF_WALL);
	h->start_ts = pgt_get_le64(buf + PGT_HDR_OFF_START);
	memcpy(h->host, buf + PGT_HDR_OFF_HOST, 64);
	h->host[64] = 0;
	memcpy(h->kernel, buf + PGT_HDR_OFF_KERNEL, 64);
	h->kernel[64] = 0;
	return 0;
}

int pgt_record__object(struct pgt_buf *b, const struct pgt_object *o)
{
	int err = 0;

	err |= pgt_buf__put_u32(b, o->id);
	err |= pgt_buf__put_u8(b, o->kind);
	err |= pgt_buf__put_u8(b, o->op);
	err |= pgt_buf__put_u16(b, o->name_src);
	err |= pgt_buf__put_u64(b, o->ts);
	err |= pgt_buf__put_u64(b, o->dev);
	err |= pgt_buf__put_u64(b, o->ino);
	err |= pgt_buf__put_u64(b, o->gen);
	err |= pgt_buf__put_u64(b, o->size);
	err |= pgt_buf__put_str(b, o->path);
	return err ? -ENOMEM : 0;
}

int pgt_record__process(struct pgt_buf *b, const struct pgt_process *p)
{
	int err = 0;

	err |= pgt_buf__put_u64(b, p->ts);
	err |= pgt_buf__put_u32(b, p->pid);
	err |= pgt_buf__put_u32(b, p->tgid);
	err |= pgt_buf__put_u32(b, p->ppid);
	err |= pgt_buf__put_u32(b, p->uid);
	err |= pgt_buf__put_u32(b, p->gid);
	err |= pgt_buf__put_u32(b, p->op);
	err |= pgt_buf__put_str(b, p->comm);
	err |= pgt_buf__put_str(b, p->cwd);
	err |= pgt_buf__put_str(b, p->exe);
	err |= pgt_buf__put_str(b, p->cgroup);	/* since 1.1 */
	return err ? -ENOMEM : 0;
}

int pgt_record__lost(struct pgt_buf *b, uint64_t ts, uint32_t cpu, uint64_t count)
{
	int err = 0;

	err |= pgt_buf__put_u64(b, ts);
	err |= pgt_buf__put_u32(b, cpu);
	err |= pgt_buf__put_u32(b, 0);
	err |= pgt_buf__put_u64(b, count);
	return err ? -ENOMEM : 0;
}

int pgt_record__level(struct pgt_buf *b, uint64_t ts, uint32_t level)
{
	int err = 0;

	err |= pgt_buf__put_u64(b, ts);
	err |= pgt_buf__put_u32(b, level);
	err |= pgt_buf__put_u32(b, 0);
	return err ? -ENOMEM : 0;
}

int pgt_record__info(struct pgt_buf *b, const char *key, const char *value)
{
	int err = 0;

	err |= pgt_buf__put_str(b, key);
	err |= pgt_buf__put_str(b, value);
	return err ? -ENOMEM : 0;
}

uint32_t pgt_record__crc_start(int typed, uint32_t type, uint64_t size)
{
	uint8_t b[12];

	if (!typed)
		return 0;
	pgt_put_le32(b, type);
	pgt_put_le64(b + 4, size);
	return pgt_crc32c(0, b, sizeof(b));
}

/* The writer writes the current minor, whose header sets TYPED_CRC. */
int pgt_record__frame(struct pgt_buf *out, uint32_t type, const void *body, size_t len)
{
	uint8_t hdr[PGT_REC_HDR_SIZE];

	pgt_put_le32(hdr, type);
	pgt_put_le32(hdr + 4, pgt_record__crc(1, type, body, len));
	pgt_put_le64(hdr + 8, len);
	if (pgt_buf__append(out, hdr, sizeof(hdr)) || pgt_buf__append(out, body, len))
		return -ENOMEM;
	return 0;
}
