import { describe, expect, it } from 'vitest';
import { dayTime, parseDates, parseTimeOfDay } from '../../src/core/dates.ts';
import { UsageError } from '../../src/core/errors.ts';

/** The UsageError parseDates throws, checked to be one line naming the input. */
function refused(spec: string | undefined, mention: string): string {
  let err: unknown;
  try {
    parseDates(spec, '--dates');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  expect(msg).toContain('--dates');
  expect(msg).toContain(mention);
  return msg;
}

describe('parseDates', () => {
  it('takes a single date', () => {
    expect(parseDates('20160915', '--dates')).toEqual(['20160915']);
  });

  it('takes comma, space and mixed separated lists, sorted and deduplicated', () => {
    expect(parseDates('20160916,20160915', '--dates')).toEqual(['20160915', '20160916']);
    expect(parseDates('20160916 20160915', '--dates')).toEqual(['20160915', '20160916']);
    expect(parseDates(' 20160917, 20160915  20160916,,20160915 ', '--dates')).toEqual(['20160915', '20160916', '20160917']);
    expect(parseDates('20160915\t20160916\n', '--dates')).toEqual(['20160915', '20160916']);
  });

  it('expands inclusive ranges, across month and year ends', () => {
    expect(parseDates('20160915..20160917', '--dates')).toEqual(['20160915', '20160916', '20160917']);
    expect(parseDates('20160915..20160915', '--dates')).toEqual(['20160915']);
    expect(parseDates('20161230..20170102', '--dates')).toEqual(['20161230', '20161231', '20170101', '20170102']);
    expect(parseDates('20160227..20160301', '--dates')).toEqual(['20160227', '20160228', '20160229', '20160301']);
    expect(parseDates('20150227..20150301', '--dates')).toEqual(['20150227', '20150228', '20150301']);
  });

  it('mixes ranges and single dates', () => {
    expect(parseDates('20160920,20160915..20160916 20160916', '--dates')).toEqual(['20160915', '20160916', '20160920']);
  });

  it('knows leap years', () => {
    expect(parseDates('20160229', '--dates')).toEqual(['20160229']);
    expect(parseDates('20000229', '--dates')).toEqual(['20000229']);
    refused('20150229', '20150229');
    refused('21000229', '21000229');
  });

  it.each(['20161345', '20160230', '20160931', '20160900', '20160015', '2016-09-15', '2016091', '201609150', 'yesterday', '2016O915'])(
    'refuses %s with a one-line message naming it',
    (bad) => {
      refused(bad, bad);
    },
  );

  it('names the bad date inside a list', () => {
    refused('20160915,20161345', '20161345');
  });

  it('refuses a reversed range', () => {
    refused('20160917..20160915', '20160917..20160915');
  });

  it('refuses a range with a bad end or too many dots', () => {
    refused('20160915..20160231', '20160231');
    refused('20160915..20160916..20160917', '20160915..20160916..20160917');
  });

  it('allows 366 days and refuses more', () => {
    expect(parseDates('20160101..20161231', '--dates')).toHaveLength(366);
    expect(parseDates('20150101..20160101', '--dates')).toHaveLength(366);
    refused('20150101..20160102', '20150101..20160102');
    // Single dates far apart count too.
    expect(() => parseDates('20150101,20160102', '--dates')).toThrow(UsageError);
  });

  it('refuses empty input', () => {
    for (const spec of [undefined, '', '  ', ' , ']) {
      expect(() => parseDates(spec, '--dates')).toThrow(UsageError);
      expect(() => parseDates(spec, '--dates')).toThrow(/--dates/);
    }
  });

  it('uses the flag name it is given', () => {
    expect(() => parseDates('nope', 'dates')).toThrow(/^dates: nope/);
  });
});

describe('parseTimeOfDay', () => {
  it('is undefined when not given', () => {
    expect(parseTimeOfDay(undefined, '--since')).toBeUndefined();
    expect(parseTimeOfDay('', '--since')).toBeUndefined();
  });

  it.each([
    ['00:00', 0],
    ['00:01', 1],
    ['09:30', 570],
    ['23:59', 1439],
    ['24:00', 1440],
  ])('reads %s as %i minutes', (s, m) => {
    expect(parseTimeOfDay(s, '--since')).toBe(m);
  });

  it.each(['24:01', '25:00', '12:60', '9:30', '09:3', '0930', '09:30:00', '09h30', ' 09:30', 'noon'])('refuses %s', (s) => {
    expect(() => parseTimeOfDay(s, '--until')).toThrow(UsageError);
    expect(() => parseTimeOfDay(s, '--until')).toThrow(`--until: ${s} is not a time of day`);
  });

  it('dayTime is minutes after midnight UTC on the date', () => {
    expect(dayTime('20160915', 0)).toBe(Date.UTC(2016, 8, 15));
    expect(dayTime('20160915', 90)).toBe(Date.UTC(2016, 8, 15, 1, 30));
    expect(dayTime('20160915', 1440)).toBe(Date.UTC(2016, 8, 16));
  });
});
