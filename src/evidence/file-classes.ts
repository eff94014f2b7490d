// Where a file's bytes belong in the size table, by its path alone.

const BUILD_TOOLS = new RegExp(
  [
    '^/usr/(lib|libexec)/gcc(-cross)?/',
    '^/usr/include/',
    '^/usr/share/(gcc|gdb|cmake[^/]*)/',
    '^/usr/lib/[^/]+-linux-gnu/(libbfd|libopcodes|libctf|libsframe|libgprofng|libasan|libtsan|liblsan|libubsan|libhwasan|libitm|libquadmath|libgomp|libcc1|libisl|libmpc|libmpfr|libgccjit|libstdc\\+\\+\\.a)',
    '^/usr/bin/([a-z0-9_]+-linux-gnu-)?(gcc|g\\+\\+|cc|c\\+\\+|cpp|ld|ld\\.bfd|ld\\.gold|as|ar|ranlib|objdump|objcopy|strip|nm|readelf|gprof|gdb|make|cmake|lto-dump|gcov[^/]*)(-[\\d.]+)?$',
  ].join('|'),
);

const LANGUAGE_PACKAGES =
  /\/(site|dist)-packages\/|\/node_modules\/|^\/opt\/venv\/|^\/usr\/local\/lib\/python[^/]*\/|\/gems\/|^\/root\/\.(m2|gradle|cargo)\/|^\/go\/pkg\/|^\/usr\/local\/cargo\//;

export type FileClass = 'buildTools' | 'languagePackages' | 'workdir' | 'other';

export function classifyFile(path: string, workdir: string | null): FileClass {
  if (BUILD_TOOLS.test(path)) return 'buildTools';
  if (LANGUAGE_PACKAGES.test(path)) return 'languagePackages';
  if (workdir && (path === workdir || path.startsWith(`${workdir}/`))) return 'workdir';
  return 'other';
}
