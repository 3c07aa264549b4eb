/**
 * Keeps the last `max` bytes of a stream, because the end of a log names the
 * failure; a runaway writer cannot grow the daemon's memory past the cap.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as Buffer).length;
      this.dropped = true;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.max ? all.subarray(all.length - this.max) : all;
    const truncated = this.dropped || kept.length < all.length;
    return (truncated ? '[output truncated]\n' : '') + kept.toString('utf8');
  }
}
