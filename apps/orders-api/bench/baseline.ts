/**
 * The bench's baseline: node:http with no framework, no schema and no logging, doing the same
 * AWS work per POST as the API (the key's conditional PutItem, then SendMessage). Bundled and
 * run in the API's image by bench/throughput.ts.
 */
import { createServer } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

const sqs = new SQSClient({});
const docs = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const queueUrl = process.env.ORDERS_QUEUE_URL as string;
const table = process.env.REQUESTS_TABLE as string;

createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200).end('{"status":"ok"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const order = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const orderId = String(req.headers['idempotency-key']);
      const createdAt = new Date().toISOString();
      await docs.send(
        new PutCommand({
          TableName: table,
          Item: { orderId, createdAt },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ orderId, ...order, createdAt }) }),
      );
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId }));
    } catch {
      res.writeHead(503).end();
    }
  });
}).listen(Number(process.env.PORT ?? 8080), '0.0.0.0');
