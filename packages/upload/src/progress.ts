const MiB = 1024 * 1024;

/** Files, bytes and rate so far, as plain lines (CI logs do not render progress bars). */
export class Progress {
  filesDone = 0;
  bytesDone = 0;
  private readonly started = Date.now();

  constructor(
    private readonly totalFiles: number,
    private readonly totalBytes: number,
  ) {}

  seconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  line(): string {
    const seconds = Math.max(this.seconds(), 0.001);
    return (
      `${this.filesDone}/${this.totalFiles} files, ${formatBytes(this.bytesDone)}/${formatBytes(this.totalBytes)}, ` +
      `${(this.filesDone / seconds).toFixed(1)} files/s, ${formatBytes(this.bytesDone / seconds)}/s`
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${Math.round(bytes)} B`;
  }
  if (bytes < MiB) {
    return `${(bytes / 1024).toFixed(1)} KiB`;
  }
  if (bytes < 1024 * MiB) {
    return `${(bytes / MiB).toFixed(1)} MiB`;
  }
  return `${(bytes / 1024 / MiB).toFixed(2)} GiB`;
}
