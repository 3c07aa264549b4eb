import { describe, expect, it } from 'vitest';
import { ResourcePool } from './resource-pool.js';

describe('ResourcePool', () => {
  it('lends each item to one user at a time and serves waiters first come, first served', async () => {
    const pool = new ResourcePool(['a']);
    const order: string[] = [];
    let release: () => void = () => {};
    const first = pool.use(async (item) => {
      order.push(`1:${item}`);
      await new Promise<void>((r) => (release = r));
    });
    const second = pool.use(async (item) => void order.push(`2:${item}`));
    const third = pool.use(async (item) => void order.push(`3:${item}`));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual(['1:a']);
    release();
    await Promise.all([first, second, third]);
    expect(order).toEqual(['1:a', '2:a', '3:a']);
  });

  it('returns the item even when the user throws', async () => {
    const pool = new ResourcePool([1]);
    await expect(pool.use(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(pool.use(async (n) => n + 1)).resolves.toBe(2);
  });

  it('gives a preferred free item when one is free, else the oldest free one', async () => {
    const pool = new ResourcePool(['a', 'b', 'c']);
    await expect(pool.use(async (item) => item, (item) => item === 'b')).resolves.toBe('b');
    await expect(pool.use(async (item) => item, (item) => item === 'z')).resolves.toBe('a');
  });

  it('refuses to be empty', () => {
    expect(() => new ResourcePool([])).toThrow(RangeError);
  });
});
