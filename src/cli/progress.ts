/** Progress on a terminal (one bar, redrawn) or as plain lines (a log, a pipe). */
export interface ProgressLine {
  update(fraction: number, text: string): void;
  done(text: string): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr, label = ''): ProgressLine {
  if (stream.isTTY === true) {
    const width = 30;
    return {
      update(fraction, text) {
        const f = Math.max(0, Math.min(1, fraction));
        const filled = Math.round(f * width);
        stream.write(`\r${label}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${text}\x1b[K`);
      },
      done(text) {
        stream.write(`\r${label}${text}\x1b[K\n`);
      },
    };
  }
  let lastAt = 0;
  return {
    update(fraction, text) {
      const now = Date.now();
      if (now - lastAt < 1000 && fraction < 1) return; // at most a line a second
      lastAt = now;
      stream.write(`${label}${(fraction * 100).toFixed(0)}% ${text}\n`);
    },
    done(text) {
      stream.write(`${label}${text}\n`);
    },
  };
}
