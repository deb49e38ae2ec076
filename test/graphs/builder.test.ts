import { describe, expect, it } from 'vitest';
import { broadcast, collect, fromArray, graph, GraphError, ignore, map, merge, zip } from 'dendrites';

describe('graph builder: bad use fails early', () => {
  it('an unwired port, named', () => {
    const g = graph((b) => {
      const fanout = b.add(broadcast<number>(2), 'fanout');
      b.connect(fromArray([1]), fanout);
      b.connect(fanout.out(0), b.add(ignore<number>()));
    });
    expect(() => g.run()).toThrow(GraphError);
    expect(() => g.run()).toThrow('port fanout.out(1) is not wired');
  });

  it('an unwired input of a fan-in', () => {
    const g = graph((b) => {
      const join = b.add(merge<number>(3), 'join');
      b.connect(fromArray([1]), join.in(0));
      b.connect(fromArray([2]), join.in(2));
      b.connect(join, b.add(ignore<number>()));
    });
    expect(() => g.run()).toThrow('port join.in(1) is not wired');
  });

  it('a port wired twice, and a port that does not exist', () => {
    expect(() =>
      graph((b) => {
        const fanout = b.add(broadcast<number>(2), 'fanout');
        b.connect(fanout.out(0), b.add(ignore<number>()));
        b.connect(fanout.out(0), b.add(ignore<number>()));
      }),
    ).toThrow('fanout.out(0) is already wired');
    expect(() =>
      graph((b) => {
        const fanout = b.add(broadcast<number>(2), 'fanout');
        b.connect(fanout.out(2), b.add(ignore<number>()));
      }),
    ).toThrow('fanout has no port out(2)');
  });

  it('duplicate names', () => {
    expect(() =>
      graph((b) => {
        b.add(map((n: number) => n), 'step');
        b.add(map((n: number) => n), 'step');
      }),
    ).toThrow(new GraphError('a stage named "step" is already in the graph'));
  });

  it('an unknown name', () => {
    expect(() => graph((b) => b.connect('nowhere', b.add(ignore())))).toThrow(/no stage named "nowhere"/);
  });
});

describe('toMermaid', () => {
  it('draws the stages, their names and kinds, and the fan-out and fan-in ports', () => {
    const g = graph((b) => {
      const fanout = b.add(broadcast<number>(2), 'fanout');
      const pair = b.add(zip<number, string>(), 'pair');
      b.connect(fromArray([1, 2]).named('numbers'), fanout);
      b.connect(fanout, pair.in(0));
      b.connect(fanout, map((n: number) => String(n)), pair.in(1));
      const out = b.add(collect<[number, string]>(), 'out');
      b.connect(pair, out);
      return out;
    });
    const lines = g.toMermaid().trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  s0{{"fanout<br/><i>broadcast</i>"}}');
    expect(lines).toContain('  s1{{"pair<br/><i>zip</i>"}}');
    expect(lines).toContain('  s2(["numbers<br/><i>fromArray</i>"])');
    expect(lines).toContain('  s3["map"]');
    expect(lines).toContain('  s4[("out<br/><i>collect</i>")]');
    expect(lines).toContain('  s2 --> s0');
    expect(lines).toContain('  s0 -->|out0| s1');
    expect(lines).toContain('  s0 -->|out1| s3');
    expect(lines).toContain('  s3 -->|in1| s1');
    expect(lines).toContain('  s1 --> s4');
    expect(lines).toHaveLength(1 + 5 + 5);
  });
});
