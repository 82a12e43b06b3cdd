// A restricted setting (package.json capabilities.untrustedWorkspaces.restrictedConfigurations) read as Restricted
// Mode requires: in a folder the user has not trusted, a value the folder's own settings hold is ignored, so a
// cloned repository cannot point the backbone at a URL to download and run, or the cache at a path to write. Kept
// free of the vscode import so it is unit-tested in Node.

/** The parts of WorkspaceConfiguration.inspect()'s answer that decide a value. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value to use and, when the workspace is untrusted and its settings set one, the value that was ignored. A
 * trusted workspace reads as `getConfiguration().get()` does (folder, workspace, user, default).
 */
export function restrictedValue<T>(
  inspected: InspectedSetting<T> | undefined, trusted: boolean, fallback: T,
): { value: T; ignored?: T } {
  const user = inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
  const workspace = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
  if (trusted) return { value: workspace ?? user };
  return workspace === undefined ? { value: user } : { value: user, ignored: workspace };
}
