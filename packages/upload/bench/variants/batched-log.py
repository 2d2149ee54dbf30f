p='src/run-upload.ts'; s=open(p).read()
assert "log: (line) => process.stdout.write(`${line}\\n`)" in s
s=s.replace("log: (line) => process.stdout.write(`${line}\\n`)","log: batchedLog()")
s=s.replace("  for (const { relativePath, reason } of report.skipped) {","  flushLog();\n  for (const { relativePath, reason } of report.skipped) {")
s+='''
const pending: string[] = [];
let timer: NodeJS.Timeout | undefined;
function flushLog(): void {
  clearTimeout(timer);
  timer = undefined;
  if (pending.length > 0) {
    process.stdout.write(`${pending.join('\\n')}\\n`);
    pending.length = 0;
  }
}
function batchedLog(): (line: string) => void {
  return (line) => {
    pending.push(line);
    timer ??= setTimeout(flushLog, 250).unref();
  };
}
'''
open(p,'w').write(s)
