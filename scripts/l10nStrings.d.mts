// Types for scripts/l10nStrings.mjs, which test/unit/extension/l10n.test.ts imports.
export interface L10nCall { message: string; args: number; where: string }
export declare function sourceFiles(dir: string): string[];
export declare function placeholdersOf(message: string): number[];
export declare function collectL10nCalls(files: readonly string[]): { calls: L10nCall[]; problems: string[] };
export declare function englishBundle(messages: readonly string[]): Record<string, string>;
export declare function nlsReferences(manifest: unknown, where?: string): { key: string; where: string }[];
