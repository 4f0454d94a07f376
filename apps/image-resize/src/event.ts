// SPDX-License-Identifier: MIT-0
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import { z } from 'zod';

/**
 * Powertools Parser's S3 notification schema, widened in one field: Parser 2.35 accepts only an
 * IPv4 source address (or s3.amazonaws.com), but S3's dual-stack endpoints take uploads over IPv6
 * and the event names that address. The field is not used here; every other one is checked.
 */
export const S3EventSchema = S3Schema.extend({
  Records: z.array(
    S3Schema.shape.Records.element.extend({ requestParameters: z.object({ sourceIPAddress: z.string() }) }),
  ),
});

export type S3Event = z.output<typeof S3EventSchema>;
export type S3Record = S3Event['Records'][number];
