// `npm run bench`: runs every bench script in bench/ (not bench/lib/), each printing one JSON object, and collects
// them in bench/out/results.json; then bench/report.ts turns that file into bench/results.md.
// Pass names to run a subset: npm run bench -- forward pipeline (their entries are replaced, the others kept).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';

const RESULTS = 'bench/out/results.json';
const REPORT = 'report';
const wanted = process.argv.slice(2);
const scripts = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
  .filter((n) => n !== REPORT && (!wanted.length || wanted.includes(n)));
const results = existsSync(RESULTS) && wanted.length ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
let failed = 0;

/** The bench's one JSON object: its last stdout line, or (pretty-printed) the last block that starts a line with '{'. */
function lastJson(out) {
  const lines = out.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('{')) continue;
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch { /* an earlier line starts it */ }
  }
  throw new Error('no JSON object on stdout');
}

for (const name of scripts) {
  process.stderr.write(`bench ${name}…\n`);
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    results[name] = lastJson(out);
  } catch (e) {
    // One broken bench should not cost the others' numbers; the report shows the error.
    failed++;
    results[name] = { bench: name, error: String(e.message ?? e).split('\n')[0].slice(0, 400) };
  }
  console.log(JSON.stringify(results[name]));
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
}
execFileSync(process.execPath, ['--import', 'tsx', `bench/${REPORT}.ts`], { stdio: 'inherit' });
process.exitCode = failed ? 1 : 0;
