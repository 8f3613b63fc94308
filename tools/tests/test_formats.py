"""The Python mirrors of the C image and boot-info layouts agree with C."""
import subprocess

import image_format as fmt
from conftest import TOP

PROGRAM = r'''
#include <stdio.h>
#include <stddef.h>
#include <loader/image_format.h>
#include <boot/bootinfo.h>
#define P(x) printf("%s %zu\n", #x, (size_t)(x))
int main(void)
{
	P(sizeof(struct image_header)); P(sizeof(struct image_part));
	P(sizeof(struct image_end)); P(offsetof(struct image_header, header_checksum));
	P(offsetof(struct image_part, checksum)); P(offsetof(struct image_part, load_addr));
	P(sizeof(struct bootinfo_header)); P(sizeof(struct bootinfo_container));
	P(sizeof(struct bootinfo_region)); P(offsetof(struct bootinfo_container, regions));
	P(sizeof(struct bootinfo_cap)); P(offsetof(struct bootinfo_container, restart)); P(BOOTINFO_MAX_CAPS);
	P(IMAGE_MAGIC); P(IMAGE_END_MAGIC); P(IMAGE_VERSION); P(IMAGE_NAME_LEN);
	P(BOOTINFO_MAGIC); P(BOOTINFO_VERSION); P(BOOTINFO_MAX_REGIONS);
	P(IMAGE_PART_KERNEL); P(IMAGE_PART_BOOTINFO); P(IMAGE_PART_CONTAINER);
	return 0;
}
'''


def c_facts(tmp_path):
    src = tmp_path / 'facts.c'
    src.write_text(PROGRAM)
    exe = tmp_path / 'facts'
    subprocess.run(['gcc', '-I', f'{TOP}/loader/include', '-I',
                    f'{TOP}/kernel/include', str(src), '-o', str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True,
                         check=True).stdout
    return {k: int(v) for k, v in (line.rsplit(' ', 1)
                                   for line in out.splitlines())}


def test_layouts_agree(tmp_path):
    c = c_facts(tmp_path)
    assert c['sizeof(struct image_header)'] == fmt.HEADER.size
    assert c['sizeof(struct image_part)'] == fmt.PART.size
    assert c['sizeof(struct image_end)'] == fmt.END.size
    assert c['offsetof(struct image_header, header_checksum)'] == \
        fmt.HEADER.size - 4
    assert c['offsetof(struct image_part, checksum)'] == fmt.PART.size - 4
    assert c['offsetof(struct image_part, load_addr)'] == 4 + fmt.IMAGE_NAME_LEN
    assert c['sizeof(struct bootinfo_header)'] == fmt.BI_HEADER.size
    assert c['sizeof(struct bootinfo_container)'] == fmt.BI_CONTAINER_SIZE
    assert c['sizeof(struct bootinfo_region)'] == fmt.BI_REGION.size
    assert c['offsetof(struct bootinfo_container, regions)'] == \
        fmt.BI_CONTAINER.size
    assert c['sizeof(struct bootinfo_cap)'] == fmt.BI_CAP.size
    assert c['offsetof(struct bootinfo_container, restart)'] == \
        fmt.BI_CONTAINER_SIZE - fmt.BI_CONTAINER_TAIL.size
    assert c['BOOTINFO_MAX_CAPS'] == fmt.BOOTINFO_MAX_CAPS


def test_constants_agree(tmp_path):
    c = c_facts(tmp_path)
    assert c['IMAGE_MAGIC'] == fmt.IMAGE_MAGIC
    assert c['IMAGE_END_MAGIC'] == fmt.IMAGE_END_MAGIC
    assert c['IMAGE_VERSION'] == fmt.IMAGE_VERSION
    assert c['IMAGE_NAME_LEN'] == fmt.IMAGE_NAME_LEN
    assert c['BOOTINFO_MAGIC'] == fmt.BOOTINFO_MAGIC
    assert c['BOOTINFO_VERSION'] == fmt.BOOTINFO_VERSION
    assert c['BOOTINFO_MAX_REGIONS'] == fmt.BOOTINFO_MAX_REGIONS
    assert (c['IMAGE_PART_KERNEL'], c['IMAGE_PART_BOOTINFO'],
            c['IMAGE_PART_CONTAINER']) == (fmt.PART_KERNEL, fmt.PART_BOOTINFO,
                                           fmt.PART_CONTAINER)
