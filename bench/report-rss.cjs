// Preloaded with `node --require` into every benchmarked command (ours and create-vite alike):
// at exit, writes this process's peak resident set size (KiB) to the file named by BENCH_RSS_FILE.
'use strict';
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    require('node:fs').writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
