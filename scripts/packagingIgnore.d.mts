// Types for scripts/packagingIgnore.mjs, which test/unit/packaging.test.ts imports.
export declare const ORT_PACKAGE: string;
export declare const ORT_BIN: string;
export declare const ORT_PLATFORM_DIRS: readonly string[];
export declare function ortPlatformDir(target: string): string | undefined;
export declare function packagingIgnorePatterns(target: string, presentDirs?: readonly string[]): string[];
