// `npm run bench`: runs every bench script in bench/, each printing one JSON object, and collects them in
// bench/out/results.json. Pass names to run a subset: npm run bench -- train prepare
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';

const wanted = process.argv.slice(2);
const scripts = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).filter((n) => !wanted.length || wanted.includes(n));
const results = {};
for (const name of scripts) {
  process.stderr.write(`bench ${name}…\n`);
  const out = execFileSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  results[name] = JSON.parse(out.trim().split('\n').at(-1));
  console.log(JSON.stringify(results[name]));
}
mkdirSync('bench/out', { recursive: true });
writeFileSync('bench/out/results.json', JSON.stringify(results, null, 2) + '\n');
