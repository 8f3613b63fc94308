"""A C/assembly source scanner that adds per-symbol config dependencies.

SCons's own C scanner finds #includes; this one also finds CONFIG_<SYM>
words in each scanned file and makes the object depend on
<build>/include/config/CONFIG_<SYM>, whose content is the symbol's value.
autoconf.h is passed with -include, which no scanner sees, so changing one
option rebuilds exactly the objects whose sources or headers mention it.
"""
import re

import SCons.Scanner
import SCons.Scanner.C

CONFIG_RE = re.compile(rb'\bCONFIG_[A-Z0-9_]+\b')


def config_scanner(config_dir):
    cscan = SCons.Scanner.C.CScanner()

    def scan(node, env, path):
        deps = list(cscan(node, env, path))
        if not node.exists() or node.get_abspath().startswith(config_dir.abspath):
            return deps
        seen = set(CONFIG_RE.findall(node.get_contents()))
        for word in sorted(seen):
            f = config_dir.File(word.decode())
            if f.exists():
                deps.append(f)
        return deps

    return SCons.Scanner.Scanner(
        function=scan, name='ConfigCScanner',
        skeys=['.c', '.h', '.S', '.s'],
        path_function=SCons.Scanner.FindPathDirs('CPPPATH'),
        recursive=True)
