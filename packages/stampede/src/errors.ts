/**
 * The one error shape of Stampede: a stable `code` to branch on, a message that says what is wrong, and a `hint`
 * that says what to do. Each area subclasses it with its own code union, so `instanceof` tells the area and the
 * compiler checks the codes; the CLI prints `message` and `hint` as one line and maps the area to an exit code.
 */
export class StampedeError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly hint: string | undefined;
  constructor(code: Code, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    // The subclass's own name (bundles keep class names), so a stack or a log line says which area raised it.
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}
