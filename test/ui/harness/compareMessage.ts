// Prints the message the Compare Runs panel sends for the run folders given: the extension's own reader and the
// core comparison, on real runs (run by compareHarness.js through tsx).
import { readComparison } from '../../../src/extension/compare/readComparison';

void readComparison(process.argv.slice(2)).then(({ comparison, problems }) => {
  process.stdout.write(JSON.stringify({ type: 'comparison', comparison, problems }) + '\n');
});
