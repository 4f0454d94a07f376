import { readFileSync } from 'node:fs';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { describe, expect, it } from 'vitest';
import { parseOrder, toStoredOrder } from '../src/order.ts';

const sample = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8'));

// The events of events/ (what the README points to, and what a console test event starts from)
// in AWS's shape, read as the handler reads them: Parser's SqsSchema, then each body an order.
describe('sample events', () => {
  for (const [name, arn] of [
    ['sqs-order', /:orders$/],
    ['sqs-fifo-order', /:orders\.fifo$/],
  ] as const) {
    it(`${name}.json is an SQS event (Parser SqsSchema) whose body is a valid order`, () => {
      const event = SqsSchema.parse(sample(name));
      expect(event.Records).toHaveLength(1);
      const [record] = event.Records;
      expect(record?.eventSourceARN).toMatch(arn);
      const stored = toStoredOrder(parseOrder(record?.body ?? ''), new Date('2026-11-22T10:00:01Z'));
      expect(stored).toMatchObject({ orderId: 'o-1001', total: 4498, totalBand: 'small' });
    });
  }

  it('the FIFO sample carries what a FIFO queue adds: group, deduplication id, sequence number', () => {
    const [record] = SqsSchema.parse(sample('sqs-fifo-order')).Records;
    expect(record?.attributes).toMatchObject({
      MessageGroupId: 'c-42',
      MessageDeduplicationId: 'o-1001',
      SequenceNumber: expect.stringMatching(/^\d+$/),
    });
  });

  it("the README's order is the samples' body, and the README links both files", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## The event it takes'));
    const inline = section.slice(
      section.indexOf('```json\n') + 8,
      section.indexOf('\n```', section.indexOf('```json\n')),
    );
    const [record] = SqsSchema.parse(sample('sqs-order')).Records;
    expect(JSON.parse(inline)).toEqual(JSON.parse(record?.body ?? ''));
    expect(readme).toContain('(events/sqs-order.json)');
    expect(readme).toContain('(events/sqs-fifo-order.json)');
  });
});
