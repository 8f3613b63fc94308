/*
 * The boot info is written by the build, carried as one part of the boot
 * image and checksummed by the loader; the kernel still checks its shape
 * before reading anything from it (defence in depth: a packer bug, or an
 * image part that checksums but was built wrong, must stop the boot with a
 * message, never make the kernel read past the part).
 */
#ifndef KERNEL_BOOTINFO_CHECK_H
#define KERNEL_BOOTINFO_CHECK_H

#include <boot/bootinfo.h>
#include <loader/image_format.h>

/* Panics ("boot info: ...") unless bi, the image's boot-info part, is
 * whole: header, descriptors and capabilities inside the part, every
 * descriptor's regions, capability range and program part valid. */
void bootinfo_check(const struct image_header *image,
		    const struct bootinfo_header *bi);

#endif
