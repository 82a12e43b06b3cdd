// Reading the runs to compare (run.json, and evaluation.json when the run was evaluated) through an injected file
// system, so the CLI and the extension read them the same way. A run that cannot be read is a problem naming its
// file, and the others are still compared; a run that was never evaluated simply has no evaluation.
import { RUN_FILES } from './runFiles';
import { parseEvaluationSummary, type ComparedRunInput, type EvaluationSummary } from './runComparison';
import { effectiveStatus, parseRunRecord, type ProcessProbe } from './runRecord';

export interface ComparisonReader {
  /** Rejects when the file cannot be read; an error with code 'ENOENT' means it is not there. */
  readText(file: string): Promise<string>;
  join(dir: string, name: string): string;
}

const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const isMissing = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'ENOENT';

async function readEvaluation(
  reader: ComparisonReader, dir: string, problems: string[],
): Promise<EvaluationSummary | undefined> {
  const file = reader.join(dir, RUN_FILES.evaluation);
  try {
    return parseEvaluationSummary(JSON.parse(await reader.readText(file)));
  } catch (e) {
    if (!isMissing(e)) problems.push(`${file}: ${reasonOf(e)} (its log loss and AUC show as —)`);
    return undefined;
  }
}

/** The runs in `dirs` that could be read, in that order, and one sentence per file that could not. */
export async function readComparedRuns(
  reader: ComparisonReader, dirs: readonly string[], probe: (pid: number) => boolean | ProcessProbe,
): Promise<{ runs: ComparedRunInput[]; problems: string[] }> {
  const runs: ComparedRunInput[] = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    const file = reader.join(dir, RUN_FILES.record);
    let record;
    try {
      record = parseRunRecord(JSON.parse(await reader.readText(file)));
    } catch (e) {
      problems.push(`${file}: ${isMissing(e) ? 'not found, so this is not a run folder' : reasonOf(e)} (left out)`);
      continue;
    }
    const evaluation = await readEvaluation(reader, dir, problems);
    runs.push({ dir, record, status: effectiveStatus(record, probe), ...(evaluation ? { evaluation } : {}) });
  }
  return { runs, problems };
}
