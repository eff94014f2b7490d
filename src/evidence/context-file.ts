// A file of the build context, as context.ts lists it; its own module so that the pure helpers
// that take context files (copied.ts, app-file.ts) need not import the module that reads them.

export interface ContextFile {
  /** Relative to the context, forward slashes. */
  path: string;
  size: number;
}
