// Checks for the parts that both a protocol event and a job's result carry (a dataset finding, a sample image,
// advice with its evidence, a per-class row). Apart from protocol.ts so the job contracts, which protocol.ts
// imports for the job names, can use them without an import cycle.
import type { DatasetFinding, DatasetSample, ErrorStat, Evidence, PerClassRow, Recommendation } from './protocol';
import {
  arrayOf, isTrue, literal, metric, num, objectOf, optional, recordOf, str, unknownValue,
} from './validate';

export const datasetFinding = objectOf<DatasetFinding>({
  code: str, severity: literal('error', 'warning', 'info'), message: str, files: arrayOf(str), hint: optional(str),
});
export const datasetSample = objectOf<DatasetSample>({
  class: str, file: str, width: num, height: num, thumbnail: optional(str),
});
export const perClassRow = objectOf<PerClassRow>({
  class: str, precision: metric, recall: metric, f1: metric, support: num, noSupport: optional(isTrue),
});
export const errorStat = objectOf<ErrorStat>({ mean: metric, std: metric });
export const recommendation = objectOf<Recommendation>({
  id: str, title: str, why: str, command: optional(str), args: optional(recordOf(unknownValue)),
});
export const evidence = objectOf<Evidence>({ name: str, value: metric, note: optional(str) });
