"""Python mirror of loader/include/loader/image_format.h and
kernel/include/boot/bootinfo.h (tools/tests/test_formats.py checks the C
and Python layouts agree)."""
import struct

IMAGE_MAGIC = 0x41525354
IMAGE_END_MAGIC = 0x444e4554
IMAGE_VERSION = 2
IMAGE_MAX_PARTS = 64
IMAGE_NAME_LEN = 24

PART_KERNEL = 1
PART_BOOTINFO = 2
PART_CONTAINER = 3
PART_KIND_NAMES = {PART_KERNEL: 'kernel', PART_BOOTINFO: 'bootinfo',
                   PART_CONTAINER: 'container'}

# magic, version, header_size, part_size, nr_parts, image_base, table_offset,
# image_size, kernel_part, bootinfo_part, product_version, header_checksum
HEADER = struct.Struct('<IHHHHIIIIIII')
# kind, name, load_addr, entry, mem_size, raw_size, frame_offset, frame_size,
# checksum
PART = struct.Struct(f'<I{IMAGE_NAME_LEN}s7I')
END = struct.Struct('<II')

BOOTINFO_MAGIC = 0x464e4942
BOOTINFO_VERSION = 4
BOOTINFO_NAME_LEN = 16
BOOTINFO_MAX_REGIONS = 8
BOOTINFO_MAX_CAPS = 64
BOOTINFO_MAX_CONTAINERS = 64
BI_REGION_PROGRAM = 1
BI_REGION_MEMORY = 2
BI_RESTART_NEVER, BI_RESTART_ALWAYS, BI_RESTART_ON_FAILURE, BI_RESTART_CORE = \
    0, 1, 2, 3
BI_REGION_READ, BI_REGION_WRITE, BI_REGION_EXEC = 1, 2, 4
BI_HEADER = struct.Struct('<8I')
BI_REGION = struct.Struct('<5I')
# name, program_part, entry, stack_top, utcb, priority, nr_regions
BI_CONTAINER = struct.Struct(f'<{BOOTINFO_NAME_LEN}s6I')
# restart, restart_limit, first_cap, nr_caps, cpu_budget_us, cpu_period_us,
# cpu_mask (after the regions)
BI_CONTAINER_TAIL = struct.Struct('<7I')
BI_CONTAINER_SIZE = (BI_CONTAINER.size + BOOTINFO_MAX_REGIONS * BI_REGION.size
                     + BI_CONTAINER_TAIL.size)
# resource, ops, flags, target_kind, target, base, size, irq, list
BI_CAP = struct.Struct('<9I')

assert HEADER.size == 40 and PART.size == 56 and END.size == 8
assert BI_HEADER.size == 32 and BI_CONTAINER_SIZE == 228
assert BI_CAP.size == 36
