/**
 * Where a command's tables, live line and notices go: stdout, or stderr when stdout carries the JSON report
 * (`--json -`), so `stampede ... --json - | jq` reads nothing but JSON (issue #18).
 */
export function consoleOut(json: string | undefined): (line: string) => void {
  const stream = json === '-' ? process.stderr : process.stdout;
  return (line) => stream.write(`${line}\n`);
}
