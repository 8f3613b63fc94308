"""The Python mirrors of the C image and boot-info layouts agree with C."""
import re
import subprocess

import captab
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
	P(offsetof(struct bootinfo_container, cpu_mask));
	P(BOOTINFO_MAX_CONTAINERS); P(BI_RESTART_NEVER); P(BI_RESTART_ALWAYS);
	P(BI_RESTART_ON_FAILURE); P(BI_RESTART_CORE); P(BI_REGION_PROGRAM);
	P(BI_REGION_MEMORY); P(BI_REGION_READ); P(BI_REGION_WRITE); P(BI_REGION_EXEC);
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
    # cpu_mask: the descriptor's last field, the tail's last value
    assert c['offsetof(struct bootinfo_container, cpu_mask)'] == \
        fmt.BI_CONTAINER_SIZE - 4 == 224
    assert c['BOOTINFO_MAX_CAPS'] == fmt.BOOTINFO_MAX_CAPS
    assert c['BOOTINFO_MAX_CONTAINERS'] == fmt.BOOTINFO_MAX_CONTAINERS


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
    assert (c['BI_RESTART_NEVER'], c['BI_RESTART_ALWAYS'],
            c['BI_RESTART_ON_FAILURE'], c['BI_RESTART_CORE']) == (
        fmt.BI_RESTART_NEVER, fmt.BI_RESTART_ALWAYS,
        fmt.BI_RESTART_ON_FAILURE, fmt.BI_RESTART_CORE)
    assert (c['BI_REGION_PROGRAM'], c['BI_REGION_MEMORY']) == (
        fmt.BI_REGION_PROGRAM, fmt.BI_REGION_MEMORY)
    assert (c['BI_REGION_READ'], c['BI_REGION_WRITE'],
            c['BI_REGION_EXEC']) == (fmt.BI_REGION_READ, fmt.BI_REGION_WRITE,
                                     fmt.BI_REGION_EXEC)


def test_captab_agrees_with_c(tmp_path):
    """tools/captab.py parses cap.h and syscall.h; a C program compiled
    against the same headers prints every value it read, and a few the
    tools depend on by name."""
    names = sorted(captab.DEFINES)
    for needed in ('CAP_RES_THREADS', 'CAP_RES_IRQCTRL', 'CAP_OP_TC_ALL',
                   'CAP_OP_MAP_ALL', 'CAP_TGT_CONTAINER', 'CAP_F_ALL',
                   'CAP_F_REPLICATE', 'CAP_LIST_PRIVATE', 'CAP_LIST_CONTAINER',
                   'CAP_NO_IRQ', 'MAP_ATTR_READ', 'MAP_ATTR_WRITE',
                   'MAP_ATTR_EXEC', 'MAP_ATTR_DEVICE', 'KIP_ADDRESS'):
        assert needed in names
    src = tmp_path / 'caps.c'
    src.write_text('#include <stdio.h>\n#include <tessera/cap.h>\n'
                   '#include <tessera/syscall.h>\nint main(void)\n{\n' +
                   ''.join(f'\tprintf("{n} %llu\\n", '
                           f'(unsigned long long)({n}));\n' for n in names) +
                   '\treturn 0;\n}\n')
    exe = tmp_path / 'caps'
    subprocess.run(['gcc', '-Wall', '-Werror', '-I',
                    f'{TOP}/kernel/include/uapi', str(src), '-o', str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True,
                         check=True).stdout
    c = {k: int(v) for k, v in (line.split() for line in out.splitlines())}
    assert c == captab.DEFINES
    # and it missed none: the preprocessor's own list of integer macros
    macros = subprocess.run(['gcc', '-dM', '-E', '-I',
                             f'{TOP}/kernel/include/uapi', str(src)],
                            capture_output=True, text=True, check=True).stdout
    found = set(re.findall(r'^#define ((?:CAP_|MAP_ATTR_|KIP_ADDRESS)\w*) '
                           r'(?:0x[0-9a-fA-F]+|\d+)[uUlL]*$', macros, re.M))
    assert found == set(names)
    # the manifest's tables are built from those values
    assert captab.OPERATIONS['ipc'] == (c['CAP_RES_IPC'],
                                        {'send': c['CAP_OP_IPC_SEND']},
                                        c['CAP_OP_IPC_ALL'])
    assert captab.BUDGETS['pt_pages'] == c['CAP_RES_PTPAGES']
    assert captab.SCOPES == {'container': c['CAP_LIST_CONTAINER'],
                             'pager': c['CAP_LIST_PRIVATE']}
    assert captab.FLAGS_NO_REPLICATE == c['CAP_F_ALL'] & ~c['CAP_F_REPLICATE']
