'use strict';
// Starts s3rver like its CLI does and appends every object event it emits
// (PUT, POST, COPY, DELETE: an S3 notification with one record) to a file,
// one JSON line each, for infra/localstack to deliver as the EventBridge
// events S3 would send. Written next to node_modules by infra/emulators.
//
//   node s3rver-events.js <address> <port> <data dir> <events file>
const fs = require('fs');
const S3rver = require('s3rver');

const [address, port, directory, eventsFile] = process.argv.slice(2);
if (!eventsFile) {
  console.error('usage: s3rver-events.js <address> <port> <data dir> <events file>');
  process.exit(2);
}
fs.mkdirSync(directory, { recursive: true });
const server = new S3rver({ address, port: Number(port), directory, silent: true });
server.on('event', event => {
  // One write per line: appends of a few hundred bytes do not interleave.
  fs.appendFileSync(eventsFile, JSON.stringify(event) + '\n');
});
server
  .run()
  .then(({ address, port }) => console.log('S3rver listening on %s:%d', address, port))
  .catch(err => {
    console.error(err);
    process.exit(1);
  });
